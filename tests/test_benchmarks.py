"""Every benchmark case runs at tiny sizes (a smoke test: no timings are
asserted), and its implementations agree before anything is timed."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import __main__ as bench_main  # noqa: E402
from benchmarks.cases import CASES  # noqa: E402
from benchmarks.harness import Case, check_agreement, run_case  # noqa: E402


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_runs_tiny(case):
    result = run_case(case, "tiny")
    assert result["case"] == case.name and result["values"]
    assert all(isinstance(v, float) for v in result["values"].values())
    for target in result["targets"]:
        assert target["target"] and ("ratio" in target)


def test_disagreement_is_caught():
    case = Case("x", "x", lambda size: {}, [])
    with pytest.raises(AssertionError, match="disagree"):
        check_agreement(case, {"a": [[1.0, 2.0]], "b": [[1.0, 2.5]]})


def test_command_writes_a_table_and_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    md = tmp_path / "r.md"
    assert bench_main.main(["--tiny", "--only", "a,e", "--json", str(out), "--markdown",
                            str(md)]) == 0
    printed = capsys.readouterr().out
    assert "target minigrad <= 0.8x torch" in printed or "not measured" in printed
    data = json.loads(out.read_text())
    assert data["machine"]["numpy"] and [r["case"] for r in data["results"]] == ["a", "e"]
    # the Markdown table: its structure, which no timing changes (a verdict of
    # "**missed**" is bold too, so bold cells are not counted)
    lines = md.read_text().splitlines()
    assert lines[0].startswith(f"Measured {data['machine']['date']} on ")
    assert lines[1:4] == ["", "| case | minigrad | compiled | fused | numpy | torch | jax.jit "
                          "| target | ratio | |", "|---|---|---|---|---|---|---|---|---|---|"]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines[4:]]
    assert all(len(r) == 10 for r in rows)
    expected = []
    for result in data["results"]:
        for i, target in enumerate(result["targets"] or [None]):
            expected.append((result["case"] if i == 0 else None, target))
    assert len(rows) == len(expected)
    for row, (case, target) in zip(rows, expected):
        if case is None:
            assert row[0] == ""
        else:
            assert row[0].startswith(f"**{case}** ")
        if target is not None:
            assert row[7] == target["target"]
            assert row[9] == {True: "met", False: "**missed**", None: "n/a"}[target["met"]]
    with pytest.raises(SystemExit):
        bench_main.main(["--only", "zzz"])


def test_bounds_command_measures_each_part(tmp_path, capsys):
    """``python -m benchmarks.bounds`` (issue 22's floors) at tiny sizes: the
    parts of the fused step, the products, and the floor made of them."""
    pytest.importorskip("numba")
    from benchmarks import bounds
    out = tmp_path / "bounds.json"
    assert bounds.main(["--tiny", "--only", "b-small,d", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    data = json.loads(out.read_text())
    assert [r["case"] for r in data["results"]] == ["b-small", "d"]
    for r in data["results"]:
        assert set(r["steps"]) >= {"fused", "numpy"}
        assert set(r["parts"]) == {"forward", "backward code", "backward bookkeeping",
                                   "update code", "update bookkeeping", "rest"}
        assert r["parts"]["forward"] > 0 and r["parts"]["backward code"] > 0
        assert r["floor"] == pytest.approx(r["parts"]["forward"]
                                           + sum(r["backward products"].values()))
        assert r["targets"]["numpy"] == pytest.approx(r["target_ratios"]["numpy"]
                                                      * r["steps"]["numpy"])
        assert f"| {r['case']} | " in printed
    assert len(data["results"][1]["backward products"]) == 5     # the MLP's five


def test_bounds_refuses_an_unknown_case():
    pytest.importorskip("numba")
    from benchmarks import bounds
    with pytest.raises(SystemExit):
        bounds.main(["--tiny", "--only", "a"])
