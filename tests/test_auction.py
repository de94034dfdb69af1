"""The gap auction (analytic.auction.BandAuction) on its own: its bids are an equilibrium.

k outsiders with valuations ~ H (iid) bid for the protégé, who takes the highest bid if it
is in the acceptable set A = [l_0, h_0] ∪ ... ∪ [l_m, 1]; a bid in a gap never wins.
For each configuration (interval sets chosen by hand, k = 2 and 3, uniform and Beta
valuations, and the solver's own A(r1) at phi = 1.1, c = 0.001, delta = .99 where the
period-2 lottery opens a gap):

* the bids are acceptable, non-decreasing in v, and there is no bid below the reserve l_0;
* no type gains by deviating: for valuations v on a grid, one bidder's payoff from every
  bid b' on a fine grid of each acceptable interval (4,001 points, plus the pools' bids
  and the interval ends) and from not bidding (0) is computed exactly against k - 1
  others who play ``bid``: each other bids below b' with probability q_lt = H(v_lt(b')),
  v_lt(b') = sup{v : bid(v) < b'}, and exactly b' with probability q_eq = H(v_le(b')) - q_lt
  (a pool), found by bisection on the monotone bid function with scipy's H, not the
  auction's tables; ties are split at random, so
  P(win) = sum_j C(k-1, j) q_eq^j q_lt^(k-1-j) / (j + 1). The best deviation may gain at
  most 1e-8 over the equilibrium bid (the largest gain measured is 5e-10; moving a pool's
  lower type by 0.005 gives gains of 5e-4 to 1e-3; the deviation grid's step, <= 1.25e-4,
  hides gains of order its square at most, ~1e-8, near a smooth optimum);
* the expected winning bid (``offer_mass``) and the chance someone bids (``win``) match an
  exact integration of the bids against d(H^k) with scipy's H.
"""
from __future__ import annotations

from math import comb

import numpy as np
import pytest
from scipy import stats

from analytic.auction import AuctionTables, BandAuction
from analytic.outsiders import StrategicOutsiders

UNIFORM = stats.uniform(0.0, 1.0)
REGRET_TOLERANCE = 1e-8


def _solver_intervals(k, r1):
    """A(r1) of the strategic-outsider solver at phi = 1.1, c = 0.001, delta = .99 (it has a gap)."""
    A = StrategicOutsiders(k).acceptable(r1, 1.1, 0.001, 0.99)
    assert len(A) == 2, A
    return A


CONFIGS = [
    pytest.param(2, UNIFORM, ((0.25, 0.45), (0.55, 1.0)), id="k2-uniform-one-gap"),
    pytest.param(2, UNIFORM, ((0.2, 0.3), (0.35, 0.5), (0.8, 1.0)), id="k2-uniform-two-gaps"),
    pytest.param(3, UNIFORM, ((0.2, 0.4), (0.5, 0.65), (0.75, 1.0)), id="k3-uniform-two-gaps"),
    pytest.param(3, UNIFORM, ((0.4, 0.4), (0.6, 1.0)), id="k3-uniform-pool-at-the-reserve"),
    pytest.param(2, stats.beta(2, 3), ((0.15, 0.35), (0.5, 1.0)), id="k2-beta23"),
    pytest.param(3, stats.beta(2, 2), ((0.3, 0.5), (0.52, 1.0)), id="k3-beta22-narrow-gap"),
    pytest.param(2, UNIFORM, "solver-0", id="k2-solver-A(0)"),
    pytest.param(2, UNIFORM, "solver-0.725", id="k2-solver-A(0.725)"),
    pytest.param(3, UNIFORM, "solver-0", id="k3-solver-A(0)"),
]


def _auction(k, H, intervals):
    if isinstance(intervals, str):
        intervals = _solver_intervals(k, float(intervals.split("-")[1]))
    return BandAuction(AuctionTables(H, k), intervals), tuple(intervals)


def _bids(au, v):
    """The equilibrium bids with 'no bid' as -inf (below every acceptable bid)."""
    b = au.bid(v)
    return np.where(np.isnan(b), -np.inf, b)


def _sup_below(au, b, strict):
    """sup{v in [0, 1] : bid(v) < b} (strict) or <= b, by bisection on the monotone bid function."""
    lo, hi = np.zeros_like(b), np.ones_like(b)
    for _ in range(55):
        mid = 0.5 * (lo + hi)
        bm = _bids(au, mid)
        below = bm < b if strict else bm <= b
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return lo


def _win_probability(au, H, k, b):
    """P(a bid b wins) against k - 1 others playing ``au.bid``, ties split at random (exact in H)."""
    q_lt = np.asarray(H.cdf(_sup_below(au, b, strict=True)), dtype=float)
    q_eq = np.asarray(H.cdf(_sup_below(au, b, strict=False)), dtype=float) - q_lt
    return sum(comb(k - 1, j) * q_eq**j * q_lt ** (k - 1 - j) / (j + 1) for j in range(k))


def _acceptable(b, intervals):
    return np.any([(b >= lo - 1e-12) & (b <= hi + 1e-12) for lo, hi in intervals], axis=0)


@pytest.mark.parametrize("k,H,intervals", CONFIGS)
def test_bids_are_acceptable_and_monotone(k, H, intervals):
    au, intervals = _auction(k, H, intervals)
    v = np.linspace(0.0, 1.0, 20001)
    b = au.bid(v)
    below = v < au.reserve
    assert np.isnan(b[below]).all() and not np.isnan(b[~below]).any()
    assert _acceptable(b[~below], intervals).all()
    assert (np.diff(b[~below]) >= -1e-12).all()
    assert au.win == pytest.approx(1.0 - float(H.cdf(au.reserve)) ** k, abs=1e-9)


@pytest.mark.parametrize("k,H,intervals", CONFIGS)
def test_no_valuation_gains_by_deviating(k, H, intervals):
    au, intervals = _auction(k, H, intervals)
    pools = [s.pool_bid for s in au.segments if np.isfinite(s.pool_bid) and s.v_b > s.v_a]
    deviations = np.unique(np.concatenate(
        [np.linspace(lo, hi, 4001) for lo, hi in intervals] + [np.array(pools), np.ravel(intervals)]))
    win_dev = _win_probability(au, H, k, deviations)
    v = np.linspace(au.reserve, 0.999, 241)
    best = np.maximum(((v[:, None] - deviations[None, :]) * win_dev[None, :]).max(axis=1), 0.0)  # 0: no bid
    own = au.bid(v)
    payoff = (v - own) * _win_probability(au, H, k, own)
    regret = best - payoff
    worst = int(np.argmax(regret))
    assert regret[worst] <= REGRET_TOLERANCE, (
        f"v = {v[worst]:.4f} bids {own[worst]:.5f} for {payoff[worst]:.3e}; a deviation gets {best[worst]:.3e}")
    assert payoff.min() >= -1e-12  # no type pays more than it values the good


@pytest.mark.parametrize("k,H,intervals", CONFIGS)
def test_expected_winning_bid_matches_exact_integration(k, H, intervals):
    au, _ = _auction(k, H, intervals)
    edges = np.linspace(au.reserve, 1.0, 400_001)
    mid = 0.5 * (edges[1:] + edges[:-1])
    mass = np.diff(np.asarray(H.cdf(edges), dtype=float) ** k)  # P(the highest valuation is in the cell)
    assert float((au.bid(mid) * mass).sum()) == pytest.approx(au.offer_mass, abs=2e-6)


@pytest.mark.parametrize("k,s", [(2, 0.3), (3, 0.6)])
def test_one_interval_is_the_first_price_auction_with_reserve(k, s):
    """Uniform valuations: b(v) = ((k - 1) v^k + s^k) / (k v^(k-1)), the textbook closed form."""
    au = BandAuction(AuctionTables(UNIFORM, k), ((s, 1.0),))
    v = np.linspace(s, 0.999, 200)
    assert np.allclose(au.bid(v), ((k - 1) * v**k + s**k) / (k * v ** (k - 1)), atol=1e-8)
    assert len(au.segments) == 1 and not np.isfinite(au.segments[0].pool_bid)
