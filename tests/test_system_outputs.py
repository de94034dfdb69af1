"""What a run with a [system] table reports: the system plots' data (checked against the state
rebuilt from events.parquet and powers.parquet in the test), the files written, the run's
system measures, and the final state's equilibrium curve (against the paper's closed forms and
against beliefs built here by hand)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytic import PAPER_GAME, piecewise
from scenarios.output import system_plots as sp
from scenarios.run.measures import LATE_SHARE, MEASURES, SYSTEM_MEASURES, run_measures
from scenarios.run.runner import run_scenario, summary_lines
from scenarios.scenario import load_scenario

SCENARIO = """
name = "sysout"
seed = 5
rounds = 24

[population]
proteges = 60
patrons = 3
ad_hoc_partners = 4

[search_cost]
dist = "uniform"
low = 0.0
high = 0.03

[game]
delta = 0.99
phi = 1.1

[investment]
rule = "none"

[system]
strength = {{ dist = "groups", values = [1.0, 0.4], weights = [1, 1] }}
load_discount = {ld}
patron_benefit = "{benefit}"
pool = "{pool}"

[output]
events = true
"""


def _run(tmp_path, ld=0.05, benefit="load", pool="all", plots=True, name="r"):
    p = tmp_path / f"{name}.toml"
    p.write_text(SCENARIO.format(ld=ld, benefit=benefit, pool=pool))
    sc = load_scenario(str(p))
    res = run_scenario(sc, out=tmp_path / name, progress=False, plots=plots)
    read = {f: pq.read_table(tmp_path / name / f"{f}.parquet").to_pandas() for f in ("steps", "events", "powers")}
    return sc, res, read


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("sysout"))


def _loads_per_step(events, powers):
    """Loads at each round's start, counted from events.parquet's patron column: (steps, loads)."""
    index = {uid: i for i, uid in enumerate(powers["power"])}
    steps = np.sort(events["step"].unique())
    loads = np.zeros((steps.size, len(powers)))
    for k, t in enumerate(steps):
        for uid, n in events.loc[events["step"] == t, "patron"].value_counts().items():
            loads[k, index[uid]] = n
    return steps, loads


def test_run_writes_the_system_plots_and_not_the_paper_curve(run, tmp_path):
    sc, res, _ = run
    names = {p.name for p in res.files}
    assert set(sp.FILES) <= names and "breakup_vs_c.png" not in names
    for f in sp.FILES:
        assert (res.out / f).stat().st_size > 10_000, f
    # without events: three plots, no c-plot (it needs the alliance-rounds)
    p = tmp_path / "noev.toml"
    p.write_text(SCENARIO.format(ld=0.05, benefit="load", pool="all").replace("events = true", "events = false"))
    r2 = run_scenario(load_scenario(str(p)), out=tmp_path / "noev", progress=False, plots=True)
    assert {f.name for f in r2.files} >= set(sp.FILES[:3]) and sp.FILES[3] not in {f.name for f in r2.files}


def test_plain_runs_write_no_system_plots(tmp_path):
    p = tmp_path / "plain.toml"
    p.write_text(SCENARIO.format(ld=0, benefit="fixed", pool="all").split("[system]")[0])
    res = run_scenario(load_scenario(str(p)), out=tmp_path / "plain", progress=False, plots=True)
    names = {f.name for f in res.files}
    assert "breakup_vs_c.png" in names and not names & set(sp.FILES)


def test_market_and_concentration_data_match_the_state_rebuilt_from_events(run):
    sc, _, t = run
    steps, events, powers = t["steps"], t["events"], t["powers"]
    at, loads = _loads_per_step(events, powers)
    b, ld, n = powers["strength"].to_numpy(), sc.system.load_discount, sc.n_proteges
    assert np.unique(b).size == 2 and loads.sum(axis=1).tolist() == [n] * at.size
    market, conc = sp.market_data(steps), sp.concentration_data(steps)
    assert market["step"].tolist() == at.tolist() == conc["step"].tolist()
    patron_idx = {uid: i for i, uid in enumerate(powers["power"])}
    for k, t_ in enumerate(at):
        v = b / (1 + ld * loads[k])  # pool "all": every power
        F = lambda x: np.minimum(1.0, x / v).mean()  # noqa: E731
        row = market.iloc[k]
        for q in (10, 50, 90):
            assert F(row[f"offer_q{q}"]) == pytest.approx(q / 100, abs=1e-9)
        assert row["true_mean_offer"] == pytest.approx((v / 2).mean(), abs=1e-12)
        own = events.loc[events["step"] == t_, "patron"].map(patron_idx).to_numpy()
        believed = ((v.sum() - v[own]) / (v.size - 1) / 2).mean()  # the pool minus the own patron
        assert row["believed_mean_offer"] == pytest.approx(believed, abs=1e-12)
        share = loads[k] / n
        c = conc.iloc[k]
        assert c["hhi"] == pytest.approx((share**2).sum(), abs=1e-12)
        assert c["effective_poles"] == pytest.approx(1 / (share**2).sum(), abs=1e-9)
        assert c["largest_share"] == pytest.approx(share.max(), abs=1e-12)
        assert c["powers_leading"] == (loads[k] > 0).sum()


def test_load_strength_data_matches_the_loads_rebuilt_from_events(run):
    _, _, t = run
    events, powers = t["events"], t["powers"]
    _, loads = _loads_per_step(events, powers)
    df = sp.load_strength_data(powers)
    assert df["mean_load"].to_numpy() == pytest.approx(loads.mean(axis=0), abs=1e-12)
    # the load at the end: the last round's patrons, minus the breakups, plus the powers they went to
    last = events[events["step"] == events["step"].max()]
    end = last["patron"].value_counts()
    broke = last[last["outcome"].astype(str) == "breakup"]
    end = end.sub(broke["patron"].value_counts(), fill_value=0).add(broke["partner"].value_counts(), fill_value=0)
    want = end.reindex(powers["power"], fill_value=0).to_numpy()
    assert df["load_end"].to_numpy().tolist() == want.tolist()
    assert set(df["role"]) == {"Patron", "AdHocPartner"} and df["strength"].tolist() == powers["strength"].tolist()


def test_breakup_curve_is_the_papers_when_the_system_is_the_papers(tmp_path):
    sc, _, t = _run(tmp_path, ld=0.0, benefit="fixed", pool="ad_hoc", plots=False, name="paper")
    powers = t["powers"].assign(strength=1.0)  # every v_j = 1: F = U[0, 1]
    grid = np.linspace(0.0, 0.06, 13)
    curve = sp.breakup_curve_data(powers, sc.system, [1.1], 0.99, grid)
    want = np.asarray(PAPER_GAME.solve_many(phi=1.1, c=grid, delta=0.99)["p_breakup"], dtype=float)
    assert curve["c"].tolist() == grid.tolist()
    assert np.abs(curve["p_breakup"].to_numpy() - want).max() < 1e-9


@pytest.mark.parametrize("benefit, pool", [("load", "all"), ("fixed", "ad_hoc")])
def test_breakup_curve_averages_the_final_alliances_equilibria(tmp_path, benefit, pool):
    """Beliefs built here from powers.parquet: v_j = b_j / (1 + ld n_j), the pool minus the own
    patron, the patron benefit 1 or b_j / (1 + ld (n_j - 1)); weights = the final loads."""
    sc, _, t = _run(tmp_path, benefit=benefit, pool=pool, plots=False, name=f"{benefit}{pool}")
    powers, ld = t["powers"], sc.system.load_discount
    b, load = powers["strength"].to_numpy(), powers["load_end"].to_numpy()
    v = b / (1 + ld * load)
    in_pool = np.ones(len(powers), bool) if pool == "all" else (powers["role"].astype(str) == "AdHocPartner").to_numpy()
    grid, phis = np.array([0.002, 0.01, 0.025, 0.04]), [1.1]
    total = np.zeros(grid.size)
    leading, F_rows, weight, _ = sp.final_beliefs(powers, sc.system)
    assert leading.tolist() == np.flatnonzero(load > 0).tolist() and weight.tolist() == load[leading].tolist()
    xs = np.linspace(0, 1, 41)
    for r, j in enumerate(np.flatnonzero(load > 0)):
        elig = in_pool.copy()
        elig[j] = False
        # final_beliefs' row r is this patron's F: checked against the formula itself
        assert F_rows.take([r]).cdf(xs[None, :])[0] == pytest.approx(
            np.minimum(1, xs[:, None] / v[elig][None, :]).mean(axis=1), abs=1e-12)
        bj = 1.0 if benefit == "fixed" else b[j] / (1 + ld * (load[j] - 1))
        p = piecewise.solve_many(piecewise.mixture_of_uniforms(v[elig]), 1.1, grid, 0.99, bj)["p_breakup"]
        total += load[j] * np.asarray(p, dtype=float)
    curve = sp.breakup_curve_data(powers, sc.system, phis, 0.99, grid)
    assert np.abs(curve["p_breakup"].to_numpy() - total / load.sum()).max() < 1e-12
    assert curve["p_breakup"].max() > 0


def test_simulated_breakup_data_counts_the_late_rounds(run):
    _, _, t = run
    events = t["events"]
    sim = sp.simulated_breakup_data(events, from_step=13)
    late = events[events["step"] >= 13]
    assert sim["rounds"].sum() == len(late)
    assert sim["breakups"].sum() == (late["outcome"].astype(str) == "breakup").sum()
    assert np.allclose(sim["rate"], sim["breakups"] / sim["rounds"])
    half = 1.96 * np.sqrt(sim["rate"] * (1 - sim["rate"]) / sim["rounds"])  # binomial 95%
    assert np.allclose(sim["hi"] - sim["rate"], half) and np.allclose(sim["rate"] - sim["lo"], half)


def test_system_measures_are_the_late_rounds_means(run):
    sc, res, t = run
    steps = t["steps"]
    m = run_measures(res.model)
    assert tuple(m) == MEASURES + SYSTEM_MEASURES
    late = steps.iloc[-int(round(LATE_SHARE * len(steps))):]  # 24 rounds: the last 6
    assert len(late) == 6
    assert m["late_churn"] == pytest.approx(late["breakups"].sum() / (sc.n_proteges * 6), abs=1e-12)
    share = late["largest_share"].to_numpy()
    assert m["late_largest_share"] == pytest.approx(share.mean())
    assert m["late_effective_poles"] == pytest.approx((1 / late["hhi"]).mean())
    assert m["late_true_mean_offer"] == pytest.approx(late["true_mean_offer"].mean())
    corr = late["load_strength_corr"].dropna()
    assert len(corr) and m["late_load_strength_corr"] == pytest.approx(corr.mean())
    assert any(line.startswith("system (last 25% of the rounds): churn") for line in summary_lines(res))


def test_plain_run_has_no_system_measures(tmp_path):
    p = tmp_path / "plain.toml"
    p.write_text(SCENARIO.format(ld=0, benefit="fixed", pool="all").split("[system]")[0])
    res = run_scenario(load_scenario(str(p)), progress=False)
    assert tuple(run_measures(res.model)) == MEASURES
    assert not any(line.startswith("system") for line in summary_lines(res))


def test_final_alliances_one_per_protege_and_their_patrons_make_the_final_loads(run):
    sc, _, t = run
    final = sp.final_alliances(t["events"])
    powers = t["powers"]
    assert sorted(final["protege"]) == sorted(t["events"]["protege"].unique()) and len(final) == sc.n_proteges
    counts = final["patron"].value_counts().reindex(powers["power"], fill_value=0).to_numpy()
    assert counts.tolist() == powers["load_end"].tolist()


def test_equilibrium_churn_of_the_final_state_by_hand(run):
    """Each protégé of the final state, one by one: his patron's F (the pool minus her) and
    benefit, his c; the mean of P(breakup)."""
    sc, res, t = run
    powers, events = t["powers"], t["events"]
    b, load, ld = powers["strength"].to_numpy(), powers["load_end"].to_numpy(), sc.system.load_discount
    v = b / (1 + ld * load)
    index = {uid: i for i, uid in enumerate(powers["power"])}
    last = events[events["step"] == events["step"].max()]
    ps = []
    for _, e in last.iterrows():
        j = index[e["partner"] if str(e["outcome"]) == "breakup" else e["patron"]]
        F = piecewise.mixture_of_uniforms(np.delete(v, j))  # pool "all"
        bj = b[j] / (1 + ld * (load[j] - 1))  # patron benefit "load"
        ps.append(float(piecewise.solve_many(F, 1.1, e["search_cost"], 0.99, bj)["p_breakup"].iloc[0]))
    got = sp.equilibrium_churn(powers, sp.final_alliances(events), sc.system, 1.1, 0.99)
    assert len(ps) == sc.n_proteges and got == pytest.approx(np.mean(ps), abs=1e-12) and got > 0


@pytest.mark.parametrize("extra, has_curve", [("", True), ('beliefs = "learned"\nmemory = 3', False),
                                              ('offers = "strategic"\nk = 2', False)])
def test_c_plot_draws_the_final_state_curve_only_where_the_final_state_gives_the_equilibrium(
        tmp_path, extra, has_curve):
    """Learned beliefs and strategic offers are not the truthful-known equilibrium of the final
    loads: their c-plot shows the simulated rates without a (wrong) curve."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(ld=0.0 if "strategic" in extra else 0.05, benefit="fixed", pool="all")
                    .replace("[system]\n", "[system]\n" + extra + "\n", 1))
    sc = load_scenario(str(path))
    assert sp.has_final_state_curve(sc.system) is has_curve
    sim = pd.DataFrame({"c_mid": [0.01], "rate": [0.1], "lo": [0.05], "hi": [0.15]})
    curve = pd.DataFrame({"c": [0.0, 0.02], "p_breakup": [0.2, 0.1]}) if has_curve else None
    seen = []
    real_save = sp.save_figure

    def spy(fig, p, *a, **k):
        seen.append([t.get_text() for t in fig.axes[0].get_legend().get_texts()])
        return real_save(fig, p, *a, **k)

    sp.save_figure = spy
    try:
        out = sp.plot_breakup_vs_c(sim, curve, tmp_path / "c.png", "t", 10)
    finally:
        sp.save_figure = real_save
    plt.close("all")
    assert out.exists()
    assert any("equilibrium" in t for t in seen[0]) is has_curve
    assert any("simulated" in t for t in seen[0])
