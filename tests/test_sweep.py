"""Sweeps: the [sweep] spec, seeds, local pool vs Dask, kill-and-resume, errors, refusal."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from scenarios import cli
from scenarios.run.measures import MEASURES
from scenarios.run.sweep import DONE, run_sweep
from scenarios.sweep_spec import SWEEP_DIR, load_plan

TINY = SWEEP_DIR / "tiny.toml"
REPO = Path(__file__).resolve().parents[1]


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny sweep, uninterrupted, on the local process pool."""
    out = tmp_path_factory.mktemp("ref")
    report = run_sweep(load_plan("tiny"), out, workers=2, progress=False, plots=False)
    assert report.ok and report.ran == 12
    return out


# ------------------------------------------------------------------ the spec
def test_tiny_plan_is_a_full_factorial_with_spawned_seeds():
    plan = load_plan("tiny")
    assert plan.keys == ("search_cost.high", "investment")
    assert len(plan.runs) == 12 and plan.replications == 3
    assert [r.run_id for r in plan.runs] == [f"{i:05d}" for i in range(12)]
    assert len({r.seed for r in plan.runs}) == 12
    again = load_plan(str(TINY))
    assert [r.seed for r in again.runs] == [r.seed for r in plan.runs]
    assert [r.spec_hash for r in again.runs] == [r.spec_hash for r in plan.runs]
    r = plan.runs[4]
    assert (r.point, r.replication) == (1, 1)
    assert r.params == {"search_cost.high": 0.02, "investment": {"rule": "accumulate", "step": 0.005, "cap": 0.05}}
    sc = r.scenario()
    assert sc.search_cost.high == 0.02 and sc.investment_rule == "accumulate" and sc.seed == r.seed


def _sweep_file(tmp_path, sweep: str, name="s.toml") -> str:
    text = TINY.read_text().split("[sweep]")[0] + sweep
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize("method,n", [("lhs", 5), ("sobol", 8)])
def test_sampled_designs_stay_in_their_ranges_and_are_reproducible(tmp_path, method, n):
    path = _sweep_file(tmp_path, f"""
[sweep]
replications = 2
[sweep.grid]
"investment.rule" = ["none"]
[sweep.sample]
method = "{method}"
n = {n}
[sweep.sample.ranges]
"game.delta" = [0.9, 0.99]
population.proteges = [20, 60]
""")
    plan = load_plan(path)
    assert len(plan.runs) == 2 * n
    deltas = [r.params["game.delta"] for r in plan.runs[::2]]
    sizes = [r.params["population.proteges"] for r in plan.runs[::2]]
    assert all(0.9 <= d <= 0.99 for d in deltas) and len(set(deltas)) == n
    assert all(isinstance(s, int) and 20 <= s <= 60 for s in sizes)
    if method == "lhs":  # one point in each of the n strata of every range
        assert sorted(int((d - 0.9) / 0.09 * n) for d in deltas) == list(range(n))
    assert [r.params for r in load_plan(path).runs] == [r.params for r in plan.runs]


@pytest.mark.parametrize(
    "sweep,key,says",
    [
        ('[sweep]\nreplications = 2\n[sweep.grid]\n"population.protegez" = [10, 20]\n',
         "population.protegez", "unknown scenario key; allowed under population: proteges"),
        ('[sweep]\n[sweep.grid]\n"game.phi" = []\n', "sweep.grid.game.phi", "empty list"),
        ('[sweep]\n[sweep.grid]\n"game.delta" = { low = 0.99, high = 0.9, num = 3 }\n',
         "sweep.grid.game.delta", "empty range"),
        ('[sweep]\n[sweep.sample]\nn = 4\n[sweep.sample.ranges]\n"game.delta" = [0.9, 0.9]\n',
         "sweep.sample.ranges.game.delta", "empty range"),
        ("[sweep]\nreplications = -3\n", "sweep.replications", "must be an integer >= 1, got -3"),
        ('[sweep]\n[sweep.sample]\nmethod = "sobol"\nn = 6\n[sweep.sample.ranges]\n"game.delta" = [0.9, 1.0]\n',
         "sweep.sample.n", "power of 2"),
        ('[sweep]\n[sweep.grid]\nseed = [1, 2]\n', "seed", "cannot be swept"),
        ('[sweep]\nreplicates = 3\n', "sweep.replicates", "unknown key; allowed: replications, grid, sample"),
        ('[sweep]\n[sweep.grid]\n"game.delta" = [0.9, 1.5]\n', "game.delta", "must be a number in (0.0, 1.0]"),
    ],
)
def test_a_bad_sweep_spec_is_one_clear_line(tmp_path, capsys, sweep, key, says):
    path = _sweep_file(tmp_path, sweep)
    with pytest.raises(ValueError) as e:
        load_plan(path)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(path) and key in msg and says in msg, msg
    code = cli.main(["sweep", path, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("alliances: error: ") and key in err
    assert not (tmp_path / "out").exists()


def test_a_run_out_of_range_names_the_run_and_its_parameters(tmp_path):
    path = _sweep_file(tmp_path, '[sweep]\n[sweep.grid]\n"game.delta" = [0.9, 1.5]\n')
    with pytest.raises(ValueError, match=r"sweep run 00001 \(game\.delta = 1\.5\): game\.delta"):
        load_plan(path)


# ------------------------------------------------------------------ results
def test_summary_has_a_row_per_run_with_parameters_seed_and_measures(reference):
    df = pd.read_parquet(reference / "summary.parquet")
    plan = load_plan("tiny")
    assert list(df["run"]) == [r.run_id for r in plan.runs]
    assert list(df["seed"]) == [r.seed for r in plan.runs]
    assert (df["status"] == "done").all() and df["error"].isna().all()
    assert set(MEASURES) <= set(df.columns) and df["search_cost.high"].dtype == float
    assert set(df["investment"]) == {'{rule = "none"}', '{rule = "accumulate", step = 0.005, cap = 0.05}'}
    # the measures are the run's own tables, summarized
    steps = pd.read_parquet(reference / "runs" / "00007" / "steps.parquet")
    row = df.set_index("run").loc["00007"]
    assert row["mean_churn"] == pytest.approx(steps["churn_rate"].mean())
    assert row["final_c"] == pytest.approx(steps["c_mean"].iloc[-1])
    manifest = json.loads((reference / "manifest.json").read_text())
    assert [r["status"] for r in manifest["runs"]] == ["done"] * 12
    assert manifest["runs"][7]["seed"] == int(row["seed"])


def test_local_pool_and_dask_local_cluster_give_identical_results(reference, tmp_path):
    report = run_sweep(load_plan("tiny"), tmp_path, workers=2, dask="local", dask_processes=False,
                       progress=False, plots=False)
    assert report.ok and report.ran == 12
    assert (tmp_path / "summary.parquet").read_bytes() == (reference / "summary.parquet").read_bytes()
    assert _files(tmp_path / "runs") == _files(reference / "runs")


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "scenarios.cli", "sweep", *args]


def _done(out: Path) -> int:
    return len(list(out.glob("runs/*/" + DONE)))


def test_kill_the_driver_mid_sweep_then_resume(reference, tmp_path):
    out = tmp_path / "killed"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(_cli("tiny", "--out", str(out), "--workers", "2", "--no-plots"), cwd=REPO,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while _done(out) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, at once
    proc.wait()
    n_killed = _done(out)
    assert 3 <= n_killed < 12, n_killed
    # make the leftovers as bad as a kill can: a half-written partial folder and a
    # run folder whose files are there but whose completion marker is not
    runs = out / "runs"
    (runs / ".partial-00011-deadbeef").mkdir()
    (runs / ".partial-00011-deadbeef" / "steps.parquet").write_bytes(b"PAR1 half")
    victim = sorted(p for p in runs.iterdir() if (p / DONE).exists())[0]
    (victim / DONE).unlink()
    (victim / "steps.parquet").write_bytes(b"PAR1 truncated")

    res = subprocess.run(_cli("tiny", "--out", str(out), "--workers", "2", "--no-plots"), cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"{n_killed - 1} already done, {12 - n_killed + 1} run now" in res.stdout
    assert sorted(p.name for p in runs.iterdir()) == [f"{i:05d}" for i in range(12)]
    df = pd.read_parquet(out / "summary.parquet")
    assert df["run"].is_unique and len(df) == 12 and (df["status"] == "done").all()
    assert (out / "summary.parquet").read_bytes() == (reference / "summary.parquet").read_bytes()
    assert _files(runs) == _files(reference / "runs")
    # and once more: nothing left to do
    again = subprocess.run(_cli("tiny", "--out", str(out), "--no-plots"), cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "12 already done, 0 run now" in again.stdout


def test_killing_only_the_driver_leaves_no_worker_behind(tmp_path):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "orphans"
    proc = subprocess.Popen(_cli("tiny", "--out", str(out), "--workers", "2", "--no-plots"), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while _done(out) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(children, timeout=10)
    for p in alive:  # clean up before failing
        p.kill()
    assert not alive, [p.pid for p in alive]


def test_a_run_that_raises_is_recorded_the_sweep_goes_on_and_a_resume_retries_it(tmp_path, monkeypatch, capsys):
    import scenarios.run.runner as runner

    plan = load_plan("tiny")
    bad_seed = plan.runs[5].seed
    real = runner.run_scenario

    def flaky(sc, *a, **kw):
        if sc.seed == bad_seed:
            raise RuntimeError("boom in the model")
        return real(sc, *a, **kw)

    monkeypatch.setattr(runner, "run_scenario", flaky)
    # Dask in threads: the patched runner is the one the runs use
    report = run_sweep(plan, tmp_path, workers=2, dask="local", dask_processes=False, progress=False, plots=False)
    assert report.ran == 12 and list(report.failed) == ["00005"] and not report.ok
    assert "run 00005: RuntimeError: boom in the model" in "\n".join(report.lines())
    df = pd.read_parquet(tmp_path / "summary.parquet").set_index("run")
    assert df.loc["00005", "status"] == "error" and "boom" in df.loc["00005", "error"]
    assert (df.drop(index="00005")["status"] == "done").all()
    assert json.loads((tmp_path / "runs" / "00005" / "error.json").read_text())["error"].startswith("RuntimeError")
    monkeypatch.setattr(runner, "run_scenario", real)
    again = run_sweep(plan, tmp_path, workers=2, dask="local", dask_processes=False, progress=False, plots=False)
    assert again.ok and again.already_done == 11 and again.ran == 1


def test_the_cli_exits_non_zero_when_a_run_failed(tmp_path, monkeypatch, capsys):
    import scenarios.run.sweep as sweep

    def fake(plan, out, **kw):
        rep = sweep.SweepReport(out=Path(out), planned=12, already_done=0, ran=12)
        rep.failed["00003"] = "RuntimeError: boom"
        return rep

    monkeypatch.setattr(sweep, "run_sweep", fake)
    assert cli.main(["sweep", "tiny", "--out", str(tmp_path)]) == 1
    assert "run 00003: RuntimeError: boom" in capsys.readouterr().out


def test_a_changed_scenario_file_is_refused_for_the_same_directory(tmp_path, capsys):
    src = tmp_path / "s.toml"
    shutil.copy(TINY, src)
    out = tmp_path / "out"
    plan = load_plan(str(src))
    run_sweep(plan, out, workers=1, dask="local", dask_processes=False, progress=False, plots=False,
              only=["00000"])
    src.write_text("# a comment does not change the scenario\n" + TINY.read_text())
    assert run_sweep(load_plan(str(src)), out, workers=1, dask="local", dask_processes=False,
                     progress=False, plots=False, only=["00000"]).already_done == 1
    src.write_text(TINY.read_text().replace("replications = 3", "replications = 2"))
    code = cli.main(["sweep", str(src), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "holds a sweep of a different scenario" in err and "refusing to mix results" in err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    assert cli.main(["sweep", str(src), "--out", str(tmp_path / "other")]) == 2
    assert "not empty and has no manifest.json" in capsys.readouterr().err


def test_killing_a_pool_worker_mid_sweep_loses_nothing(reference, tmp_path):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "worker_killed"
    proc = subprocess.Popen(_cli("tiny", "--out", str(out), "--workers", "2", "--no-plots"), cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while _done(out) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    driver = psutil.Process(proc.pid)
    # pool workers are forked by the forkserver, a child of the driver
    workers = [p for c in driver.children() for p in c.children()]
    assert workers, "no pool worker found"
    workers[0].send_signal(signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "leaked" not in stderr, stderr
    assert (out / "summary.parquet").read_bytes() == (reference / "summary.parquet").read_bytes()
    assert _files(out / "runs") == _files(reference / "runs")
