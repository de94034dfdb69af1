"""The alliance system (agents.system, the [system] table): the reduction to the independent
model, the powers' state and offers, the reports, and the scenario table's validation."""
from __future__ import annotations

import re

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy import stats

from agents.distributions import CostDistribution
from agents.game import BREAKUP, move_codes, play_round
from agents.model import METRICS, AllianceModel
from agents.system import SYSTEM_METRICS, PowerSystem, SystemSpec
from analytic import PAPER_GAME, piecewise
from scenarios.run.runner import run_scenario
from scenarios.scenario import load_scenario, parse_scenario, read_toml, resolve, scenario_keys
from scenarios.sweep_spec import check_key

BASE = """
name = "t"
seed = 11
rounds = {rounds}

[population]
proteges = 300
patrons = 7
ad_hoc_partners = 9

[search_cost]
dist = "beta"
low = 0.0
high = 0.06
a = 2.0
b = 3.0

[game]
delta = 0.99
phi = {phi}

[investment]
{investment}
"""
PAPER_SYSTEM = """
[system]
strength = 1.0
load_discount = 0.0
offers = "truthful"
beliefs = "known"
pool = "ad_hoc"
"""


def _scenario(tmp_path, extra="", rounds=40, phi="1.1", investment='rule = "none"', name="s.toml"):
    p = tmp_path / name
    p.write_text(BASE.format(rounds=rounds, phi=phi, investment=investment) + extra)
    return load_scenario(str(p))


# ------------------------------------------------------------------ the reduction
@pytest.mark.parametrize("phi, investment", [
    ("1.1", 'rule = "none"'),
    ('{ dist = "uniform", low = 1.05, high = 1.4, per = "alliance" }', 'rule = "accumulate"\nstep = 0.002\ncap = 0.08'),
])
def test_paper_system_gives_the_same_tables_as_no_system(tmp_path, phi, investment):
    """Strengths 1, no load discount, truthful offers, known beliefs, pool ad_hoc: the same
    events, alliances and steps (the independent model's columns) as without [system]."""
    outs = {}
    for label, extra in (("plain", ""), ("system", PAPER_SYSTEM)):
        sc = _scenario(tmp_path, extra, phi=phi, investment=investment, name=f"{label}.toml")
        out = tmp_path / label
        run_scenario(sc, out=out, progress=False, plots=False)
        outs[label] = {f: pq.read_table(out / f) for f in ("events.parquet", "alliances.parquet", "steps.parquet")}
    plain, system = outs["plain"], outs["system"]
    assert plain["events.parquet"].num_rows == 300 * 40
    assert plain["events.parquet"].equals(system["events.parquet"])
    assert plain["alliances.parquet"].equals(system["alliances.parquet"])
    steps = system["steps.parquet"]
    assert steps.column_names == plain["steps.parquet"].column_names + list(SYSTEM_METRICS)
    assert steps.select(plain["steps.parquet"].column_names).equals(plain["steps.parquet"])
    # the system's reports of that state: the paper's U[0, 1] market, offers drawn by ad hoc partners only
    s = steps.to_pandas()
    assert np.allclose(s["true_mean_offer"], 0.5) and np.allclose(s["believed_mean_offer"], 0.5)
    assert np.allclose(s[["offer_q10", "offer_q50", "offer_q90"]], [0.1, 0.5, 0.9])


def test_play_round_with_per_alliance_strategies_equals_the_paper_on_its_market():
    """play_round with the piecewise solver's strategy functions for F = U[0, 1] (one point per
    alliance, as a system round plays) gives the paper's outcomes on the same offers."""
    rng = np.random.default_rng(2)
    n = 4000
    c = rng.choice([0.001, 0.005, 0.02, 0.04, 0.1], size=n)
    phi = rng.uniform(1.02, 1.45, size=n)
    x1, x2 = rng.random((2, n))
    ref = PAPER_GAME.solve_many(phi=phi, c=c, delta=0.95)
    df, eqs = piecewise.solve_many(piecewise.uniform_cdf(), phi, c, 0.95, 1.0, strategies=True)
    assert np.allclose(df["r1"], ref["r1"], atol=1e-9)
    moves = move_codes(np.asarray(ref["first_move"]))
    assert (move_codes(np.asarray(df["first_move"])) == moves).all()
    a = play_round(np.asarray(ref["r1"]), moves, phi, c, 0.95, x1, x2)
    b = play_round(np.asarray(df["r1"]), moves, phi, c, 0.95, x1, x2, strategies=eqs, points=np.arange(n))
    assert (a.searches > 0).mean() > 0.2 and (a.outcome == BREAKUP).sum() > 50
    agree = (a.outcome == b.outcome) & (a.source == b.source) & (a.searches == b.searches)
    assert agree.mean() > 0.999  # knife-edge ties aside
    assert np.allclose(a.protege_payoff[agree], b.protege_payoff[agree], atol=1e-8)


def test_play_round_patron_benefit_sets_her_payoff():
    r1 = np.array([0.3, 0.3])
    a = play_round(r1, np.zeros(2, dtype=np.int8), 1.1, 0.02, 0.99, np.zeros(2), np.zeros(2),
                   patron_benefit=np.array([1.0, 0.6]))
    assert np.allclose(a.patron_payoff, [0.7, 0.3])


# ------------------------------------------------------------------ state and offers
def _system_model(seed=3, rounds=0, **spec):
    spec = SystemSpec(**{"strength": CostDistribution("groups", values=(1.0, 0.5), weights=(1, 1)),
                         "load_discount": 0.05, "pool": "all", **spec})
    m = AllianceModel(n_proteges=120, n_patrons=4, n_ad_hoc=8, rng=seed, system=spec,
                      c=CostDistribution("groups", values=(0.002, 0.01), weights=(1, 1)))
    for _ in range(rounds):
        m.step()
    return m


def test_powers_state_as_agent_attributes():
    m = _system_model(rounds=5)
    load = np.bincount(m.patron_of, minlength=12)
    strengths = sorted(p.strength for p in m.powers)
    assert strengths == [0.5] * 6 + [1.0] * 6
    for p in m.powers:
        assert p.load == load[p.index] == len(p.proteges)
        assert p.valuation == pytest.approx(p.strength / (1 + 0.05 * p.load), abs=1e-15)
    assert sum(p.load for p in m.powers) == 120
    plain = AllianceModel(n_proteges=10, n_patrons=2, n_ad_hoc=3, rng=1)
    assert plain.powers[0].strength == 1.0 and plain.powers[0].valuation == 1.0


def test_beliefs_exclude_the_own_patron():
    """Each alliance believes the mixture of uniforms over the pool powers other than its patron."""
    m = _system_model(rounds=3)
    load = m.system.loads(m.patron_of)
    F, row = m.system.beliefs(m.patron_of, load)
    v = np.array([p.strength / (1 + 0.05 * p.load) for p in m.powers])
    x = np.linspace(0, 1, 101)
    for i in (0, 17, 55, 119):
        others = [j for j in range(12) if j != m.patron_of[i]]
        by_hand = np.mean([np.minimum(1.0, x / v[j]) for j in others], axis=0)
        assert np.allclose(F.cdf(x[None, :], rows=np.full((1, x.size), row[i])), by_hand, atol=1e-12)
    # pool "ad_hoc": an original patron's protégé believes the mixture over all ad hoc partners
    m2 = _system_model(rounds=0, pool="ad_hoc")
    F2, row2 = m2.system.beliefs(m2.patron_of, m2.system.loads(m2.patron_of))
    by_hand = np.mean([np.minimum(1.0, x / m2.powers[j].strength) for j in range(4, 12)], axis=0)
    assert np.allclose(F2.cdf(x[None, :], rows=np.full((1, x.size), row2[0])), by_hand, atol=1e-12)


def test_truthful_offers_are_the_drawn_powers_valuation_times_uniform():
    """x1 / v_partner(t) ~ U[0, 1] (KS), x1 <= v, the partner is never the own patron, and the
    second partner is another power than the first."""
    m = _system_model(seed=8)
    vs, us = [], []
    for _ in range(60):
        v = m.system.valuations(m.system.loads(m.patron_of))
        patron = m.power_uid[m.patron_of].copy()
        m.step()
        vs.append((v, patron))
    ev = m.events_table().to_pandas()
    index_of = {int(u): i for i, u in enumerate(m.power_uid)}
    for t, (v, patron) in enumerate(vs):
        e = ev[ev.step == t + 1]
        s = e.x1.notna().to_numpy()
        j = np.array([index_of[int(u)] for u in e.partner1[s]], dtype=np.intp)
        assert np.all(e.partner1[s].to_numpy() != patron[s])
        u = e.x1[s].to_numpy() / v[j]
        assert np.all((u >= 0) & (u <= 1))
        us.append(u)
        both = e.x2.notna().to_numpy() & s
        assert np.all(e.partner2[both].to_numpy() != e.partner1[both].to_numpy())
        s2 = e.x2.notna().to_numpy()
        assert np.all(e.partner2[s2].to_numpy() != patron[s2])
        k = np.array([index_of[int(u)] for u in e.partner2[s2]], dtype=np.intp)
        u2 = e.x2[s2].to_numpy() / v[k]   # whether he searches again does not depend on u2
        assert np.all((u2 >= 0) & (u2 <= 1))
        us.append(u2)
    u = np.concatenate(us)
    assert u.size > 700
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_breakups_move_protégés_and_loads_follow():
    m = _system_model(seed=4, rounds=30)
    pw = m.powers_table().to_pandas()
    start = np.bincount(np.arange(120) % 4, minlength=12)  # the patrons' starting loads
    assert (pw["load_end"] == start + pw["proteges_won"] - pw["proteges_lost"]).all()
    assert pw["load_end"].sum() == 120 and pw["proteges_won"].sum() > 0
    assert pw["proteges_won"].sum() == (m.events_table().to_pandas().outcome == "breakup").sum()
    assert np.allclose(pw["mean_load"].sum(), 120)
    assert list(pw.columns) == ["power", "role", "strength", "load_end", "mean_load", "proteges_won",
                                "proteges_lost", "offers_made", "contributions"]


def test_patron_benefit_load_is_her_marginal_valuation():
    sys_ = PowerSystem(SystemSpec(strength=CostDistribution("groups", values=(1.0, 0.5), weights=(1, 1)),
                                  load_discount=0.25, patron_benefit="load"), 2, 2, np.random.default_rng(0))
    sys_.strength = np.array([1.0, 0.5, 1.0, 0.5])
    patron_of = np.array([0, 0, 0, 1, 3])
    load = sys_.loads(patron_of)
    assert load.tolist() == [3, 1, 0, 1]
    # b_j / (1 + 0.25 (n_j - 1)): 1 / 1.5 for power 0's three protégés, 0.5 for the others
    assert np.allclose(sys_.patron_benefits(patron_of, load), [1 / 1.5] * 3 + [0.5, 0.5])
    assert np.allclose(sys_.valuations(load), [1 / 1.75, 0.5 / 1.25, 1.0, 0.5 / 1.25])


def test_round_metrics_by_hand():
    sys_ = PowerSystem(SystemSpec(strength=CostDistribution("groups", values=(1.0, 0.5), weights=(1, 1)),
                                  load_discount=0.0, pool="all"), 2, 2, np.random.default_rng(0))
    sys_.strength = np.array([1.0, 0.5, 1.0, 0.5])
    patron_of = np.array([0, 0, 0, 1])          # loads 3, 1, 0, 0
    m = sys_.round_metrics(patron_of)
    assert m["hhi"] == pytest.approx(0.75**2 + 0.25**2)
    assert m["effective_poles"] == pytest.approx(1 / 0.625)
    assert m["largest_share"] == 0.75 and m["powers_leading"] == 2 and m["mean_load"] == 2.0
    assert m["load_strength_corr"] == pytest.approx(np.corrcoef([3, 1, 0, 0], [1, .5, 1, .5])[0, 1])
    # market: half the powers offer U[0, 1], half U[0, 0.5]: mean 0.375; F(x) = x/2 + min(1, 2x)/2
    assert m["true_mean_offer"] == pytest.approx(0.375)
    assert m["offer_q10"] == pytest.approx(0.1 / 1.5) and m["offer_q50"] == pytest.approx(0.5 / 1.5)
    assert m["offer_q90"] == pytest.approx(0.8)
    # believed: the three protégés of power 0 see powers 1, 2, 3 (mean (0.25 + 0.5 + 0.25) / 3),
    # the protégé of power 1 sees 0, 2, 3 (mean (0.5 + 0.5 + 0.25) / 3)
    assert m["believed_mean_offer"] == pytest.approx((3 * 1.0 / 3 + 1.25 / 3) / 4)


def test_system_metrics_only_with_a_system(tmp_path):
    plain = AllianceModel(n_proteges=20, n_patrons=2, n_ad_hoc=3, rng=1)
    plain.step()
    assert plain.steps_table().column_names == ["step"] + list(METRICS)
    with pytest.raises(ValueError, match="no system"):
        plain.powers_table()


# ------------------------------------------------------------------ the scenario table
def test_bundled_system_scenario_runs(tmp_path):
    sc = load_scenario("system_balancing")
    assert sc.system.load_discount > 0 and sc.system.strength.kind == "groups" and sc.n_patrons + sc.n_ad_hoc == 12
    res = run_scenario(sc.with_overrides(rounds=20), out=tmp_path / "o", progress=False, plots=False)
    pw = pq.read_table(tmp_path / "o" / "powers.parquet").to_pandas()
    assert len(pw) == 12 and pw["load_end"].sum() == 150
    assert "believed_mean_offer" in pq.read_table(tmp_path / "o" / "steps.parquet").column_names
    assert any("system: strength" in line for line in sc.describe())
    assert res.model.system is not None


@pytest.mark.parametrize("table, key, message", [
    ('bogus = 1', "system.bogus", "unknown key"),
    ('strength = 1.5', "system.strength", r"\(0, 1\]"),
    ('strength = 0.0', "system.strength", r"\(0, 1\]"),
    ('strength = { dist = "uniform", low = 0.5, high = 1.2 }', "system.strength", r"\(0, 1\]"),
    ('strength = { dist = "evenly", low = 0.5, high = 1.0 }', "system.strength.dist", "constant, uniform, beta, groups"),
    ('strength = { dist = "groups", values = [1.0, 0.5], weights = [1] }', "system.strength.weights", "one per value"),
    ('load_discount = -0.1', "system.load_discount", ">= 0|0.0, inf"),
    ('k = 0', "system.k", ">= 1"),
    ('memory = 0', "system.memory", ">= 1"),
    ('offers = "auction"', "system.offers", "truthful, strategic"),
    ('offers = "honest"', "system.offers", "truthful"),
    ('beliefs = "guessed"', "system.beliefs", "known, learned"),
    ('prior_weight = -1.0', "system.prior_weight", r"\[0.0, inf\]"),
    ('prior_weight = "big"', "system.prior_weight", "a number"),
    ('patron_benefit = "some"', "system.patron_benefit", "fixed, load"),
    ('pool = "patrons"', "system.pool", "ad_hoc, all"),
])
def test_bad_system_input_one_line(tmp_path, table, key, message):
    p = tmp_path / "bad.toml"
    p.write_text(BASE.format(rounds=5, phi="1.1", investment='rule = "none"') + "\n[system]\n" + table + "\n")
    with pytest.raises(ValueError) as e:
        load_scenario(str(p))
    text = str(e.value)
    assert "\n" not in text and text.startswith(f"{p}: {key}") and re.search(message, text), text


def test_system_cannot_combine_with_outsiders(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(BASE.format(rounds=5, phi="1.1", investment='rule = "none"')
                 + '\n[outsiders]\nmodel = "distribution"\ndist = "beta"\nparams = { a = 2.0, b = 2.0 }\n[system]\n')
    with pytest.raises(ValueError, match=f"^{re.escape(str(p))}: system: cannot be combined"):
        load_scenario(str(p))


def test_system_keys_are_sweepable():
    keys = scenario_keys()
    assert set(keys["system"]) == {"strength", "load_discount", "offers", "k", "beliefs", "memory",
                                   "patron_benefit", "pool", "prior_weight"}
    check_key("p", "sweep", "system.load_discount")
    check_key("p", "sweep", "system.strength.values")
    with pytest.raises(ValueError, match="unknown scenario key"):
        check_key("p", "sweep", "system.nothing")
    data = read_toml(resolve("system_balancing"))
    data["system"]["load_discount"] = 0.07
    assert parse_scenario(data, "x").system.load_discount == 0.07


def test_system_same_seed_same_bytes(tmp_path):
    sc = load_scenario("system_balancing").with_overrides(rounds=15)
    for d in ("a", "b"):
        run_scenario(sc, out=tmp_path / d, progress=False, plots=False)
    for f in ("events.parquet", "steps.parquet", "alliances.parquet", "powers.parquet"):
        a, b = (tmp_path / "a" / f).read_bytes(), (tmp_path / "b" / f).read_bytes()
        assert len(a) > 0 and a == b, f
    run_scenario(sc.with_overrides(seed=sc.seed + 1), out=tmp_path / "c", progress=False, plots=False)
    assert (tmp_path / "c" / "powers.parquet").read_bytes() != (tmp_path / "a" / "powers.parquet").read_bytes()


def test_system_accepts_the_choose_rule(tmp_path):
    p = tmp_path / "ok.toml"
    p.write_text(BASE.format(rounds=5, phi="1.1", investment='rule = "choose"') + "\n[system]\nload_discount = 0.1\n")
    sc = load_scenario(str(p))
    assert sc.investment_rule == "choose" and sc.system.load_discount == 0.1
