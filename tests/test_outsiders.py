"""Extension 1: strategic outsiders (``analytic.outsiders``).

* k = 1 (one outsider per search): the closed-form result for every c, delta, phi and
  valuation distribution: r1 = phi - 1 accepted at once, no breakups, protégé gets 0.
* Outsiders that offer their valuations reduce to the baseline: `truthful_solver(1)` is
  the paper's game `analytic.PAPER_GAME`, and for k = 2 it is the general game with F = H^2 (= Beta(2, 1) for uniform H).
* The auction bids are an equilibrium: each valuation's best bid on a grid against the
  others' bids (tests/brute_force_outsiders.py) is the bid itself, to 2 grid steps.
* The equilibrium against the independent brute force (Monte Carlo + grids): patron's
  payoff within 5e-3 (MC error ~ 1/sqrt(40,000) plus the 1/400 grid), same first move.
* The agents, playing the strategic offers (the solver's `draw_offers`), give
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
    assert truthful_solver(1) is analytic.PAPER_GAME
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


# ---------------------------------------------------------------- gaps in the acceptable offers
BANDS = [
    (2, None, ((0.3, 0.5), (0.6, 1.0))),                 # a pool at 0.5 up to the top
    (3, None, ((0.2, 0.45), (0.5, 0.6), (0.7, 1.0))),    # two pools, two jumps
    (2, None, ((0.5, 0.5), (0.55, 1.0))),                # a pool at the reserve, then a jump
    (2, stats.beta(2, 2), ((0.2, 0.4), (0.45, 1.0))),
]


def _win_probability(k, sorted_bids, x):
    """P(win) with bid x against k - 1 others whose bids are the empirical sample (ties split at random)."""
    from math import comb

    n = len(sorted_bids)
    lt = np.searchsorted(sorted_bids, x, side="left") / n
    eq = np.searchsorted(sorted_bids, x, side="right") / n - lt
    return sum(comb(k - 1, j) * eq**j * lt ** (k - 1 - j) / (j + 1) for j in range(k))


@pytest.mark.parametrize("k,H,intervals", BANDS)
def test_band_auction_bids_are_best_responses(k, H, intervals):
    """No valuation gains more than 1e-5 by another acceptable bid (a grid of 2,001 bids per
    interval plus every pool), against the others' bids on 200,000 valuation quantiles."""
    from analytic.auction import AuctionTables, BandAuction

    H = stats.uniform(0, 1) if H is None else H
    au = BandAuction(AuctionTables(H, k), intervals)
    pooled = [s for s in au.segments if np.isfinite(s.pool_bid) and s.v_b > s.v_a]
    assert pooled, "this configuration should have a pool"
    others = au.bid(H.ppf((np.arange(200_000) + 0.5) / 200_000))
    others = np.sort(np.where(np.isnan(others), -1.0, others))
    bids = np.unique(np.concatenate([np.linspace(lo, hi, 2001) for lo, hi in intervals]))
    v = np.linspace(intervals[0][0], 0.999, 300)
    best = ((v[:, None] - bids[None, :]) * _win_probability(k, others, bids)[None, :]).max(axis=1)
    own = au.bid(v)
    assert np.all([any(lo - 1e-12 <= b <= hi + 1e-12 for lo, hi in intervals) for b in own])
    regret = best - (v - own) * _win_probability(k, others, own)
    assert regret.max() < 1e-5


@pytest.mark.parametrize("k,H,intervals", BANDS)
def test_band_auction_revenue_matches_monte_carlo(k, H, intervals):
    from analytic.auction import AuctionTables, BandAuction

    H = stats.uniform(0, 1) if H is None else H
    au = BandAuction(AuctionTables(H, k), intervals)
    vals = H.rvs(size=(400_000, k), random_state=np.random.default_rng(5))
    b = au.bid(vals)
    top = np.where(np.isnan(b), -np.inf, b).max(axis=1)
    sold = np.isfinite(top)
    receipt = np.where(sold, top, 0.0)
    n = len(receipt)
    assert abs(sold.mean() - au.win) <= 4 * np.sqrt(au.win * (1 - au.win) / n)
    assert abs(receipt.mean() - au.offer_mass) <= 4 * receipt.std() / np.sqrt(n)


@pytest.mark.parametrize("k,s", [(2, 0.3), (3, 0.7)])
def test_band_auction_with_one_interval_is_the_usual_auction(k, s):
    from analytic.auction import AuctionTables, BandAuction

    so = StrategicOutsiders(k)
    au = BandAuction(AuctionTables(stats.uniform(0, 1), k), ((s, 1.0),))
    v = np.linspace(s, 0.999, 50)
    assert np.allclose(au.bid(v), so.bid(v, s), atol=1e-8)
    assert au.offer_mass == pytest.approx(s * au.win + so.G(s), abs=1e-7)  # revenue equivalence


@pytest.mark.parametrize("k,c,move", [(2, 0.0005, "search"), (3, 0.0002, "search"), (2, 0.0008, "accept")])
def test_small_c_with_a_gap_against_brute_force(k, c, move):
    """Where the period-2 lottery opens a gap in the acceptable offers (once refused): the
    equilibrium against the brute force on a finer grid (801 offers, 200,000 draws), which
    runs the auctions whose bids the gap changes with the band bids (checked above). At
    c = 0.0008 the pooled bids make a search worth less than r1 = 0.778, which he accepts; an
    auction that ignored the gap would have him search."""
    so = StrategicOutsiders(k)
    e = so.solve(1.1, c, 0.99)
    assert e.first_move == move and (e.offer_gaps == 1 or move == "accept")
    bf = brute_force_outsiders(1.1, c, 0.99, k=k, n_grid=801, n_mc=200_000, band_bids=lambda A: so.auction(A).bid)
    assert e.first_move == bf["first_move"]
    assert abs(e.u_patron - bf["u_patron"]) < 4e-3
    assert abs(e.r1 - bf["r1"]) < 4e-3


@pytest.mark.parametrize("k,c,r1", [(1, 0.01, 0.3), (2, 0.01, 0.3), (2, 0.0005, None)])
def test_agents_play_the_strategic_offers(k, c, r1):
    """Searches (forced at r1 = 0.3, off the path for k = 1; on the path where there is a gap):
    breakups and the protégé's payoff within 4 SE."""
    from agents.game import BREAKUP, SEARCH, play_round

    s = StrategicOutsiders(k)
    phi, delta = 1.1, 0.99
    n = 100_000
    if r1 is None:
        e = s.solve(phi, c, delta)
        assert e.first_move == "search" and e.offer_gaps == 1
        r1 = e.r1
    r1 = np.full(n, r1)
    x1, x2 = s.draw_offers(np.random.default_rng(3), r1, np.full(n, "search"), phi, np.full(n, c), delta)
    res = play_round(r1, np.full(n, SEARCH, dtype=np.int8), phi, np.full(n, c), delta, x1, x2, solver=s)
    pred = s.search_outcome(r1[:1], phi, c, delta)
    p = float(pred["p_breakup"][0])
    assert abs((res.outcome == BREAKUP).mean() - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-12
    u = res.protege_payoff
    assert abs(u.mean() - pred["u_protege"][0]) <= 4 * u.std() / np.sqrt(n) + 1e-12
    w = res.patron_payoff
    assert abs(w.mean() - pred["u_patron"][0]) <= 4 * w.std() / np.sqrt(n) + 1e-12
