"""`alliances calibrate`: the simulated likelihood, its smoothed argmin, parameter recovery, bad input.

The hazard and likelihood are checked against brute-force computations written here (one
spell and one year-slice at a time); the smoothed argmin against quadratics whose minimum is
known; the whole fit by parameter recovery: synthetic ATOP from a scenario with known
parameters (`alliances atop synthesize`), calibrated, and the truth inside the reported 95%
intervals. Bad [calibration] tables and bad data folders: one line, exit 2, nothing written.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from scenarios import cli
from scenarios.scenario import load_scenario
from scenarios.studies import hazard_fit

ROOT = Path(__file__).resolve().parent.parent
ATOP_DIR = ROOT.parent / "shared" / "data" / "atop"


def run_cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, out, err):
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alliances: error: "), err
    assert "Traceback" not in err
    return lines[0]


# --------------------------------------------------------------- the likelihood, brute force
def brute_hazard(rounds, event, y, edges, step=2e-3):
    """Occurrence / exposure per bin, one spell and one small time slice at a time: each round a
    spell is in is exposure; a breakup in round k is spread evenly over that round."""
    nb = len(edges) - 1
    exposure, events = np.zeros(nb), np.zeros(nb)
    for k, e in zip(rounds, event):
        for t in np.arange(0, k * y, step) + step / 2:
            b = np.searchsorted(edges, t, side="right") - 1
            if b < nb:
                exposure[b] += step
                if e and t >= (k - 1) * y:
                    events[b] += step / y
    return np.maximum(events, hazard_fit.FLOOR_EVENTS) / exposure


def test_the_simulated_hazard_is_occurrence_over_exposure_spread_over_each_round():
    rng = np.random.default_rng(3)
    rounds = rng.integers(1, 8, size=40)
    event = rng.random(40) < 0.7
    y, edges = 1.7, hazard_fit.bin_edges(11.0, 2.5)
    h = hazard_fit.simulated_hazard(rounds, event, y, edges)
    want = brute_hazard(rounds, event, y, edges)
    simulated = np.isfinite(want)
    assert np.allclose(h[simulated], want[simulated], rtol=2e-3)
    assert np.all(h[~simulated] == h[simulated][-1])  # past the simulated horizon: the last bin's


def test_a_constant_breakup_probability_gives_p_over_years_per_round_in_every_bin():
    # geometric spells: P(k rounds) = (1 - p)^(k-1) p; censored at 60 rounds
    p, y = 0.25, 2.0
    rng = np.random.default_rng(8)
    k = rng.geometric(p, size=200_000)
    event = k <= 60
    k = np.minimum(k, 60)
    h = hazard_fit.simulated_hazard(k, event, y, hazard_fit.bin_edges(30.0, 5.0))
    # each bin holds ~ n_b = (spell-rounds in it) and binomial breakups: SE of h is h / sqrt(events)
    se = (p / y) / np.sqrt(200_000 * (1 - p) ** (np.arange(len(h)) * 5 / y) * p * 2.5)
    z = (h - p / y) / se
    assert np.all(np.abs(z) < 4.5), z


def test_the_spell_loglik_integrates_the_piecewise_hazard():
    edges = hazard_fit.bin_edges(9.0, 2.0)
    h = np.array([0.1, 0.3, 0.05, 0.2, 0.4])
    duration = np.array([0.0, 1.3, 2.0, 4.7, 9.9, 6.0])
    event = np.array([True, False, True, True, False, True])
    ll = hazard_fit.spell_loglik(h, duration, event, edges)
    for t, e, got in zip(duration, event, ll):
        grid = np.linspace(0, t, 200_001)
        rate = h[np.minimum(np.searchsorted(edges, grid, side="right") - 1, len(h) - 1)]
        cumulative = np.trapezoid(rate, grid) if t > 0 else 0.0
        last = h[max(0, min(int(np.ceil(t / 2.0)) - 1, len(h) - 1))]  # the bin (a, b] the spell ends in
        assert got == pytest.approx(-cumulative + (np.log(last) if e else 0.0), abs=1e-4)


def test_the_smoothed_argmin_finds_a_quadratics_minimum_inside_and_on_the_edge():
    rng = np.random.default_rng(1)
    z = rng.random((40, 2))
    centre = np.array([0.3, 0.6])
    H = np.array([[40.0, 12.0], [12.0, 25.0]])
    dist = 0.5 * np.einsum("ni,ij,nj->n", z - centre, H, z - centre) + 7.0
    chosen = np.arange(40)
    assert hazard_fit.smoothed_argmin(dist, z, chosen)[0] == pytest.approx(centre, abs=1e-6)
    outside = np.array([1.4, 0.6])  # the minimum outside the fitted box: the box's edge along z_0
    dist = 0.5 * np.einsum("ni,ij,nj->n", z - outside, np.diag([40.0, 25.0]), z - outside)
    got = hazard_fit.smoothed_argmin(dist, z, chosen)[0]
    assert got[0] == pytest.approx(z[:, 0].max(), abs=1e-6) and got[1] == pytest.approx(0.6, abs=1e-6)


# --------------------------------------------------------------- parameter recovery
TRUTH = {"search_cost.values.1": 0.015, "calibration.years_per_round": 3.0}


def scenario_text(name, seed, rounds, proteges, calibration=""):
    return f"""
name = "{name}"
seed = {seed}
rounds = {rounds}
[population]
proteges = {proteges}
patrons = 20
ad_hoc_partners = 60
[search_cost]
dist = "groups"
values = [0.0, 0.015, 0.04]
weights = [0.5, 0.3, 0.2]
[game]
delta = 0.99
phi = 1.1
[calibration]
years_per_round = 3.0
{calibration}
"""


FIT = """parameters = { "search_cost.values.1" = [0.0, 0.024], "calibration.years_per_round" = [1.0, 6.0] }
points = 12
refine = 2
replications = 1
bootstrap = 200
"""


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    """Synthetic ATOP from the truth (1,000 protégés, 20 rounds of 3 years), calibrated from a
    larger simulation (2,000 protégés, 25 rounds, other seeds): (fit.json, out dir, seconds)."""
    tmp = tmp_path_factory.mktemp("recovery")
    (tmp / "truth.toml").write_text(scenario_text("truth", 5, 20, 1000))
    (tmp / "fit.toml").write_text(scenario_text("fit", 11, 25, 2000, FIT))
    assert cli.main(["atop", "synthesize", str(tmp / "truth.toml"), "--out", str(tmp / "data"), "--seed", "5"]) == 0
    t0 = time.perf_counter()
    assert cli.main(["calibrate", str(tmp / "fit.toml"), "--data", str(tmp / "data"), "--out", str(tmp / "fit"),
                     "--workers", "2"]) == 0
    return json.loads((tmp / "fit" / "fit.json").read_text()), tmp, time.perf_counter() - t0


def test_the_truth_lies_inside_every_95_percent_interval(recovered):
    fit, _, seconds = recovered
    print(f"calibration took {seconds:.1f} s")
    for key, truth in TRUTH.items():
        p = fit["parameters"][key]
        assert p["ci"][0] <= truth <= p["ci"][1], (key, p)
        assert p["ci"][0] <= p["estimate"] <= p["ci"][1], (key, p)
    # and the intervals say something: years per round to within a tenth of its range
    lo, hi = fit["parameters"]["calibration.years_per_round"]["ci"]
    assert hi - lo < 0.1 * (6.0 - 1.0)


def test_fit_json_and_the_files(recovered):
    fit, tmp, _ = recovered
    assert set(fit["parameters"]) == set(TRUTH)
    assert fit["distance"] > 0 and fit["design_points"] == 36 and fit["bootstrap"] == 200
    groups = fit["groups"]
    assert set(groups) == {"0", "1", "2"} and groups["2"]["observed_events"] == 0  # c = 0.04 >= 1/32: never
    assert all(v["variance_ratio"] < 1 for v in fit["simulation_noise"].values())
    assert "simulation noise" in fit["ci_ignores"] and fit["converged"] is True
    assert fit["distance"] <= fit["best_point"]["distance"] + max(2, 2 * fit["surface"]["residual_sd"])
    for name in ("points.parquet", "fit_hazard.parquet", "fit_km.parquet", "fit_survival.png"):
        assert (tmp / "fit" / name).stat().st_size > 0, name


def test_a_rerun_resumes_without_running_again(recovered, capsys):
    fit, tmp, _ = recovered
    runs = sorted((tmp / "fit").glob("stage-*/runs/*/done.json"))
    stamps = [p.stat().st_mtime_ns for p in runs]
    code, out, err = run_cli(capsys, "calibrate", tmp / "fit.toml", "--data", tmp / "data", "--out", tmp / "fit",
                             "--workers", "2")
    assert code == 0, err
    assert [p.stat().st_mtime_ns for p in runs] == stamps
    again = json.loads((tmp / "fit" / "fit.json").read_text())
    assert again["parameters"] == fit["parameters"]


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize("calibration, message", [
    ('parameters = { "game.delta" = [0.9, 0.99] }\nfit = 1', "calibration.fit: unknown key"),
    ('points = 8', "calibration.points: needs calibration.parameters"),
    ('parameters = { "game.nothing" = [0, 1] }', "calibration.parameters.game.nothing: must name a number"),
    ('parameters = { "seed" = [0, 1] }', "calibration.parameters.seed: must name a number"),
    ('parameters = { "search_cost.values.5" = [0, 1] }', "calibration.parameters.search_cost.values.5"),
    ('parameters = { "game.delta" = [0.99, 0.9] }', "must be [low, high], two numbers with low < high"),
    ('parameters = { "game.delta" = [0.9] }', "must be [low, high]"),
    ('parameters = { "calibration.years_per_round" = [0, 5] }', "0 is not allowed"),
    ('parameters = { "game.delta" = [0.5, 0.99] }\ntarget = { group_by = "alliance" }',
     "calibration.target.group_by: must be one of milinst, all"),
    ('parameters = { "game.delta" = [0.5, 0.99] }\ntarget = { endpoint = "fulfilled" }',
     "calibration.target.endpoint"),
    ('parameters = { "game.delta" = [0.5, 0.99] }\ndistance = "survival"', "calibration.distance: must be one of"),
    ('parameters = { "game.delta" = [0.5, 0.99] }\npoints = 1', "calibration.points: must be an integer >= 2"),
    ('parameters = { "game.delta" = [0.5, 0.99] }\nbootstrap = 5', "calibration.bootstrap"),
])
def test_a_bad_calibration_table_is_one_line_and_writes_nothing(tmp_path, capsys, calibration, message):
    path = tmp_path / "bad.toml"
    path.write_text(scenario_text("bad", 1, 5, 50, calibration))
    out = tmp_path / "out"
    err = one_line_error(*run_cli(capsys, "calibrate", path, "--data", tmp_path, "--out", out))
    assert message in err and str(path) in err and not out.exists(), err


def test_milinst_groups_need_three_search_cost_groups(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(scenario_text("bad", 1, 5, 50, 'parameters = { "game.delta" = [0.5, 0.99] }')
                    .replace("values = [0.0, 0.015, 0.04]\nweights = [0.5, 0.3, 0.2]", "values = [0.0]\nweights = [1]"))
    err = one_line_error(*run_cli(capsys, "calibrate", path, "--data", tmp_path, "--out", tmp_path / "out"))
    assert "calibration.target.group_by: 'milinst' needs search_cost.dist = 'groups' with 3 values" in err


def test_a_scenario_without_parameters_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    err = one_line_error(*run_cli(capsys, "calibrate", "baseline", "--data", tmp_path, "--out", out))
    assert "calibration.parameters: missing" in err and not out.exists()


def test_a_bad_data_folder_is_one_line_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "fit.toml"
    path.write_text(scenario_text("fit", 1, 5, 50, FIT))
    out = tmp_path / "out"
    err = one_line_error(*run_cli(capsys, "calibrate", path, "--data", tmp_path / "nowhere", "--out", out))
    assert "not a folder" in err and not out.exists()
    (tmp_path / "data").mkdir()
    err = one_line_error(*run_cli(capsys, "calibrate", path, "--data", tmp_path / "data", "--out", out))
    assert "atop5_1a.csv: missing" in err and not out.exists()
    # a folder whose alliances miss a milinst group the target needs
    truth = tmp_path / "truth.toml"
    truth.write_text(scenario_text("t", 2, 5, 50).replace("[0.0, 0.015, 0.04]", "[0.0, 0.015]")
                     .replace("[0.5, 0.3, 0.2]", "[0.5, 0.5]"))
    assert cli.main(["atop", "synthesize", str(truth), "--out", str(tmp_path / "data")]) == 0
    capsys.readouterr()
    err = one_line_error(*run_cli(capsys, "calibrate", path, "--data", tmp_path / "data", "--out", out))
    assert "no alliance with milinst 2" in err and not out.exists()


def test_scenarios_without_fitting_keys_load_as_before():
    assert load_scenario("baseline").calibration == {}
    sc = load_scenario("atop_calibration")
    assert set(sc.calibration["parameters"]) >= {"search_cost.values.0", "calibration.years_per_round"}
