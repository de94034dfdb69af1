"""The reference agents (agents.reference) play the same round as the array model.

* Draw by draw: a reference protégé fed chosen partners and offers (ties included) ends
  its round as ``agents.game.play_round`` does with the same offers.
* In distribution: a population of 400 alliances at c in {0, 0.005, 0.02, 0.04} (phi = 1.1,
  delta = .99) over 150 rounds, in the reference model and in ``agents.AllianceModel``.
  Per c level the outcome frequencies (alliance / breakup / none), the share of protégés
  who search, the mean number of searches and the mean contribution agree within 4
  standard errors (two-sample z, unpooled: SE^2 = s_a^2 / n_a + s_b^2 / n_b, with the
  sample variances of the per-alliance-round values), and both agree with
  ``analytic.solve``'s p_breakup, p_alliance and expected contribution (SE from the exact
  p, resp. the sample standard deviation). The alliance-rounds are independent draws: with
  c reset to the protégé's starting level after a breakup, each alliance-round plays the
  same game at its c with fresh offers, and who the patron is does not enter play.
* Bookkeeping: breakups move the protégé to the winning ad hoc partner, the scores add up.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analytic
from agents import AllianceModel, CostDistribution, PhiProcess
from agents.game import FIRST_MOVES, OUTCOMES, move_codes, play_round
from agents.reference import ReferenceAdHocPartner, ReferenceModel, ReferencePatron, ReferenceProtege

PHI, DELTA = 1.1, 0.99
C_LEVELS = (0.0, 0.005, 0.02, 0.04)
N_ALLIANCES, N_ROUNDS = 400, 150
Z = 4.0


class ScriptedRng:
    """Stands in for the model's rng: ``integers`` and ``random`` return the scripted values."""

    def __init__(self, partners, offers):
        self.partners, self.offers = list(partners), list(offers)

    def integers(self, n):
        return self.partners.pop(0)

    def random(self):
        return self.offers.pop(0)


def _play_one(c, x1, x2):
    """One reference round at c with outside offers x1, x2 (from pool partners 0 and 1)."""
    model = ReferenceModel(n_proteges=1, n_patrons=1, n_ad_hoc=3, c=CostDistribution("constant", value=c),
                           phi=PHI, delta=DELTA, rng=0)
    model.rng = ScriptedRng([0, 0, 1], [x1, x2])  # the second search redraws partner 0 (taken), gets 1
    model.step()
    return model.proteges[0], model


@pytest.mark.parametrize("c", [0.0, 0.005, 0.02, 0.04])
def test_a_reference_round_is_the_array_round_draw_by_draw(c):
    e = analytic.solve(PHI, c, DELTA)
    # x1 in (0.5, 0.87) goes on to period 2 at these c, where r2 = x1 (a tie) and a second search
    for x1 in [0.0, 0.1, 0.3, e.r1, 0.55, 0.7, 0.78, 0.85, 0.95]:
        r2 = float(analytic.patron_offer_period2(x1, PHI, c, DELTA))
        for x2 in [0.0, 0.2, x1, r2, 0.8, 0.9, 1.0 - 1e-9]:
            p, model = _play_one(c, x1, x2)
            res = play_round(np.array([e.r1]), move_codes([e.first_move]), PHI, np.array([c]), DELTA,
                             np.array([x1]), np.array([x2]))
            what = f"c={c}, x1={x1}, x2={x2}"
            assert p.last_first_move == e.first_move, what
            assert p.last_outcome == OUTCOMES[res.outcome[0]], what
            assert p.last_searches == res.searches[0], what
            contr = res.contribution[0]
            assert (p.last_contribution is None) == np.isnan(contr), what
            if p.last_contribution is not None:
                assert p.last_contribution == contr, what
            assert p.last_payoff == pytest.approx(res.protege_payoff[0], abs=1e-14), what
            assert p.last_patron_payoff == pytest.approx(res.patron_payoff[0], abs=1e-14), what
    assert e.first_move in FIRST_MOVES


def test_a_breakup_moves_the_protege_to_the_winning_partner():
    c = 0.02
    e = analytic.solve(PHI, c, DELTA)
    p, model = _play_one(c, 0.99, 0.0)  # x1 = 0.99 beats r1 and g: a breakup in period 1
    assert e.first_move == "search" and p.last_outcome == "breakup"
    winner = model.ad_hoc_partners[0]
    assert p.patron is winner and isinstance(winner, ReferenceAdHocPartner)
    assert winner.proteges_won == 1 and winner.offers_made == 1 and p.breakups == 1
    assert p.search_cost == p.starting_search_cost == c and p.alliance_age == 0
    patron = model.agents_by_type[ReferencePatron][0]
    assert patron.proteges_lost == 1 and patron.contributions == 0.0
    assert p.last_payoff == pytest.approx(1 - PHI + 0.99 - c)


def _reference_rounds(seed):
    """One row per alliance-round of the reference model: c, outcome, searches, contribution."""
    model = ReferenceModel(N_ALLIANCES, n_patrons=8, n_ad_hoc=40, c=_groups(), phi=PHI, delta=DELTA, rng=seed)
    rows = []
    for _ in range(N_ROUNDS):
        model.step()
        rows += [(p.last_search_cost, p.last_outcome, p.last_searches,
                  np.nan if p.last_contribution is None else p.last_contribution) for p in model.proteges]
    contributions = sum(w.contributions for w in model.agents_by_type[ReferencePatron]) + sum(
        w.contributions for w in model.ad_hoc_partners)
    df = pd.DataFrame(rows, columns=["c", "outcome", "searches", "contribution"])
    assert contributions == pytest.approx(df["contribution"].sum(), rel=1e-12)  # the patrons' scores add up
    return df, model


def _array_rounds(seed):
    model = AllianceModel(N_ALLIANCES, n_patrons=8, n_ad_hoc=40, c=_groups(), phi=PhiProcess("constant", value=PHI),
                          delta=DELTA, rng=seed)
    for _ in range(N_ROUNDS):
        model.step()
    ev = model.events_table().to_pandas()
    return pd.DataFrame({"c": ev["search_cost"], "outcome": ev["outcome"].astype(str),
                         "searches": ev["searches"].astype(int), "contribution": ev["contribution"].astype(float)})


def _groups():
    return CostDistribution("groups", values=C_LEVELS, weights=(1.0,) * len(C_LEVELS))


def _values(df):
    """Per-alliance-round values whose means are compared: indicators, searches, contributions."""
    return {
        "alliance": (df["outcome"] == "alliance").to_numpy(float),
        "breakup": (df["outcome"] == "breakup").to_numpy(float),
        "none": (df["outcome"] == "none").to_numpy(float),
        "searched": (df["searches"] > 0).to_numpy(float),
        "searches": df["searches"].to_numpy(float),
        "contribution": df["contribution"].dropna().to_numpy(float),
    }


def _z(a, b):
    """Two-sample z of the means of a and b (unpooled standard error); 0 if both are constant and equal."""
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    diff = a.mean() - b.mean()
    if se == 0:
        return 0.0 if diff == 0 else np.inf
    return diff / se


@pytest.fixture(scope="module")
def rounds():
    ref, model = _reference_rounds(seed=11)
    return ref, _array_rounds(seed=12), model


def test_the_reference_population_keeps_the_alliances_identities(rounds):
    ref, _, model = rounds
    broke = [p for p in model.proteges if p.breakups > 0]
    assert broke, "there should be breakups at c < 1/32"
    assert all(isinstance(p.patron, (ReferencePatron, ReferenceAdHocPartner)) for p in model.proteges)
    won = sum(w.proteges_won for w in model.ad_hoc_partners)
    lost = sum(w.proteges_lost for w in model.agents_by_type[ReferencePatron]) + sum(
        w.proteges_lost for w in model.ad_hoc_partners)
    assert won == lost == sum(p.breakups for p in model.proteges) == (ref["outcome"] == "breakup").sum()
    assert sorted({p.search_cost for p in model.proteges}) == list(C_LEVELS)  # c reset to the start level


@pytest.mark.parametrize("c", C_LEVELS)
def test_reference_and_array_models_play_the_same_round(rounds, c):
    ref, arr, _ = rounds
    a, b = _values(ref[ref["c"] == c]), _values(arr[arr["c"] == c])
    assert a["alliance"].size == b["alliance"].size == N_ALLIANCES // len(C_LEVELS) * N_ROUNDS
    for name in a:
        z = _z(a[name], b[name])
        assert abs(z) <= Z, f"c={c}: {name} {a[name].mean():.4f} (reference) vs {b[name].mean():.4f} (array), z={z:.2f}"


@pytest.mark.parametrize("c", C_LEVELS)
def test_both_models_agree_with_the_equilibrium(rounds, c):
    ref, arr, _ = rounds
    e = analytic.solve(PHI, c, DELTA)
    if c < 1 / 32:
        assert e.p_breakup > 0.2  # the levels are chosen to give breakups (Prop. 2)
    for name, df in (("reference", ref), ("array", arr)):
        v = _values(df[df["c"] == c])
        for what, p in (("breakup", e.p_breakup), ("alliance", e.p_alliance), ("none", e.p_none)):
            n = v[what].size
            se = np.sqrt(p * (1 - p) / n)
            assert abs(v[what].mean() - p) <= Z * se + 1e-12, f"{name}, c={c}: P({what}) {v[what].mean():.4f} vs {p:.4f}"
        x = v["contribution"]
        se = x.std(ddof=1) / np.sqrt(x.size)
        assert abs(x.mean() - e.expected_contribution) <= Z * se + 1e-12, f"{name}, c={c}: contribution"


@pytest.mark.parametrize("kwargs,message", [
    (dict(phi=2.5), "phi must be in"),
    (dict(delta=0.0), "delta must be in"),
    (dict(n_ad_hoc=2), "n_ad_hoc: must be an integer >= 3"),
    (dict(n_proteges=10.5), "n_proteges: must be an integer >= 1"),
])
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReferenceModel(**kwargs)


def test_the_reference_model_is_reproducible():
    runs = []
    for _ in range(2):
        m = ReferenceModel(50, 5, 10, c=CostDistribution("uniform", low=0.0, high=0.04), rng=3)
        for _ in range(3):
            m.step()
        runs.append(m.datacollector.get_model_vars_dataframe())
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert isinstance(m.proteges[0], ReferenceProtege)
