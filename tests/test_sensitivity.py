"""Sensitivity designs ([sweep.sample] saltelli / morris) and `alliances analyze`.

The estimators are SALib's; what is tested here is our path to them: the design a sweep
file makes, the summary table averaged per design point, the order of points, the
statuses, the files and the one-line errors. The indices are checked against functions
whose indices are known in closed form (Ishigami; a linear function for Morris)."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pandas as pd
import pytest

from scenarios.cli import main
from scenarios.run.sensitivity import analyze, design_record, read_design
from scenarios.scenario import SCENARIO_DIR, read_toml
from scenarios.sweep_spec import design_points, plan_from_data

TINY = read_toml(SCENARIO_DIR / "sweeps" / "tiny.toml")
RANGES = {"game.phi": [1.05, 1.4], "game.delta": [0.9, 0.99], "search_cost.high": [0.01, 0.07]}


def sweep_data(sample: dict, reps: int = 1, **top) -> dict:
    data = copy.deepcopy(TINY)
    data.update(top)
    data["sweep"] = {"replications": reps, "sample": sample}
    return data


def sweep_toml(sample: dict, reps: int = 1, rounds: int = 15, proteges: int = 40) -> str:
    """The text of tiny.toml with ``[sweep]`` replaced by this sample (values as JSON: valid TOML here)."""
    base = (SCENARIO_DIR / "sweeps" / "tiny.toml").read_text().split("[sweep]")[0]
    base = base.replace("rounds = 15", f"rounds = {rounds}").replace("proteges = 40", f"proteges = {proteges}")
    lines = ["[sweep]", f"replications = {reps}", "[sweep.sample]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in sample.items() if k != "ranges"]
    lines += ["[sweep.sample.ranges]"] + [f'"{k}" = {json.dumps(v)}' for k, v in sample["ranges"].items()]
    return base + "\n".join(lines) + "\n"


def design_of(sample: dict, reps: int = 1):
    plan = plan_from_data(sweep_data(sample, reps), "s.toml")
    return plan, design_record(plan)


def summary_of(plan, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """A summary table as a sweep writes it (one row per run), with the given measures per run."""
    rows = [{"run": r.run_id, "point": r.point, "replication": r.replication, "status": "done",
             **{k: r.params[k] for k in plan.keys}, **{m: float(v[r.index]) for m, v in values.items()}}
            for r in plan.runs]
    return pd.DataFrame(rows)


def unit(plan, design) -> np.ndarray:
    """Each run's design point on the unit cube (from its parameters, not from the design)."""
    ranges = design["sample"]["ranges"]
    return np.array([[(r.params[k] - ranges[k][0]) / (ranges[k][1] - ranges[k][0]) for k in plan.keys]
                     for r in plan.runs])


# ------------------------------------------------------------------ the designs
def test_a_saltelli_design_has_n_times_d_plus_2_points_in_its_ranges_and_is_seeded():
    plan, design = design_of({"method": "saltelli", "n": 8, "ranges": RANGES}, reps=2)
    assert len(plan.runs) == 8 * (3 + 2) * 2 == design_points(design["sample"], 3) * 2
    X = np.array(design["sample"]["X"])
    assert X.shape == (40, 3)
    for j, k in enumerate(plan.keys):
        lo, hi = RANGES[k]
        assert np.all((X[:, j] >= lo) & (X[:, j] <= hi)), k
        # every run carries its point's row of the design (the order analyze relies on)
        assert [r.params[k] for r in plan.runs] == pytest.approx(np.repeat(X[:, j], 2))
    # Saltelli's scheme: the rows of the block for parameter j are A with column j from B
    A, B, AB0 = X[0::5], X[4::5], X[1::5]
    assert np.array_equal(AB0[:, 0], B[:, 0]) and np.array_equal(AB0[:, 1:], A[:, 1:])
    again = plan_from_data(sweep_data({"method": "saltelli", "n": 8, "ranges": RANGES}, 2), "s.toml")
    assert [r.params for r in again.runs] == [r.params for r in plan.runs]
    second = plan_from_data(sweep_data({"method": "saltelli", "n": 8, "calc_second_order": True,
                                        "ranges": RANGES}), "s.toml")
    assert len(second.runs) == 8 * (2 * 3 + 2)


def test_a_morris_design_moves_one_parameter_at_a_time_on_its_grid():
    plan, design = design_of({"method": "morris", "trajectories": 5, "levels": 4, "ranges": RANGES})
    assert len(plan.runs) == 5 * (3 + 1)
    u = unit(plan, design)
    assert np.allclose(np.round(u * 3), u * 3)  # on the 4-level grid {0, 1/3, 2/3, 1}
    for t in range(5):
        steps = np.diff(u[4 * t: 4 * t + 4], axis=0)
        assert np.all((np.abs(steps) > 1e-9).sum(axis=1) == 1)  # one parameter per step
        assert sorted(np.flatnonzero(np.abs(steps) > 1e-9) % 3) == [0, 1, 2]  # each once


@pytest.mark.parametrize("sample, where, what", [
    ({"method": "saltelli", "n": 6, "ranges": RANGES}, "sweep.sample.n", "power of 2"),
    ({"method": "saltelli", "n": 8, "ranges": {"game.phi": [1.3, 1.3]}}, "sweep.sample.ranges.game.phi",
     "empty range"),
    ({"method": "saltelli", "n": 8, "ranges": {"game.phi": [1.3, 1.1]}}, "sweep.sample.ranges.game.phi",
     "empty range"),
    ({"method": "saltelli", "n": 8, "levels": 4, "ranges": RANGES}, "sweep.sample.levels", "unknown key"),
    ({"method": "saltelli", "n": 8, "calc_second_order": 1, "ranges": RANGES},
     "sweep.sample.calc_second_order", "true or false"),
    ({"method": "morris", "n": 8, "ranges": RANGES}, "sweep.sample.n", "unknown key"),
    ({"method": "morris", "trajectories": 1, "ranges": RANGES}, "sweep.sample.trajectories", ">= 2"),
    ({"method": "morris", "trajectories": 4, "levels": 1, "ranges": RANGES}, "sweep.sample.levels", ">= 2"),
    ({"method": "saltelli", "n": 8, "ranges": {"game.phy": [1.1, 1.2]}}, "game.phy", "unknown scenario key"),
])
def test_a_bad_design_is_one_line_naming_the_key_and_exit_2(tmp_path, capsys, sample, where, what):
    f = tmp_path / "bad.toml"
    f.write_text(sweep_toml(sample))
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and where in err and what in err, err
    assert not out.exists()


def test_a_sensitivity_design_is_not_crossed_with_a_grid():
    data = sweep_data({"method": "saltelli", "n": 4, "ranges": {"game.phi": [1.05, 1.4]}})
    data["sweep"]["grid"] = {"game.delta": [0.9, 0.99]}
    with pytest.raises(ValueError, match=r"sweep.grid: cannot be crossed with method = 'saltelli'"):
        plan_from_data(data, "s.toml")


# ------------------------------------------------------------------ the indices
def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """S1 and ST of Ishigami's function on [-pi, pi]^3, from its variance decomposition
    (Sobol' & Levitan 1999; Saltelli et al. 2008, 'Global Sensitivity Analysis', p. 179)."""
    pi4 = math.pi ** 4
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * math.pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_the_known_ishigami_values():
    s1, st = ishigami_indices()
    assert s1 == pytest.approx([0.314, 0.442, 0.0], abs=5e-4)
    assert st == pytest.approx([0.558, 0.442, 0.244], abs=5e-4)


def test_ishigami_sobol_indices_through_the_analyze_path_match_within_their_intervals():
    """A Saltelli design made by a sweep file (base 512, 2560 points x 2 replications); each run's
    'measure' is Ishigami's function of its parameters mapped onto [-pi, pi]^3, plus noise that
    cancels in the mean of its two replications, and failed runs with wild values (ignored).
    The known S1 and ST must lie within SALib's 95% bootstrap intervals (6 intervals: with the
    fixed seed this is a fixed outcome; at 95% each, about 0.3 of the 6 would miss by chance,
    so a miss is a reason to look, not a certainty of a bug, and the check is 1.5 intervals)."""
    plan, design = design_of({"method": "saltelli", "n": 512, "ranges": RANGES}, reps=2)
    x = -math.pi + 2 * math.pi * unit(plan, design)
    f = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    rng = np.random.default_rng(5)
    e = rng.normal(0, 3.0, len(plan.runs) // 2)
    noise = np.repeat(e, 2) * np.tile([1, -1], len(plan.runs) // 2)
    summary = summary_of(plan, {"ishigami": f + noise, "flat": np.full(len(f), 2.5)})
    failed = summary.iloc[:7].assign(status="error", ishigami=1e9, replication=9)
    summary = pd.concat([summary, failed], ignore_index=True)
    res = analyze(summary, design, method="sobol").set_index(["measure", "parameter"])
    s1, st = ishigami_indices()
    got = res.loc["ishigami"].loc[list(plan.keys)]
    assert (got["status"] == "ok").all()
    assert np.all(np.abs(got["S1"] - s1) <= 1.5 * got["S1_conf"]), got
    assert np.all(np.abs(got["ST"] - st) <= 1.5 * got["ST_conf"]), got
    assert np.all(got["S1_conf"] < 0.15) and np.all(got["ST_conf"] < 0.15)  # informative intervals
    # noise_share assumes independent noise: the within-point variance 2 e^2 over 2 replications,
    # over the variance of the point means (which are f itself: this noise cancels in the mean)
    assert got["noise_share"].iloc[0] == pytest.approx(np.mean(e ** 2) / np.var(f[0::2]), rel=1e-9)
    assert got["runs"].iloc[0] == len(plan.runs)
    flat = res.loc["flat"]
    assert (flat["status"] == "constant").all() and (flat[["S1", "ST", "S1_conf", "ST_conf"]] == 0).all().all()


def test_morris_mu_star_of_a_linear_function_is_its_slope_times_the_range(tmp_path):
    """y = 3 x_phi - 20 x_delta + 0 x_high: every elementary effect (on the unit scale) is
    the slope times the range, so mu* = |slope| (high - low) and sigma = 0."""
    from scenarios.output.sensitivity_plots import sensitivity_plot

    plan, design = design_of({"method": "morris", "trajectories": 12, "levels": 4, "ranges": RANGES})
    p = np.array([[r.params[k] for k in plan.keys] for r in plan.runs])
    y = 3 * p[:, 0] - 20 * p[:, 1]
    both = analyze(summary_of(plan, {"lin": y, "flat": np.ones(len(y))}), design)
    assert set(both.loc[both["measure"] == "flat", "status"]) == {"constant"}
    assert (both.loc[both["measure"] == "flat", ["mu_star", "sigma"]] == 0).all().all()
    assert sensitivity_plot(both, tmp_path / "m.png").stat().st_size > 10_000  # Morris panels, a constant one
    res = both[both["measure"] == "lin"].set_index("parameter")
    width = np.array([RANGES[k][1] - RANGES[k][0] for k in plan.keys])
    assert res["mu_star"].to_numpy() == pytest.approx(np.abs([3, -20, 0]) * width, abs=1e-9)
    assert res["mu"].to_numpy() == pytest.approx(np.array([3, -20, 0]) * width, abs=1e-9)
    assert res["sigma"].to_numpy() == pytest.approx(0, abs=1e-9)


def test_a_measure_without_a_value_somewhere_is_undefined_and_missing_points_are_refused():
    plan, design = design_of({"method": "saltelli", "n": 4, "ranges": RANGES})
    v = np.linspace(0, 1, len(plan.runs))
    holes = v.copy()
    holes[[3, 7]] = np.nan
    res = analyze(summary_of(plan, {"v": v, "holes": holes}), design)
    assert res.equals(analyze(summary_of(plan, {"v": v, "holes": holes}), design))  # a seeded bootstrap
    assert set(res.loc[res["measure"] == "holes", "status"]) == {"undefined at 2 of 20 points"}
    assert res.loc[res["measure"] == "holes", "S1"].isna().all()
    assert set(res.loc[res["measure"] == "v", "status"]) == {"ok"}
    short = summary_of(plan, {"v": v})
    short.loc[short["point"] == 4, "status"] = "missing"
    with pytest.raises(ValueError, match="1 of 20 design points have no finished run"):
        analyze(short, design)
    with pytest.raises(ValueError, match=r"--measure: unknown measure 'nope'; the summary has: v"):
        analyze(summary_of(plan, {"v": v}), design, measures=["nope"])
    with pytest.raises(ValueError, match="--method morris: needs a morris design"):
        analyze(summary_of(plan, {"v": v}), design, method="morris")


# ------------------------------------------------------------------ a real sweep, end to end
def test_a_small_real_sobol_sweep_gives_finite_indices_and_the_plot(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text(sweep_toml({"method": "saltelli", "n": 2, "ranges": {"game.phi": [1.05, 1.4],
                                                                     "search_cost.high": [0.01, 0.07]}},
                            reps=1, rounds=8, proteges=20))
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out), "--workers", "1", "--no-plots"]) == 0
    assert json.loads((out / "design.json").read_text())["sample"]["method"] == "saltelli"
    assert read_design(out)["keys"] == ["game.phi", "search_cost.high"]
    capsys.readouterr()
    assert main(["analyze", str(out), "--method", "sobol", "--resamples", "50"]) == 0
    printed = capsys.readouterr().out
    assert "mean_churn" in printed and "sensitivity.png" in printed
    res = pd.read_parquet(out / "sensitivity.parquet")
    assert set(res["parameter"]) == {"game.phi", "search_cost.high"}
    ok = res[res["status"] == "ok"]
    assert {"mean_churn", "mean_protege_payoff"} <= set(ok["measure"])
    assert np.isfinite(ok[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    assert (out / "sensitivity.png").stat().st_size > 10_000
    # one line, exit 2: an unknown measure, the wrong method; nothing rewritten
    before = (out / "sensitivity.parquet").stat().st_mtime_ns
    for argv, what in ((["--measure", "churn"], "--measure: unknown measure 'churn'"),
                       (["--method", "morris"], "--method morris: needs a morris design")):
        assert main(["analyze", str(out), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and what in err, err
    assert (out / "sensitivity.parquet").stat().st_mtime_ns == before


def test_analyze_refuses_a_sweep_without_a_sensitivity_design(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nowhere")]) == 2
    assert "no such sweep directory" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text(json.dumps({"root_seed": 1, "replications": 1, "swept_keys": [],
                                                        "design": {"replications": 1, "grid": {}}}))
    assert main(["analyze", str(tmp_path)]) == 2
    assert "not a sensitivity design" in capsys.readouterr().err
