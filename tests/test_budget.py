"""Sizes checked before a command starts: refused in one line when they cannot fit in memory, warned when long."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from scenarios import cli
from scenarios.run import budget
from scenarios.scenario import load_scenario
from scenarios.sweep_spec import SWEEP_DIR, load_plan

REPO = Path(__file__).resolve().parents[1]
GB = 1e9

SCENARIO = """name = "big"
seed = 1
rounds = {rounds}
[population]
proteges = {proteges}
patrons = {patrons}
ad_hoc_partners = {ad_hoc}
[search_cost]
dist = "constant"
value = 0.01
[game]
delta = 0.99
phi = 1.1
"""


def _scenario(tmp_path, rounds=10, proteges=100, patrons=10, ad_hoc=10, extra="") -> str:
    p = tmp_path / "big.toml"
    p.write_text(SCENARIO.format(rounds=rounds, proteges=proteges, patrons=patrons, ad_hoc=ad_hoc) + extra)
    return str(p)


@pytest.fixture
def four_gb(monkeypatch):
    monkeypatch.setattr(budget, "available_memory", lambda: 4 * GB)


def _refused(capsys, argv, *says):
    t0 = time.perf_counter()
    assert cli.main(argv) == 2
    assert time.perf_counter() - t0 < 30  # refused before allocating anything
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for s in ("needs about", "4.0 GB is available", "--no-size-check", *says):
        assert s in err, err
    return err


def test_a_figure_grid_that_cannot_fit_is_refused_in_one_line(capsys, four_gb, tmp_path):
    _refused(capsys, ["figure", "3", "--points", "10000000", "--out", str(tmp_path)], "--points 10000000", "GB")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("key", ["proteges", "patrons", "ad_hoc"])
def test_a_population_that_cannot_fit_is_refused_in_one_line(capsys, four_gb, tmp_path, key):
    path = _scenario(tmp_path, **{key: 10**9})
    _refused(capsys, ["run", path, "--out", str(tmp_path / "o")], "1000000000")
    assert not (tmp_path / "o").exists()


def test_recorded_events_count_and_no_events_lifts_them(capsys, four_gb, tmp_path):
    path = _scenario(tmp_path, rounds=100, proteges=200_000)  # 8 GB of events, 2 GB without
    _refused(capsys, ["run", path, "--out", str(tmp_path / "o")], "with events")
    est = budget.scenario_estimate(load_scenario(path))
    assert est.bytes > 4 * GB


def test_a_sweep_with_too_many_replications_is_refused_before_it_is_expanded(capsys, four_gb, tmp_path):
    path = _scenario(tmp_path, extra="[sweep]\nreplications = 100000000\n")
    _refused(capsys, ["sweep", path, "--out", str(tmp_path / "o")], "a sweep of 100000000 runs")


def test_a_sweep_grid_range_too_long_is_refused_before_it_is_expanded(capsys, four_gb, tmp_path):
    path = _scenario(tmp_path, extra='[sweep]\nreplications = 2\n[sweep.grid]\n'
                                      '"game.delta" = { low = 0.9, high = 0.99, num = 1000000000 }\n')
    _refused(capsys, ["sweep", path, "--out", str(tmp_path / "o")], "a sweep of 2000000000 runs")


def test_the_sweep_counts_each_worker_running_its_largest_run(capsys, monkeypatch, tmp_path):
    plan = load_plan(str(SWEEP_DIR / "tiny.toml"))
    one, four = budget.sweep_estimate(plan, 1), budget.sweep_estimate(plan, 4)
    assert four.bytes > one.bytes and four.seconds < one.seconds
    monkeypatch.setattr(budget, "available_memory", lambda: one.bytes * 1.01)
    assert cli.main(["sweep", "tiny", "--out", str(tmp_path / "o"), "--workers", "4", "--no-plots"]) == 2
    assert "on 4 workers needs about" in capsys.readouterr().err


CALIBRATION = """[calibration]
parameters = {{ "search_cost.value" = [0.0, 0.03] }}
target = {{ group_by = "all" }}
points = {points}
refine = 1
replications = 3
"""


def test_a_calibration_too_large_is_refused_before_its_data_or_design(capsys, four_gb, tmp_path):
    path = _scenario(tmp_path, extra=CALIBRATION.format(points=10**8))
    # (2 stages of 10^8 points and the estimate) x 3 replications; the data folder is not even read
    _refused(capsys, ["calibrate", path, "--data", str(tmp_path / "no-such-folder"), "--out", str(tmp_path / "o"),
                      "--workers", "2"], "calibration of big: 600000003 runs", "on 2 workers")
    assert not (tmp_path / "o").exists()


def test_a_calibration_counts_every_stage_and_replication():
    from dataclasses import replace

    sc = load_scenario("atop_calibration")
    one = budget.calibration_estimate(sc, 1)
    twice = budget.calibration_estimate(
        replace(sc, calibration=dict(sc.calibration, replications=2 * sc.calibration["replications"])), 1)
    assert twice.seconds == pytest.approx(2 * one.seconds)
    runs = ((sc.calibration["refine"] + 1) * sc.calibration["points"] + 1) * sc.calibration["replications"]
    assert f"{runs} runs" in one.asked
    run = budget.scenario_estimate(sc)
    assert one.seconds == pytest.approx(runs * run.seconds, rel=0.01)  # one worker: the runs one after another
    assert budget.calibration_estimate(sc, 2).seconds == pytest.approx(one.seconds / 2)


def test_an_extension_grid_that_cannot_fit_is_refused(capsys, four_gb, tmp_path):
    _refused(capsys, ["extension", "pie", "--points", "100000000", "--out", str(tmp_path)], "x 6 curves")


def test_the_override_lets_the_command_through(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(budget, "available_memory", lambda: 1.0)  # nothing fits
    assert cli.main(["figure", "3", "--points", "5", "--out", str(tmp_path)]) == 2
    assert cli.main(["figure", "3", "--points", "5", "--out", str(tmp_path), "--no-size-check"]) == 0
    assert (tmp_path / "figure3.csv").exists()


def test_what_will_take_very_long_is_warned_on_stderr(capsys):
    budget.check(budget.Estimate("a long thing", 1.0, 3 * 3600), available=GB)
    err = capsys.readouterr().err
    assert err.startswith("alliances: warning: a long thing will take about 3.0 h") and err.count("\n") == 1
    budget.check(budget.Estimate("a short thing", 1.0, 5.0), available=GB)
    assert capsys.readouterr().err == ""
    long_run = budget.scenario_estimate(load_scenario("baseline"))
    assert long_run.seconds < budget.LONG  # the bundled baseline is not warned about


def test_the_estimate_bounds_a_measured_run_from_above_within_a_small_factor(tmp_path):
    """The rates are measured ones: a real run's peak memory lies below the estimate, and not far below."""
    path = _scenario(tmp_path, rounds=50, proteges=20_000, patrons=40, ad_hoc=200)
    code = ("import resource, sys\nfrom scenarios.scenario import load_scenario\n"
            "from scenarios.run.runner import run_scenario\n"
            f"run_scenario(load_scenario({path!r}), out={str(tmp_path / 'o')!r}, progress=False, plots=False)\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert res.returncode == 0, res.stderr
    peak = float(res.stdout.split()[-1])
    est = budget.scenario_estimate(load_scenario(path)).bytes
    assert peak < est < 4 * peak, (peak, est)
