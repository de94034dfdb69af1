"""Statistical conformance: the simulated population reproduces analytic's probabilities.

On the bundled ``search_cost_gradient`` scenario (6,000 protégés with c spread
evenly over [0, 0.06] and fixed, phi = 1.1, delta = .99, 100 rounds: 600,000
alliance-rounds), in each of 12 bands of c of width 0.005:

* the breakup frequency, the share of rounds in which the alliance acts and the
  mean patron contribution when it acts are each within ``Z_TOL`` = 4 standard
  errors of what analytic predicts for the c values in that band (the expected
  frequency is the mean of p_breakup over the band's alliance-rounds; its
  standard error sqrt(sum p (1 - p)) / n, about 0.002-0.003 per band here, so
  4 standard errors is about 0.01 in absolute terms); and the sum of the squared
  z-scores over the 12 bands stays below the 0.999 quantile of chi-square(12);
* the shares of first moves equal analytic's exactly (the first move is a
  deterministic function of (phi, c, delta)).

Rounds are independent given c (no investment, a breakup restarts at the
protégé's own c), so these standard errors are exact. With a fixed seed the test
is deterministic; with a correct model a fresh seed fails a given band with
probability about 6e-5.
"""

from __future__ import annotations

import numpy as np
import pytest

import analytic
from scenarios.scenario import load_scenario

Z_TOL = 4.0
BAND_WIDTH = 0.005
CHI2_999_12 = 32.909  # scipy.stats.chi2.ppf(0.999, 12)


def simulate():
    """Run the scenario; events with analytic's predictions for each alliance-round's c."""
    sc = load_scenario("search_cost_gradient")
    model = sc.build_model(record_events=True)
    for _ in range(sc.rounds):
        model.step()
    ev = model.events_table().to_pandas()
    uc, inv = np.unique(ev["search_cost"].to_numpy(), return_inverse=True)
    eq = analytic.solve_many(phi=sc.phi.value, c=uc, delta=sc.delta)
    ev["band"] = np.minimum((ev["search_cost"] / BAND_WIDTH).astype(int), 11)
    for col in ("p_breakup", "p_alliance", "expected_contribution", "first_move"):
        ev["eq_" + col] = eq[col].to_numpy()[inv]
    return sc, ev


@pytest.fixture(scope="module")
def run():
    return simulate()


def test_the_scenario_is_figure_3s_setting(run):
    sc, ev = run
    assert sc.phi.constant and sc.phi.value == 1.1 and sc.delta == 0.99
    assert sc.investment_rule == "none"
    assert ev["search_cost"].min() == 0.0 and ev["search_cost"].max() == pytest.approx(0.06)
    assert len(ev) == 600_000
    assert ev["band"].nunique() == 12


def _z_by_band(ev, hit, p):
    z = []
    for b, g in ev.groupby("band"):
        n = len(g)
        freq = hit[g.index].mean()
        expected = p[g.index].mean()
        sd = np.sqrt((p[g.index] * (1 - p[g.index])).sum()) / n
        z.append((b, freq, expected, (freq - expected) / sd if sd > 0 else (0.0 if freq == expected else np.inf)))
    return z


@pytest.mark.parametrize("outcome", ["breakup", "alliance"])
def test_outcome_frequency_per_band_matches_analytic(run, outcome):
    _, ev = run
    hit = (ev["outcome"] == outcome).to_numpy(dtype=float)
    p = ev["eq_p_" + outcome].to_numpy()
    z = _z_by_band(ev, pd_series(ev, hit), pd_series(ev, p))
    bad = [(b, round(f, 4), round(e, 4), round(zz, 2)) for b, f, e, zz in z if abs(zz) > Z_TOL]
    assert not bad, f"bands (band, simulated, analytic, z) off by more than {Z_TOL} SE: {bad}"
    chi2 = sum(zz**2 for *_, zz in z if np.isfinite(zz))
    assert chi2 < CHI2_999_12


def test_mean_contribution_per_band_matches_analytic(run):
    _, ev = run
    acted = ev[ev["outcome"] == "alliance"]
    chi2 = 0.0
    for b, g in acted.groupby("band"):
        # E[contribution | acts] over the band: alliance-rounds weigh in by their chance of acting
        w = ev.loc[ev["band"] == b, "eq_p_alliance"].to_numpy()
        e = ev.loc[ev["band"] == b, "eq_expected_contribution"].to_numpy()
        expected = np.sum(w * e) / np.sum(w)
        sd = g["contribution"].std(ddof=1) / np.sqrt(len(g))
        if sd == 0:
            assert g["contribution"].mean() == pytest.approx(expected, abs=1e-12)
            continue
        z = (g["contribution"].mean() - expected) / sd
        chi2 += z**2
        assert abs(z) <= Z_TOL, (b, g["contribution"].mean(), expected, z)
    assert chi2 < CHI2_999_12


def test_first_move_shares_per_band_equal_analytic(run):
    _, ev = run
    sim = ev.groupby("band")["first_move"].value_counts(normalize=True).unstack(fill_value=0.0)
    ana = ev.groupby("band")["eq_first_move"].value_counts(normalize=True).unstack(fill_value=0.0)
    sim.columns = sim.columns.astype(str)
    assert sorted(sim.columns[(sim > 0).any()]) == sorted(ana.columns[(ana > 0).any()])
    for col in ana.columns:
        assert np.allclose(sim[col].to_numpy(), ana[col].to_numpy(), atol=0, rtol=0)


def test_no_breakups_where_prop_1_holds(run):
    _, ev = run
    high = ev["search_cost"] >= 1 / 32
    assert (ev.loc[high, "outcome"] == "alliance").all()
    assert (ev.loc[~high, "outcome"] == "breakup").mean() > 0.2


def pd_series(ev, values):
    import pandas as pd

    return pd.Series(values, index=ev.index)


def test_with_accumulating_investment_each_level_of_c_still_matches_analytic():
    """institutional_ratchet: c changes with history, but given this round's c the round is
    a fresh draw, so at each level of c the breakup frequency has binomial error."""
    sc = load_scenario("institutional_ratchet").with_overrides(rounds=60)
    model = sc.build_model(record_events=True)
    for _ in range(sc.rounds):
        model.step()
    ev = model.events_table().to_pandas()
    levels = ev.groupby("search_cost")["outcome"].agg(
        n="size", breakups=lambda s: int((s == "breakup").sum())
    )
    assert len(levels) >= 15  # 0, 0.0025, ..., reached by alliances that kept acting
    eq = analytic.solve_many(phi=sc.phi.value, c=levels.index.to_numpy(), delta=sc.delta)
    p = eq["p_breakup"].to_numpy()
    n = levels["n"].to_numpy()
    freq = levels["breakups"].to_numpy() / n
    sd = np.sqrt(p * (1 - p) / n)
    z = np.where(sd > 0, (freq - p) / np.where(sd > 0, sd, 1), 0.0)
    assert (freq[sd == 0] == p[sd == 0]).all()
    assert np.abs(z).max() <= Z_TOL, list(zip(levels.index, freq, p, z))
    from scipy.stats import chi2

    assert (z**2).sum() < chi2.ppf(0.999, int((sd > 0).sum()))
