"""Extension 1: strategic outsiders (``analytic.outsiders``).

* k = 1 (one outsider per search): the closed-form result for every c, delta, phi and
  valuation distribution: r1 = phi - 1 accepted at once, no breakups, protégé gets 0.
* Outsiders that offer their valuations reduce to the baseline: `truthful_solver(1)` is
  `analytic`, and for k = 2 it is the general game with F = H^2 (= Beta(2, 1) for uniform H).
* The auction bids are an equilibrium: each valuation's best bid on a grid against the
  others' bids (tests/brute_force_outsiders.py) is the bid itself, to 2 grid steps.
* The equilibrium against the independent brute force (Monte Carlo + grids): patron's
  payoff within 5e-3 (MC error ~ 1/sqrt(40,000) plus the 1/400 grid), same first move.
* The agents, playing the strategic offers through the model's outside_offers hook, give
  breakups and payoffs within 4 SE of the predictions, also off the equilibrium path.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import analytic
from analytic.general import GeneralSolver
from analytic.outsiders import StrategicOutsiders, truthful_solver
from brute_force_outsiders import best_response_bids, brute_force_outsiders


@pytest.mark.parametrize("phi,c,delta", [(1.1, 0.02, 0.99), (1.1, 0.0, 0.99), (1.45, 0.001, 0.4),
                                         (1.8, 0.05, 1.0)])
def test_one_outsider_holds_up_the_protege(phi, c, delta):
    for H in (None, stats.beta(2, 5)):
        e = StrategicOutsiders(1, H).solve(phi, c, delta)
        assert e.first_move == "accept"
        assert e.r1 == pytest.approx(phi - 1, abs=1e-9)
        assert e.p_breakup == 0 and e.u_protege == pytest.approx(0, abs=1e-9)
        assert e.u_patron == pytest.approx(2 - phi, abs=1e-9)


def test_one_outsider_bids_the_reserve_off_path():
    s = StrategicOutsiders(1)
    phi, c, delta = 1.1, 0.01, 0.99
    r1 = np.array([0.05, 0.2, 0.5])
    rho, interval = s.reserve(r1, phi, c, delta)
    assert np.allclose(rho, np.maximum(r1, phi - 1), atol=1e-12) and interval.all()
    out = s.search_outcome(r1, phi, c, delta)
    assert np.allclose(out["u_protege"][1:], -c + r1[1:] - (phi - 1), atol=1e-12)  # search worth nothing


def test_truthful_outsiders_are_the_baseline():
    assert truthful_solver(1) is analytic
    g = truthful_solver(2)
    ref = GeneralSolver(stats.beta(2, 1))
    a, b = g.solve(1.1, 0.01, 0.99), ref.solve(1.1, 0.01, 0.99)
    assert a.first_move == b.first_move and a.u_patron == pytest.approx(b.u_patron, abs=1e-9)


@pytest.mark.parametrize("k,s", [(2, 0.3), (3, 0.5)])
def test_bids_are_best_responses(k, s):
    so = StrategicOutsiders(k)
    v, b = best_response_bids(k, s, lambda x: so.bid(x, s))
    closed = so.bid(v, s)
    assert np.max(np.abs(closed - b)) < 2 * (1 - s) / 4000 + 1e-9  # two bid-grid steps
    # uniform closed form ((k-1) v^k + s^k) / (k v^(k-1))
    assert np.allclose(closed, ((k - 1) * v**k + s**k) / (k * v ** (k - 1)), atol=1e-9)


@pytest.mark.parametrize("k,phi,c,delta", [(1, 1.1, 0.01, 0.99), (2, 1.1, 0.02, 0.99), (2, 1.3, 0.01, 0.6),
                                           (3, 1.1, 0.005, 0.99)])
def test_against_brute_force(k, phi, c, delta):
    e = StrategicOutsiders(k).solve(phi, c, delta)
    bf = brute_force_outsiders(phi, c, delta, k=k)
    assert e.first_move == bf["first_move"]
    assert abs(e.u_patron - bf["u_patron"]) < 5e-3
    assert abs(e.r1 - bf["r1"]) < 5e-3


def test_lottery_region_is_refused_for_k_at_least_2():
    with pytest.raises(ValueError, match="not an interval"):
        StrategicOutsiders(2).solve(1.1, 0.0005, 0.99)


@pytest.mark.parametrize("k", [1, 2])
def test_agents_play_the_strategic_offers(k):
    """Forced searches (off the path for k = 1): breakups and the protégé's payoff within 4 SE."""
    from agents.game import BREAKUP, SEARCH, play_round

    s = StrategicOutsiders(k)
    phi, c, delta = 1.1, 0.01, 0.99
    n = 100_000
    r1 = np.full(n, 0.3)
    x1, x2 = s.offers(np.random.default_rng(3), r1, None, phi, np.full(n, c), delta)
    res = play_round(r1, np.full(n, SEARCH, dtype=np.int8), phi, np.full(n, c), delta, x1, x2, solver=s)
    pred = s.search_outcome(r1[:1], phi, c, delta)
    p = float(pred["p_breakup"][0])
    assert abs((res.outcome == BREAKUP).mean() - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-12
    u = res.protege_payoff
    assert abs(u.mean() - pred["u_protege"][0]) <= 4 * u.std() / np.sqrt(n) + 1e-12
    w = res.patron_payoff
    assert abs(w.mean() - pred["u_patron"][0]) <= 4 * w.std() / np.sqrt(n) + 1e-12
