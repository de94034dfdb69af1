"""Sweeps of a [system] scenario: every run keeps powers.parquet, the summary has the system
measures (checked against each run's own steps table), the local pool and a Dask LocalCluster
give identical files, and the bundled regime sweep is a grid over load discount x strengths."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.run.measures import LATE_SHARE, MEASURES, SYSTEM_MEASURES
from scenarios.run.sweep import run_sweep
from scenarios.sweep_spec import load_plan

SWEEP = """
name = "sys_sweep"
seed = 31
rounds = 12

[population]
proteges = 40
patrons = 3
ad_hoc_partners = 3

[search_cost]
dist = "uniform"
low = 0.0
high = 0.05

[game]
delta = 0.99
phi = 1.1

[system]
strength = { dist = "groups", values = [1.0, 0.5], weights = [1, 1] }
load_discount = 0.05
pool = "all"

[output]
events = true

[sweep]
replications = 2

[sweep.grid]
"system.load_discount" = [0.0, 0.1]
"system.strength.values" = [[1.0, 1.0], [1.0, 0.4]]
"""


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def pool_sweep(tmp_path_factory):
    d = tmp_path_factory.mktemp("syssweep")
    (d / "s.toml").write_text(SWEEP)
    plan = load_plan(str(d / "s.toml"))
    report = run_sweep(plan, d / "pool", workers=2, progress=False, plots=True)
    assert report.ok and report.ran == 8
    return plan, d / "pool"


def test_every_run_keeps_powers_parquet(pool_sweep):
    plan, out = pool_sweep
    for r in plan.runs:
        d = out / "runs" / r.run_id
        done = json.loads((d / "done.json").read_text())
        assert "powers.parquet" in done["files"], r.run_id
        pw = pd.read_parquet(d / "powers.parquet")
        assert len(pw) == 6 and pw["load_end"].sum() == 40
        assert sorted(set(pw["strength"])) == sorted(set(r.params["system.strength.values"]))


def test_summary_has_the_system_measures_of_each_runs_steps(pool_sweep):
    plan, out = pool_sweep
    df = pd.read_parquet(out / "summary.parquet")
    assert list(df.columns[-len(MEASURES + SYSTEM_MEASURES):]) == list(MEASURES + SYSTEM_MEASURES)
    n_late = int(round(LATE_SHARE * 12))  # the last 3 of 12 rounds
    for _, row in df.iterrows():
        steps = pd.read_parquet(out / "runs" / row["run"] / "steps.parquet").iloc[-n_late:]
        assert row["late_churn"] == pytest.approx(steps["breakups"].sum() / (40 * n_late), abs=1e-12)
        assert row["late_effective_poles"] == pytest.approx((1 / steps["hhi"]).mean())
        assert row["late_largest_share"] == pytest.approx(steps["largest_share"].mean())
        assert row["late_true_mean_offer"] == pytest.approx(steps["true_mean_offer"].mean())
        corr = steps["load_strength_corr"].dropna()
        if row["system.strength.values"] == "[1.0, 1.0]":  # equal strengths: no correlation
            assert np.isnan(row["late_load_strength_corr"])
        else:
            assert row["late_load_strength_corr"] == pytest.approx(corr.mean())
    # the market's mean offer: (1/2) mean v_j; with no load discount and strengths 1 it is 1/2
    paper = df[(df["system.load_discount"] == 0.0) & (df["system.strength.values"] == "[1.0, 1.0]")]
    assert len(paper) == 2 and np.allclose(paper["late_true_mean_offer"], 0.5)
    assert (out / "sweep_system.png").stat().st_size > 10_000


def test_local_pool_and_dask_local_cluster_give_identical_files(pool_sweep, tmp_path):
    plan, out = pool_sweep
    report = run_sweep(plan, tmp_path, workers=2, dask="local", dask_processes=False, progress=False, plots=False)
    assert report.ok and report.ran == 8
    assert (tmp_path / "summary.parquet").read_bytes() == (out / "summary.parquet").read_bytes()
    assert _files(tmp_path / "runs") == _files(out / "runs")


def test_a_sweep_without_a_system_has_no_system_columns(tmp_path):
    text = SWEEP.split("[system]")[0] + '[output]\nevents = false\n[sweep]\n[sweep.grid]\n"game.phi" = [1.1, 1.2]\n'
    (tmp_path / "p.toml").write_text(text)
    run_sweep(load_plan(str(tmp_path / "p.toml")), tmp_path / "o", workers=1, progress=False, plots=True)
    df = pd.read_parquet(tmp_path / "o" / "summary.parquet")
    assert list(df.columns[-len(MEASURES):]) == list(MEASURES) and not set(SYSTEM_MEASURES) & set(df.columns)
    assert not (tmp_path / "o" / "sweep_system.png").exists()
    assert not list((tmp_path / "o").glob("runs/*/powers.parquet"))


def test_the_bundled_regime_sweep_is_load_discount_by_strength_inequality():
    plan = load_plan("system_regimes")
    assert plan.keys == ("system.load_discount", "system.strength.values")
    assert 2 <= plan.replications <= 4
    grid = {(r.params["system.load_discount"], tuple(r.params["system.strength.values"])) for r in plan.runs}
    lds = sorted({g[0] for g in grid})
    assert lds[0] == 0.0 and len(lds) >= 4 and len(grid) == len(plan.runs) // plan.replications
    weak = sorted({g[1][1] for g in grid})
    assert weak[-1] == 1.0 and weak[0] < 0.5 and all(g[1][0] == 1.0 for g in grid)
    sc = plan.runs[0].scenario()
    assert sc.system is not None and sc.n_proteges * sc.rounds <= 20_000  # small: ~1 s a run


def test_regime_figure_reads_the_named_runs(pool_sweep, tmp_path):
    from scenarios.output.system_sweep import regimes_data, write_regime_figure

    plan, out = pool_sweep
    regimes = {"loose": {"system.load_discount": 0.0, "system.strength.values": [1.0, 0.4]},
               "tight": {"system.load_discount": 0.1, "system.strength.values": [1.0, 0.4]}}
    steps, powers = regimes_data(out, regimes, replication=1)
    for label, params in regimes.items():
        run = next(r for r in plan.runs if r.params == params and r.replication == 1)
        want = pd.read_parquet(out / "runs" / run.run_id / "steps.parquet")
        got = steps[steps["regime"] == label].drop(columns="regime").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)
        assert len(powers[powers["regime"] == label]) == 6
    path = write_regime_figure(out, tmp_path / "regimes.png", regimes)
    assert path.stat().st_size > 10_000
    with pytest.raises(ValueError, match="no finished run"):
        regimes_data(out, {"x": {"system.load_discount": 0.5, "system.strength.values": [1.0, 0.4]}})


def test_regime_table_per_run(pool_sweep):
    from analytic import PAPER_GAME
    from scenarios.output.system_plots import equilibrium_churn, final_alliances
    from scenarios.output.system_sweep import regime_table

    plan, out = pool_sweep
    tab = regime_table(out, c_points=201).set_index("run")
    summary = pd.read_parquet(out / "summary.parquet").set_index("run")
    assert list(tab.index) == [r.run_id for r in plan.runs]
    assert tab["late_churn"].tolist() == summary["late_churn"].tolist()
    r = plan.runs[5]
    d = out / "runs" / r.run_id
    events = pd.read_parquet(d / "events.parquet")
    want = equilibrium_churn(pd.read_parquet(d / "powers.parquet"), final_alliances(events), r.scenario().system,
                             1.1, 0.99)
    assert tab.loc[r.run_id, "equilibrium_churn"] == pytest.approx(want, abs=1e-15)
    # the paper's point (strengths 1, no load discount): the paper's P(breakup) at each protégé's c,
    # and breakups exactly for c < 1/32 (Prop. 1)
    paper = tab[(tab["system.load_discount"] == 0.0) & (tab["system.strength.values"] == "[1.0, 1.0]")]
    assert len(paper) == 2
    for run_id, row in paper.iterrows():
        c = final_alliances(pd.read_parquet(out / "runs" / run_id / "events.parquet"))["c"].to_numpy()
        p = np.asarray(PAPER_GAME.solve_many(phi=1.1, c=c, delta=0.99)["p_breakup"], dtype=float)
        assert row["equilibrium_churn"] == pytest.approx(p.mean(), abs=1e-9)
        step = c.max() / 200
        assert 1 / 32 - 2 * step < row["c_max"] < 1 / 32
    # a load discount of 0.1 takes breakups away from the higher c's
    assert (tab.loc[tab["system.load_discount"] == 0.1, "c_max"] < 1 / 32 - 0.005).all()
    with pytest.raises(ValueError, match="needs one phi"):
        regime_table(_no_events_copy(out))


def _no_events_copy(out: Path) -> Path:
    import shutil

    dst = out.parent / "no_events"
    if not dst.exists():
        shutil.copytree(out, dst)
        for p in dst.glob("runs/*/events.parquet"):
            p.unlink()
    return dst
