"""Strategic offers in the alliance system (agents.system, ``offers = "strategic"``).

A search reaches k = 2 distinct powers of the pool other than the own patron; power j's
valuation is v_j u (u ~ U[0, 1]); the highest bids as `analytic.outsiders.StrategicOutsiders`
prescribes for valuations iid from the alliance's F_i,t (the mixture of uniforms over the
eligible powers: exactly the distribution of a drawn power's valuation), and the alliance
plays that solver's equilibrium. The equilibrium treats the two bidders' valuations as
independent draws from F_i,t; in the model they are two distinct powers (order 1 / 11 here).

Conformance: 150 protégés, 12 powers (strength 1 or 0.5), pool "all", no load discount,
c in {0.0003, 0.002}, 100 rounds. Before each round the test rebuilds every alliance's F_i,t
from the public state (the strengths and its patron) and solves it with its own
`StrategicOutsiders`; breakups per band of c are compared with the sum of the equilibrium's
p_breakup, SE = sqrt(sum p (1 - p)), tolerance 4 SE. The bids are checked to be the
solver's: every winning first-search bid is in the acceptable set of its first offer and is
the equilibrium bid of some valuation at most the winner's v_j.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from agents.distributions import CostDistribution
from agents.model import AllianceModel
from agents.system import SystemSpec
from analytic import piecewise
from analytic.outsiders import StrategicOutsiders
from scenarios.scenario import load_scenario

Z_TOL = 4.0
PHI, DELTA, K = 1.1, 0.99, 2


def _simulate(rounds=100, seed=2):
    spec = SystemSpec(strength=CostDistribution("groups", values=(1.0, 0.5), weights=(1, 1)),
                      load_discount=0.0, pool="all", offers="strategic", k=K)
    c = CostDistribution("groups", values=(0.0003, 0.002), weights=(1, 1))
    m = AllianceModel(n_proteges=150, n_patrons=6, n_ad_hoc=6, c=c, delta=DELTA, rng=seed, system=spec)
    states = []
    for _ in range(rounds):
        states.append((m.patron_of.copy(), m.c.copy()))
        m.step()
    return m, states, m.events_table().to_pandas()


@pytest.fixture(scope="module")
def run():
    return _simulate()


def test_breakups_match_the_strategic_equilibrium(run):
    m, states, ev = run
    strength = np.array([p.strength for p in m.powers])
    solvers, eqs = {}, {}
    p_all, c_all, broke_all = [], [], []
    steps = ev["step"].to_numpy()
    for t, (patron_of, c) in enumerate(states):
        e = ev[steps == t + 1]
        for i in range(patron_of.size):
            others = strength[np.arange(strength.size) != patron_of[i]]
            key = tuple(np.sort(others))
            if key not in solvers:
                F = piecewise.mixture_of_uniforms(others)
                solvers[key] = StrategicOutsiders(K, piecewise.ScipyLikeCDF(F))
            if (key, c[i]) not in eqs:
                eqs[(key, c[i])] = solvers[key].solve(PHI, float(c[i]), DELTA).p_breakup
            p_all.append(eqs[(key, c[i])])
        c_all.append(c)
        broke_all.append((e["outcome"] == "breakup").to_numpy())
    p, c, broke = np.array(p_all), np.concatenate(c_all), np.concatenate(broke_all)
    tested = 0
    for band in np.unique(c):
        s = c == band
        expected, se = p[s].sum(), np.sqrt((p[s] * (1 - p[s])).sum())
        observed = int(broke[s].sum())
        print(f"c = {band:g}: breakups {observed}, equilibrium {expected:.1f}, SE {se:.1f},"
              f" z = {(observed - expected) / max(se, 1e-12):+.2f}")
        if se == 0:
            assert observed == expected == 0   # the first offer is accepted at once: no breakup
            continue
        tested += 1
        assert abs(observed - expected) <= Z_TOL * se, (band, observed, expected, se)
    assert tested >= 1 and broke.sum() > 100


def test_winning_bids_are_the_solvers_bids(run):
    m, states, ev = run
    strength = np.array([p.strength for p in m.powers])
    index_of = {int(u): i for i, u in enumerate(m.power_uid)}
    e = ev[ev["x1"].notna() & (ev["x1"] > 0)]
    assert len(e) > 100
    t = e["step"].to_numpy() - 1
    won = np.array([index_of[int(u)] for u in e["partner1"]])
    patron = np.array([index_of[int(u)] for u in e["patron"]])
    assert np.all(won != patron)
    x1, r1 = e["x1"].to_numpy(), e["r1"].to_numpy()
    for k in range(0, len(e), max(1, len(e) // 60)):   # about 60 bids, each against its own solver
        others = strength[np.arange(strength.size) != patron[k]]
        so = StrategicOutsiders(K, piecewise.ScipyLikeCDF(piecewise.mixture_of_uniforms(others)))
        A = so.acceptable(r1[k], PHI, e["search_cost"].iloc[k], DELTA)
        assert any(lo - 1e-12 <= x1[k] <= hi + 1e-12 for lo, hi in A), (x1[k], A)
        # the bid of the winner's highest possible valuation (v_j) is at least its bid
        top = so.period1_bid(np.array([strength[won[k]]]), r1[k], PHI, e["search_cost"].iloc[k], DELTA)[0]
        assert x1[k] <= top + 1e-12
        assert t[k] >= 0


@pytest.mark.parametrize("table, key, message", [
    ('offers = "strategic"\nk = 12', "system.k", "at most the pool's size minus one"),
    ('offers = "strategic"\nbeliefs = "learned"', "system.beliefs", "known beliefs"),
    ('offers = "strategic"\npatron_benefit = "load"', "system.patron_benefit", "'fixed'"),
    ('offers = "strategic"\nk = 0', "system.k", ">= 1"),
])
def test_bad_strategic_input_one_line(tmp_path, table, key, message):
    text = (load_scenario("system_balancing").path and open(load_scenario("system_balancing").path).read())
    text = re.sub(r"\[system\].*?(?=\n\[output\])", "[system]\npool = \"all\"\n" + table + "\n", text, flags=re.S)
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(ValueError) as err:
        load_scenario(str(p))
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"{p}: {key}") and message in msg, msg


def test_bundled_strategic_scenario_runs(tmp_path):
    from scenarios.run.runner import run_scenario

    sc = load_scenario("system_strategic")
    assert sc.system.offers == "strategic" and sc.system.k == 2
    assert any("strategic offers (k = 2)" in line for line in sc.describe())
    res = run_scenario(sc.with_overrides(rounds=3), out=tmp_path / "o", progress=False, plots=False)
    ev = res.model.events_table().to_pandas()
    assert (ev.outcome == "breakup").sum() > 0
    assert set(ev.loc[ev.outcome == "breakup", "search_cost"]) == {0.0003}   # c = 0.002: accepted at once
