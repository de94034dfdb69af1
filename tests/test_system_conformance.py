"""Statistical conformance of the alliance system (agents.system) with the equilibria it plays.

A small system (150 protégés, 12 powers of strength 1 or 0.5, pool "all", load discount 0.02,
c in three groups, phi = 1.1, delta = .99), 200 rounds, once with the patron's benefit fixed
and once falling with her load. The options change every round with the loads, so every
alliance-round has its own equilibrium; the test rebuilds it from the public state before
each round, independently of the model's batching: the loads n_j (bincount of ``patron_of``),
the valuations v_j = b_j / (1 + 0.02 n_j), and for each alliance the mixture of uniforms over
the powers other than its patron, solved point by point with ``analytic.piecewise.solve_many``.

1. Breakups by band of c: the observed count against the sum over alliance-rounds of the
   equilibrium's p_breakup, SE = sqrt(sum p (1 - p)) (independent Bernoulli draws given the
   state at the start of each round: a martingale-difference sum). The equilibrium treats the
   two searches' offers as independent draws from F; in the model the second partner is
   another power than the first, which makes x2 depend weakly on x1 (order 1 / 11 on
   period-2 play after a search, documented in agents.system): the tolerance is 4 SE.
2. Who wins a breakup, by strength group, given the powers drawn: for an alliance-round whose
   first search drew power j (from the events), with x1 = v_j u1 and x2 = v_k u2, k uniform on
   the eligible powers other than j (the model's rule), the equilibrium gives
     P(j wins) = P(u1: x1 >= r1 and x1 >= g(x1))                          (period 1)
               + E_u1[ 1{period 2} 1{r2(x1) < x1, x1 >= phi - 1} (1 - again(x1) P(x2 >= x1)) ]
     P(a group-G power wins with x2) = E_u1[ 1{period 2} again(x1) mean_k 1{k in G} P(v_k u2 >= max(choice(x1), phi - 1)) ]
   with g, r2 and again the equilibrium's strategy functions (choice = r2 if r2 >= x1 else x1;
   after a delay x1 = 0 and k is uniform on all eligible powers). E over u1 is a midpoint
   rule on 400 points (error well below the SE). Observed wins by strong and by weak powers
   are compared with these sums, SE = sqrt(sum p (1 - p)), tolerance 4 SE. This part is exact
   given the drawn first partner (no independence approximation).
Bands and groups with an expected count below 5 are not tested (the normal approximation).
With a fixed seed the test is deterministic.
"""
from __future__ import annotations

import numpy as np
import pytest

from agents.distributions import CostDistribution
from agents.model import AllianceModel
from agents.system import SystemSpec
from analytic import piecewise

Z_TOL = 4.0
PHI = 1.1
GRID = 400
LOAD_DISCOUNT = 0.02


def _simulate(patron_benefit: str, rounds: int = 200, seed: int = 5):
    spec = SystemSpec(strength=CostDistribution("groups", values=(1.0, 0.5), weights=(1, 1)),
                      load_discount=LOAD_DISCOUNT, patron_benefit=patron_benefit, pool="all")
    c = CostDistribution("groups", values=(0.002, 0.01, 0.03), weights=(1, 1, 1))
    model = AllianceModel(n_proteges=150, n_patrons=6, n_ad_hoc=6, c=c, phi=None, delta=0.99, rng=seed, system=spec)
    states = []
    for _ in range(rounds):
        states.append((model.patron_of.copy(), model.c.copy()))
        model.step()
    return model, states, model.events_table().to_pandas()


def _expected(model, states, events):
    """Per alliance-round: c, the equilibrium's p_breakup, P(breakup won by a strong / weak
    power) given the first partner drawn, and what happened."""
    strength = np.array([p.strength for p in model.powers])
    n_pow = strength.size
    strong = strength == strength.max()
    index_of = {int(u): i for i, u in enumerate(model.power_uid)}
    u = (np.arange(GRID) + 0.5) / GRID
    floor = PHI - 1.0
    steps = events["step"].to_numpy()
    rows = []
    for t, (patron_of, c) in enumerate(states):
        ev = events[steps == t + 1]
        n = patron_of.size
        load = np.bincount(patron_of, minlength=n_pow)
        v = strength / (1.0 + LOAD_DISCOUNT * load)
        eligible = np.arange(n_pow)[None, :] != patron_of[:, None]           # (n, powers): pool "all"
        if model.system.spec.patron_benefit == "fixed":
            b = np.ones(n)
        else:
            b = strength[patron_of] / (1.0 + LOAD_DISCOUNT * (load[patron_of] - 1))
        F = piecewise.mixture_of_uniforms(np.broadcast_to(v, (n, n_pow)), eligible.astype(float))
        df, eqs = piecewise.solve_many(F, PHI, c, model.delta, b, strategies=True)
        move, r1 = np.asarray(df["first_move"]), np.asarray(df["r1"])
        first = np.array([index_of[int(x)] if x == x else -1 for x in ev["partner1"].astype(float)])
        won = np.array([index_of[int(x)] if x == x else -1 for x in ev["partner"].astype(float)])
        broke = (ev["outcome"] == "breakup").to_numpy()

        p_group = np.zeros((n, 2))  # P(breakup won by a strong, a weak power)
        plays = np.flatnonzero(move != "accept")
        search = move[plays] == "search"
        pts = plays[:, None]
        j = np.where(search, first[plays], 0)
        assert np.all(first[plays[search]] >= 0) and np.all(first[plays[~search]] < 0)
        x1 = np.where(search[:, None], v[j][:, None] * u[None, :], 0.0)      # (m, GRID)
        g = eqs.protege_reservation_period1(x1, pts)
        now = search[:, None] & (np.maximum(r1[plays][:, None], x1) >= g)
        win1 = now & (x1 >= r1[plays][:, None])
        later = ~now
        r2 = eqs.patron_offer_period2(x1, pts)
        r2 = np.where(np.isnan(r2), -np.inf, r2)
        again = eqs.protege_searches_period2(np.maximum(np.maximum(x1, r2), floor), pts)
        choice = np.where(r2 >= x1, r2, x1)
        # the second partner: uniform on the eligible powers other than the first
        others = eligible[plays] & ~(search[:, None] & (np.arange(n_pow)[None, :] == j[:, None]))
        w2 = others / others.sum(axis=1, keepdims=True)                      # (m, powers)
        beat = np.clip(1.0 - np.maximum(choice, floor)[..., None] / v, 0.0, 1.0)   # (m, GRID, powers)
        beat_x1 = np.clip(1.0 - x1[..., None] / v, 0.0, 1.0)
        second = later & again
        for gi, members in enumerate((strong, ~strong)):
            p_group[plays, gi] += (second * (beat * (w2 * members)[:, None, :]).sum(axis=2)).mean(axis=1)
        keeps_x1 = later & (r2 < x1) & (x1 >= floor)
        p1_win = (win1 + keeps_x1 * (1.0 - again * (beat_x1 * w2[:, None, :]).sum(axis=2))).mean(axis=1)
        p1_win = np.where(search, p1_win, 0.0)
        group_of_first = np.where(strong[j], 0, 1)
        p_group[plays, group_of_first] += p1_win
        rows.append({
            "c": c, "p_breakup": np.asarray(df["p_breakup"], dtype=float), "broke": broke,
            "p_strong": p_group[:, 0], "p_weak": p_group[:, 1],
            "won_strong": broke & strong[np.maximum(won, 0)], "won_weak": broke & ~strong[np.maximum(won, 0)],
        })
    return {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}


@pytest.fixture(scope="module", params=["fixed", "load"])
def pooled(request):
    model, states, events = _simulate(request.param)
    return _expected(model, states, events)


def _z(p, observed):
    expected, se = p.sum(), np.sqrt((p * (1.0 - p)).sum())
    return expected, int(observed.sum()), se


def test_breakups_by_band_of_c_match_the_equilibrium(pooled):
    tested = 0
    for band in np.unique(pooled["c"]):
        s = pooled["c"] == band
        expected, observed, se = _z(pooled["p_breakup"][s], pooled["broke"][s])
        if expected < 5:
            continue
        tested += 1
        assert abs(observed - expected) <= Z_TOL * se, (band, observed, expected, se)
    assert tested >= 1


def test_breakups_are_won_by_strength_group_as_the_equilibrium_says(pooled):
    tested = 0
    for band in np.unique(pooled["c"]):
        s = pooled["c"] == band
        for p_key, o_key in (("p_strong", "won_strong"), ("p_weak", "won_weak")):
            expected, observed, se = _z(pooled[p_key][s], pooled[o_key][s])
            if expected < 5:
                continue
            tested += 1
            assert abs(observed - expected) <= Z_TOL * se, (band, p_key, observed, expected, se)
    assert tested >= 2
    # given the first partner, P(strong) + P(weak) is the breakup probability: close to the
    # equilibrium's p_breakup (which averages over the first partner too)
    total = pooled["p_strong"] + pooled["p_weak"]
    assert abs(total.sum() - pooled["p_breakup"].sum()) <= Z_TOL * np.sqrt((total * (1 - total)).sum())
