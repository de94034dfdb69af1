"""Independent numeric check of the strategic-outsider game (extension 1), from the rules only.

Outsiders' valuations: a fixed Monte Carlo sample (n_mc draws of k valuations each, U[0, 1]).
The bids are checked separately (``best_response_bids``: each valuation's best bid on a
grid against the others' bids); the game itself uses revenue equivalence (the winner pays
the expected second-highest valuation, at least the reserve), not the closed-form bids. Period 2: for every standing offer m on a grid the
patron picks r2 >= m on a grid, the protégé searches iff the sample mean of
max(r2, winning bid) - r2 exceeds c. Period 1: on a grid of r1 the acceptable set
{x >= r1 : x >= g(x)} is read off the grid of g, the auction is run on the sample with its
least element as reserve, and the protégé's and the patron's choices follow the rules.
Gaps: where the acceptable set read off the grid is not one interval, revenue equivalence
does not hold (bids that would fall in a gap pool below it). With ``band_bids`` (a function
of the intervals returning the bid function, e.g. `analytic.auction.BandAuction(...).bid`,
whose equilibrium property is tested on its own in test_outsiders.py) the auction is then
run on the sample with those bids; without it the gap is ignored (reserve = least element).
Error: Monte Carlo (~1/sqrt(n_mc)) plus the grids' steps.
"""
from __future__ import annotations

import numpy as np


def best_response_bids(k, s, others_bid, n_v=201, n_b=4001):
    """An outsider's best bid on a grid, for each valuation on a grid, in an auction with reserve s
    against k - 1 others who bid others_bid(v) (increasing) and valuations U[0, 1]; those who value
    it below s bid nothing. Checks that others_bid is an equilibrium (its own best response)."""
    v = np.linspace(s, 1.0, n_v)
    grid = np.linspace(s, 1.0, n_b)
    if k == 1:
        return v, np.full_like(v, s)
    fine = np.linspace(s, 1.0, 20001)
    b_fine = others_bid(fine)
    v_at = np.interp(grid, b_fine, fine, left=s, right=1.0)  # the valuation that bids x
    win = v_at ** (k - 1)  # P(every other bids below x)
    pay = (v[:, None] - grid[None, :]) * win[None, :]
    return v, grid[np.argmax(pay, axis=1)]


def _runs(mask, grid):
    """The maximal runs of True in mask as (first, last) grid values; a run to the end ends at 1."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return tuple((float(grid[i]), 1.0 if j == len(grid) else float(grid[j - 1]))
                 for i, j in zip(edges[::2], edges[1::2]))


def brute_force_outsiders(phi, c, delta, k=1, n_grid=401, n_mc=40000, seed=0, band_bids=None):
    rng = np.random.default_rng(seed)
    a = phi - 1.0
    vals = np.sort(rng.random((n_mc, k)), axis=1)
    top = vals[:, -1]
    second = vals[:, -2] if k > 1 else np.zeros(n_mc)

    def auction(s):
        """(P(a bid >= s), E[winning bid; bid >= s]) for reserve s, by the revenue of a
        second-price auction with reserve (equal by revenue equivalence to the bids above)."""
        win = top >= s
        return win.mean(), (np.maximum(second, s) * win).mean()

    grid = np.linspace(0.0, 1.0, n_grid)
    # period 2: for each m, patron's best r2 >= m
    stats = [auction(r) for r in grid]
    p_win = np.array([p for p, _ in stats])
    receipt = np.array([e for _, e in stats])
    gain = receipt + grid * (1 - p_win) - grid  # E max(r2, bid) - r2
    search = gain > c
    patron2 = np.where(search, (1 - grid) * (1 - p_win), 1 - grid)
    protege2 = np.where(search, -c + grid + gain - a, grid - a)
    V2 = np.empty(n_grid)
    P2 = np.empty(n_grid)
    for i, x in enumerate(grid):
        m = max(x, a)
        ok = grid >= m - 1e-12
        j = np.flatnonzero(ok)[np.argmax(patron2[ok])]
        V2[i], P2[i] = protege2[j], patron2[j]
    g = a + delta * V2
    accept_ok = grid >= g
    V0, P0 = np.interp(0.0, grid, V2), np.interp(0.0, grid, P2)
    res = []
    for r1 in grid:
        ok = accept_ok & (grid >= r1)
        A = np.flatnonzero(ok)
        runs = _runs(ok, grid)
        # a gap above the highest usual bid (reserve rho = runs[0][0], uniform valuations:
        # b(1) = 1 - (1 - rho^k) / k) changes no bid: revenue equivalence still holds
        gap_binds = len(runs) > 1 and 1.0 - (1.0 - runs[0][0] ** k) / k > runs[0][1]
        if gap_binds and band_bids is not None and k > 1:
            best = band_bids(runs)(top)  # bids rise with the valuation: the highest one wins
            sold = ~np.isnan(best)
            pw, rec = sold.mean(), np.where(sold, best, 0.0).mean()
        elif A.size:
            rho = grid[A[0]]
            pw, rec = auction(rho)
        else:
            rho, pw, rec = np.inf, 0.0, 0.0
        lose = 1 - pw
        takes_r1 = r1 >= a + delta * V0
        S = -c + rec - a * pw + lose * (r1 - a if takes_r1 else delta * V0)
        W = lose * ((1 - r1) if takes_r1 else delta * P0)
        Acc = r1 - a
        D = delta * V0
        if Acc >= S - 1e-9 and Acc >= D - 1e-9:
            res.append((1 - r1, "accept", r1, Acc, 0.0))
        elif S >= D - 1e-9:
            res.append((W, "search", r1, S, pw + lose * (0.0 if takes_r1 else 0.0)))
        else:
            res.append((delta * P0, "delay", r1, D, 0.0))
    best = max(res, key=lambda t: (t[0], t[1] == "accept", t[2]))
    return dict(u_patron=best[0], first_move=best[1], r1=best[2], u_protege=best[3], p_breakup=best[4],
                step=1.0 / (n_grid - 1))
