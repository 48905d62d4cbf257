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
