"""Sweeps that keep fewer tables (``[output] tables``), tasks of several runs, batch files."""

from __future__ import annotations

import json

import pytest

from scenarios import cli
from scenarios.run.budget import run_seconds
from scenarios.run.sweep import batch_records, batches, run_sweep
from scenarios.sweep_spec import SWEEP_DIR, load_plan

TINY = SWEEP_DIR / "tiny.toml"


def _variant(tmp_path, tables: str, events: bool = False, name: str = "t.toml") -> str:
    text = TINY.read_text().replace("events = false", f"events = {str(events).lower()}\ntables = \"{tables}\"")
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def _sweep(path, out, **kw):
    # Dask in threads: starts in a second, runs the same execute_batch as the pool
    rep = run_sweep(load_plan(path), out, workers=2, dask="local", dask_processes=False, progress=False,
                    plots=False, **kw)
    assert rep.ok, rep.lines()
    return rep


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    """The tiny sweep keeping every table (the default)."""
    out = tmp_path_factory.mktemp("all")
    _sweep(str(TINY), out)
    return out


def test_a_bad_tables_value_is_one_clear_line(tmp_path, capsys):
    path = _variant(tmp_path, "some")
    with pytest.raises(ValueError, match=r"output\.tables: must be one of 'all', 'steps', 'summary', got 'some'"):
        load_plan(path)
    assert cli.main(["sweep", path, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "output.tables" in err and not (tmp_path / "out").exists()


def test_tasks_hold_about_a_second_of_estimated_work_and_every_run_once():
    plan = load_plan("search_costs")
    runs = list(plan.runs)
    one = run_seconds(500, 20, 60, 80)  # every run of search_costs has these sizes
    for workers in (1, 2):
        groups = batches(runs, workers)
        assert [r.run_id for g in groups for r in g] == [r.run_id for r in runs]  # each once, in order
        cap = -(-len(runs) // (4 * workers))
        for g in groups[:-1]:  # full: a second of work, or the cap that keeps workers busy at the end
            assert len(g) == min(cap, -(-1.0 // one)), (len(g), cap, one)
    assert [len(g) for g in batches(runs, 2, task_seconds=0)] == [1] * len(runs)


def test_summary_only_keeps_the_same_summary_in_one_file_per_task(tmp_path, everything):
    out = tmp_path / "summary"
    _sweep(_variant(tmp_path, "summary", events=True), out)
    assert (out / "summary.parquet").read_bytes() == (everything / "summary.parquet").read_bytes()
    names = sorted(p.name for p in (out / "runs").iterdir())
    assert names and all(n.startswith("batch-") and n.endswith(".json") for n in names)
    recs = [r for n in names for r in json.loads((out / "runs" / n).read_text())["runs"]]
    assert sorted(r["run"] for r in recs) == [f"{i:05d}" for i in range(12)]  # each run exactly once
    for r in recs:  # the measures are those the full run recorded
        assert r["measures"] == json.loads((everything / "runs" / r["run"] / "done.json").read_text())["measures"]

    # resume: a lost batch file's runs, and only those, run again; a partial file is not trusted
    lost = out / "runs" / names[1]
    lost_runs = sorted(r["run"] for r in json.loads(lost.read_text())["runs"])
    lost.unlink()
    (out / "runs" / ".partial-batch-00011-deadbeef.json").write_text('{"format": 1, "runs": [{"run": "000')
    plan = load_plan(_variant(tmp_path, "summary", events=True))
    assert sorted(batch_records(out / "runs")) == sorted(set(f"{i:05d}" for i in range(12)) - set(lost_runs))
    rep = run_sweep(plan, out, workers=2, dask="local", dask_processes=False, progress=False, plots=False)
    assert rep.ok and rep.already_done == 12 - len(lost_runs) and rep.ran == len(lost_runs)
    assert not list((out / "runs").glob(".partial-*"))
    assert (out / "summary.parquet").read_bytes() == (everything / "summary.parquet").read_bytes()


def test_steps_keeps_only_the_steps_table_the_same_bytes(tmp_path, everything):
    out = tmp_path / "steps"
    _sweep(_variant(tmp_path, "steps"), out)
    assert (out / "summary.parquet").read_bytes() == (everything / "summary.parquet").read_bytes()
    for d in sorted((out / "runs").iterdir()):
        assert sorted(p.name for p in d.iterdir()) == ["done.json", "spec.json", "steps.parquet"]
        assert (d / "steps.parquet").read_bytes() == (everything / "runs" / d.name / "steps.parquet").read_bytes()
