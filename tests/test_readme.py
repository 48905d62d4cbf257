"""The README's tour runs as written."""
import os
import re

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def read():
    with open(README) as f:
        return f.read()


def test_the_tour_runs(capsys):
    pytest.importorskip("numpy")
    text = read()
    tour = text.split("## A five-minute tour", 1)[1]
    code = re.search(r"```python\n(.*?)```", tour, re.S).group(1)
    exec(compile(code, "README tour", "exec"), {})
    assert "Value under each convention" in capsys.readouterr().out


def test_the_readme_names_both_commands():
    text = read()
    assert 'pip install ".[plot,data]" && minigrad demo' in text
    assert 'pip install -e ".[test]" && pytest' in text


def _blocks(section):
    text = read().split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:python)?\n(.*?)```", text, re.S)


def test_the_hand_written_loop_prints_what_the_readme_shows(capsys):
    code, printed, error = _blocks("Writing the training loop by hand")
    exec(compile(code, "README loop", "exec"), {})
    assert capsys.readouterr().out == printed
    import minigrad as mg
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        p -= 0.1
    assert f"RuntimeError: {e.value}\n" == error
