"""The Mesa population model: agents, breakups and role carry-over, investment, records."""

from __future__ import annotations

import numpy as np
import pytest

import analytic
from agents import AdHocPartner, AllianceModel, CostDistribution, Patron, PhiProcess, Protege, make_rule
from agents.investment import INVESTMENT_RULES, InvestmentRule, register_rule
from agents.model import METRICS


def _model(**kw):
    args = dict(n_proteges=300, n_patrons=10, n_ad_hoc=20, c=CostDistribution("evenly", low=0.0, high=0.06), rng=7)
    args.update(kw)
    return AllianceModel(**args)


def test_agents_are_mesa_agents_of_three_classes():
    m = _model()
    assert m.rng is not None and len(m.agents) == 330
    assert len(m.agents_by_type[Protege]) == 300
    assert len(m.agents_by_type[Patron]) == 10
    assert len(m.agents_by_type[AdHocPartner]) == 20
    # every protégé starts with a patron; patrons share protégés evenly
    counts = [len(p.proteges) for p in m.agents_by_type[Patron]]
    assert sum(counts) == 300 and max(counts) - min(counts) == 0
    p = m.proteges[0]
    assert isinstance(p.patron, Patron) and p.search_cost == p.starting_search_cost
    assert p.last_outcome is None and p.alliance_age == 0


def test_bad_population_and_delta_are_one_line_errors():
    with pytest.raises(ValueError, match="n_ad_hoc"):
        _model(n_ad_hoc=2)
    with pytest.raises(ValueError, match="delta"):
        _model(delta=0.0)


def test_breakups_hand_the_protege_to_its_ad_hoc_partner():
    m = _model()
    before = m.patron_of.copy()
    m.step()
    ev = m.events_table().to_pandas()
    broke = ev[ev["outcome"] == "breakup"]
    assert len(broke) > 0
    power_by_uid = {a.unique_id: a for a in m.powers}
    for row in broke.itertuples():
        protege = m.proteges[row.protege - m.protege_uid[0]]
        new = protege.patron
        assert isinstance(new, AdHocPartner) and new.unique_id == row.partner
        assert row.partner != row.patron and power_by_uid[row.patron].index == before[protege.index]
        assert protege in new.proteges
        assert protege.search_cost == protege.starting_search_cost
        assert protege.alliance_age == 0  # the new alliance plays from the next round on
    # alliances that did not break up keep their patron
    stay = ~np.isin(np.arange(300), broke["protege"].to_numpy() - m.protege_uid[0])
    assert (m.patron_of[stay] == before[stay]).all()


def test_searches_never_draw_the_own_patron_and_two_searches_draw_two_partners():
    m = _model(n_ad_hoc=3, rng=3)
    for _ in range(30):
        m.step()
    ev = m.events_table().to_pandas()
    s1 = ev["partner1"].notna()
    assert s1.any()
    assert (ev.loc[s1, "partner1"] != ev.loc[s1, "patron"]).all()
    s2 = ev["partner2"].notna()
    assert (ev.loc[s2, "partner2"] != ev.loc[s2, "patron"]).all()
    assert (ev.loc[s2, "partner2"] != ev.loc[s2, "partner1"]).all()
    # the breakup partner is the one whose offer was taken
    b = ev["outcome"] == "breakup"
    from_x1 = b & ev["x2"].isna()
    assert (ev.loc[from_x1, "partner"] == ev.loc[from_x1, "partner1"]).all()


def test_event_columns_and_identities():
    m = _model(rng=11)
    for _ in range(5):
        m.step()
    ev = m.events_table().to_pandas()
    assert len(ev) == 5 * 300
    for col in ("step", "protege", "patron", "search_cost", "phi", "first_move", "outcome", "period",
                "searches", "contribution", "concession", "move", "won"):
        assert col in ev.columns
    acted = ev["outcome"] == "alliance"
    assert np.allclose(ev.loc[acted, "concession"], ev.loc[acted, "contribution"] - (ev.loc[acted, "phi"] - 1))
    assert ev.loc[~acted, "contribution"].isna().all()
    assert set(ev["first_move"].astype(str)) <= {"accept", "search", "delay"}
    assert ((ev["move"] == "exit") == (ev["outcome"] == "breakup")).all()
    assert ((ev["move"] == "cooperate") == (ev["first_move"] == "accept")).all()
    steps = m.steps_table().to_pandas()
    assert list(steps.columns) == ["step", *METRICS] and len(steps) == 5
    assert steps["breakups"].sum() == (ev["outcome"] == "breakup").sum()
    spells = m.alliances_table().to_pandas()
    # every alliance-round belongs to exactly one spell, and spell lengths add up
    assert spells["duration"].sum() == len(ev)
    assert (spells["ended"] == "breakup").sum() == (ev["outcome"] == "breakup").sum()


def test_no_investment_keeps_c_at_its_starting_level():
    m = _model(rng=2)
    for _ in range(10):
        m.step()
    assert np.array_equal(m.c, m.c_start)


def test_accumulate_grows_c_when_the_alliance_acts_and_resets_on_breakup():
    rule = make_rule("accumulate", step=0.01, cap=0.05)
    m = _model(c=CostDistribution("constant", value=0.0), investment=rule, rng=5)
    c0 = m.c.copy()
    m.step()
    ev = m.events_table().to_pandas()
    acted = (ev["outcome"] == "alliance").to_numpy()
    broke = (ev["outcome"] == "breakup").to_numpy()
    assert np.allclose(m.c[acted], c0[acted] + 0.01)
    assert np.allclose(m.c[broke], 0.0)
    for _ in range(20):
        m.step()
    assert m.c.max() == pytest.approx(0.05) and (m.c <= 0.05 + 1e-15).all()
    # past c = 1/32 the protégé accepts at once: those alliances no longer break up
    assert m.steps_table().to_pandas()["churn_rate"].iloc[-1] < m.steps_table().to_pandas()["churn_rate"].iloc[0]


def test_investment_rules_are_pluggable():
    @register_rule("halve_on_action_test")
    class Halve(InvestmentRule):
        PARAMS = {}

        def update(self, c, acted, model):
            return np.where(acted, c / 2, c)

    try:
        m = _model(investment=make_rule("halve_on_action_test"), c=CostDistribution("constant", value=0.04))
        m.step()
        assert set(np.round(m.c, 12)) <= {0.02, 0.04}
    finally:
        INVESTMENT_RULES.pop("halve_on_action_test")
    with pytest.raises(ValueError, match="investment.rule"):
        make_rule("nope")
    with pytest.raises(ValueError, match=r"investment\.cap"):
        make_rule("accumulate", step=0.01)


def test_phi_per_alliance_and_per_round():
    m = _model(phi=PhiProcess("uniform", low=1.05, high=1.4, per="alliance"), rng=1, n_proteges=50)
    m.step()
    ev = m.events_table().to_pandas()
    assert ev["phi"].nunique() == 50
    m = _model(phi=PhiProcess("uniform", low=1.05, high=1.4, per="round"), rng=1, n_proteges=50)
    m.step()
    m.step()
    ev = m.events_table().to_pandas()
    assert ev.groupby("step")["phi"].nunique().tolist() == [1, 1]
    assert ev["phi"].nunique() == 2


def test_equilibria_are_exact_per_alliance():
    m = _model(rng=9)
    m.step()
    df = analytic.solve_many(phi=1.1, c=m.c, delta=0.99)
    assert np.array_equal(m.eq_r1, df["r1"].to_numpy())


def test_without_events_the_metrics_are_still_collected():
    m = _model(record_events=False)
    for _ in range(3):
        m.step()
    assert len(m.steps_table()) == 3 and m._events == []
    assert len(m.alliances_table()) >= 300


def test_power_scores_add_up_to_the_events():
    m = _model(rng=21)
    for _ in range(8):
        m.step()
    ev = m.events_table().to_pandas()
    powers = m.powers
    assert sum(p.contributions for p in powers) == pytest.approx(ev["contribution"].sum())
    assert sum(p.rounds_acted for p in powers) == (ev["outcome"] == "alliance").sum()
    assert sum(p.payoff for p in powers) == pytest.approx(ev["patron_payoff"].sum())
    n_breakups = (ev["outcome"] == "breakup").sum()
    assert sum(p.proteges_lost for p in powers) == n_breakups
    outsiders = [p for p in powers if isinstance(p, AdHocPartner)]
    assert sum(p.proteges_won for p in outsiders) == n_breakups
    assert sum(p.offers_made for p in outsiders) == ev["partner1"].notna().sum() + ev["partner2"].notna().sum()
    assert sum(len(p.proteges) for p in powers) == 300
    assert sum(pr.breakups for pr in m.proteges) == n_breakups
    assert sum(pr.total_payoff for pr in m.proteges) == pytest.approx(ev["protege_payoff"].sum())


def test_remembered_equilibria_are_the_exact_ones():
    rule = make_rule("accumulate", step=0.003, cap=0.04)
    m = _model(c=CostDistribution("groups", values=(0.0, 0.01), weights=(1, 1)), investment=rule,
               phi=PhiProcess("uniform", low=1.05, high=1.3, per="round"), rng=4)
    for _ in range(12):
        m.step()
    df = analytic.solve_many(phi=m.eq_phi, c=m.eq_c, delta=0.99)
    assert np.array_equal(m.eq_r1, df["r1"].to_numpy())
    assert [("accept", "search", "delay")[k] for k in m.eq_move] == df["first_move"].tolist()
    assert len(m._eq_memo) > 0
