"""Choosing integration (extension 2): the search cost c an alliance's members pick.

Before the alliance acts, its members choose c from [c_low, c_high]: the protégé alone
(maximizing u_protege), the patron alone (u_patron) or both jointly (the Nash product
u_protege * u_patron with disagreement point 0). They may not know phi: a belief is a set
of phi values with weights (e.g. the phi they have seen), and the chooser maximizes the
weighted mean of its expected utility (for 'joint': the product of the two mean utilities).

Candidates: a grid on [c_low, c_high] (1/32 added if inside), plus, for each phi of the
belief, every switch to the offer accepted at once between grid points, located by
bisection (``analytic.welfare.accept_switches``) -- u_protege jumps up there (Prop. 1).
All are evaluated with one vectorized ``solve_many`` call (plus one for the switches).
Ties go to the smaller c. Accuracy: the grid step away from the switches (the optimum in
a smooth stretch is found to within one grid step, (c_high - c_low) / (n_grid - 1)).

Against other outside options (``options``: piecewise-linear offer CDFs, e.g. what the
alliances of the alliance system believe, each with a patron benefit b; each belief names
its row) the same choice is made with `analytic.piecewise.solve_many`, all rows, phis and
candidates in one batched call, the switches located by a vectorized search (7 points
per interval and step, as bisection but 8-fold a step) to SWITCH_TOL.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytic import piecewise
from analytic.paper import C_PROP1
from analytic.params import validate
from analytic.solver import solve_many
from analytic.welfare import accept_switches

#: Bisection tolerance for the switches to the accepted offer against other options.
SWITCH_TOL = 1e-10
_SECTIONS = 7  # points per interval and step of the switches' search (an interval shrinks 8-fold)

CHOOSERS = ("protege", "patron", "joint")


@dataclass(frozen=True)
class ChosenIntegration:
    """The chosen c and the (belief-weighted mean) payoffs there."""

    c: float
    chooser: str
    u_protege: float
    u_patron: float
    objective: float


def _check(delta, chooser, c_low, c_high, n_grid):
    if chooser not in CHOOSERS:
        raise ValueError(f"chooser: must be one of {', '.join(CHOOSERS)}, got {chooser!r}")
    for name, v in (("c_low", c_low), ("c_high", c_high)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) or not np.isfinite(v) or v < 0:
            raise ValueError(f"{name}: must be a number >= 0, got {v!r}")
    if c_high < c_low:
        raise ValueError(f"c_high: must be >= c_low ({c_low:g}), got {c_high!r}")
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 2:
        raise ValueError(f"n_grid: must be an integer >= 2, got {n_grid!r}")
    validate(1.5, 0.0, delta)


def _grid(c_low, c_high, n_grid):
    grid = np.linspace(float(c_low), float(c_high), int(n_grid))
    if c_low < C_PROP1 < c_high:
        grid = np.append(grid, C_PROP1)
    return np.unique(grid)


def _belief_sets(beliefs, delta):
    sets = []
    for phis, weights in beliefs:
        phis = np.atleast_1d(np.asarray(phis, dtype=float)).ravel()
        if phis.size == 0:
            raise ValueError("phi: a belief needs at least one phi value")
        validate(phis, 0.0, delta)
        w = np.ones(phis.size) if weights is None else np.atleast_1d(np.asarray(weights, dtype=float)).ravel()
        if w.shape != phis.shape or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"weights: must be {phis.size} numbers >= 0 with a positive sum, got {weights!r}")
        sets.append((phis, w / w.sum()))
    return sets


def _pick(sets, allphi, cands, up, ua, chooser):
    """The best candidate for each belief: up, ua (phis, candidates) or one such per belief."""
    out = np.empty((4, len(sets)))
    for k, (phis, w) in enumerate(sets):
        wfull = np.zeros(allphi.size)
        np.add.at(wfull, np.searchsorted(allphi, phis), w)
        c_k, up_k, ua_k = (cands, up, ua) if not isinstance(up, list) else (cands[k], up[k], ua[k])
        mp, ma = wfull @ up_k, wfull @ ua_k
        obj = {"protege": mp, "patron": ma, "joint": mp * ma}[chooser]
        j = int(np.argmax(obj))  # first maximum: ties go to the smaller c
        out[:, k] = c_k[j], mp[j], ma[j], obj[j]
    return out[0], out[1], out[2], out[3]


def choose_many(beliefs, delta, chooser="protege", c_low=0.0, c_high=0.1, n_grid=2001, options=None,
                patron_benefit=1.0, market=None):
    """The chosen c for each belief in ``beliefs`` (a list of (phis, weights or None)).

    All beliefs share one grid and one ``solve_many`` call over their distinct phi values.
    ``options`` (an `analytic.piecewise.PiecewiseLinearCDF`): the outside offers' CDFs, with
    the patrons' benefits ``patron_benefit`` (one per row, or one for all), and ``market``
    the row each belief chooses against (default row 0 for all); None: the paper's U[0, 1].
    Returns (c, mean u_protege, mean u_patron, objective), arrays with one entry per belief.
    """
    _check(delta, chooser, c_low, c_high, n_grid)
    if options is not None:
        return _choose_against(beliefs, delta, chooser, c_low, c_high, n_grid, options, patron_benefit, market)
    sets = _belief_sets(beliefs, delta)
    allphi = np.unique(np.concatenate([p for p, _ in sets]))
    grid = _grid(c_low, c_high, n_grid)
    table = solve_many(allphi[:, None], grid[None, :], delta)
    shape = (allphi.size, grid.size)
    up = table["u_protege"].to_numpy().reshape(shape)
    ua = table["u_patron"].to_numpy().reshape(shape)
    acc = (table["first_move"] == "accept").to_numpy().reshape(shape)
    rows, cols = np.nonzero(acc[:, 1:] & ~acc[:, :-1])
    if rows.size:  # switches to the offer accepted at once: evaluate them for every phi
        cs = np.unique(accept_switches(allphi[rows], grid[cols], grid[cols + 1], delta))
        ts = solve_many(allphi[:, None], cs[None, :], delta)
        sshape = (allphi.size, cs.size)
        cands = np.concatenate([grid, cs])
        up = np.concatenate([up, ts["u_protege"].to_numpy().reshape(sshape)], axis=1)
        ua = np.concatenate([ua, ts["u_patron"].to_numpy().reshape(sshape)], axis=1)
        order = np.argsort(cands, kind="stable")
        cands, up, ua = cands[order], up[:, order], ua[:, order]
    else:
        cands = grid
    return _pick(sets, allphi, cands, up, ua, chooser)


def _choose_against(beliefs, delta, chooser, c_low, c_high, n_grid, F, patron_benefit, market):
    """choose_many against piecewise-linear options: every (row, phi, candidate) in one batch."""
    if not isinstance(F, piecewise.PiecewiseLinearCDF):
        raise ValueError(f"options: must be an analytic.piecewise.PiecewiseLinearCDF, got {type(F).__name__}")
    sets = _belief_sets(beliefs, delta)
    M = len(F)
    b = np.broadcast_to(np.asarray(patron_benefit, dtype=float), (M,))
    market = np.zeros(len(sets), dtype=np.intp) if market is None else np.asarray(market, dtype=np.intp)
    if market.shape != (len(sets),) or np.any((market < 0) | (market >= M)):
        raise ValueError(f"market: must give a row of options (0 .. {M - 1}) for each of the {len(sets)} beliefs")
    used = np.unique(market)
    allphi = np.unique(np.concatenate([p for p, _ in sets]))
    grid = _grid(c_low, c_high, n_grid)
    P, G, U = allphi.size, grid.size, used.size

    def solve(rows, phi, c):  # points: F row, phi, c (arrays of one shape)
        rows, phi, c = (np.ravel(v) for v in np.broadcast_arrays(rows, phi, c))
        return piecewise.solve_many(F.take(rows), phi, c, delta, b[rows])

    shape = (U, P, G)
    table = solve(used[:, None, None], allphi[None, :, None], grid[None, None, :])
    up = table["u_protege"].to_numpy().reshape(shape)
    ua = table["u_patron"].to_numpy().reshape(shape)
    acc = (table["first_move"] == "accept").to_numpy().reshape(shape)
    mi, pi, gi = np.nonzero(acc[:, :, 1:] & ~acc[:, :, :-1])
    lo, hi = grid[gi], grid[gi + 1]
    k = np.arange(1, _SECTIONS + 1) / (_SECTIONS + 1)
    while lo.size and np.any(hi - lo > SWITCH_TOL):  # the least c accepted at once, per switch:
        pts = lo[:, None] + (hi - lo)[:, None] * k    # _SECTIONS points per interval and call
        accepted = (solve(used[mi][:, None], allphi[pi][:, None], pts)["first_move"] == "accept").to_numpy()
        accepted = np.concatenate([accepted.reshape(pts.shape), np.ones((lo.size, 1), bool)], axis=1)
        first = np.argmax(accepted, axis=1)           # the first accepted point (hi if none)
        ends = np.concatenate([lo[:, None], pts, hi[:, None]], axis=1)
        lo, hi = ends[np.arange(lo.size), first], ends[np.arange(lo.size), first + 1]
    # each used row's candidates: the grid and its switches (for any phi), evaluated at every phi
    cands, ups, uas = {}, {}, {}
    extra = [np.unique(hi[mi == u]) for u in range(U)]
    if sum(e.size for e in extra):
        er = np.concatenate([np.full(e.size * P, u) for u, e in enumerate(extra)])
        ep = np.concatenate([np.repeat(allphi[None, :], e.size, axis=0).ravel() for e in extra])
        ec = np.concatenate([np.repeat(e, P) for e in extra])
        ts = solve(used[er], ep, ec)
        eu, ea = ts["u_protege"].to_numpy(), ts["u_patron"].to_numpy()
    start = 0
    for u, e in enumerate(extra):
        c_all = np.concatenate([grid, e])
        order = np.argsort(c_all, kind="stable")
        part = slice(start, start + e.size * P)
        start += e.size * P
        up_u = np.concatenate([up[u], eu[part].reshape(e.size, P).T], axis=1) if e.size else up[u]
        ua_u = np.concatenate([ua[u], ea[part].reshape(e.size, P).T], axis=1) if e.size else ua[u]
        cands[u], ups[u], uas[u] = c_all[order], up_u[:, order], ua_u[:, order]
    which = np.searchsorted(used, market)
    return _pick(sets, allphi, [cands[u] for u in which], [ups[u] for u in which], [uas[u] for u in which],
                 chooser)


def chosen_search_cost(phi, delta, chooser="protege", c_low=0.0, c_high=0.1, weights=None,
                       n_grid=2001) -> ChosenIntegration:
    """The c in [c_low, c_high] maximizing the chooser's expected utility.

    ``phi`` is one value or a sample of values (the belief), ``weights`` their weights
    (default equal); the chooser maximizes the weighted mean utility ('joint': the product
    of the mean u_protege and mean u_patron). Ties go to the smaller c.
    """
    c, mp, ma, obj = choose_many([(phi, weights)], delta, chooser, c_low, c_high, n_grid)
    return ChosenIntegration(c=float(c[0]), chooser=chooser, u_protege=float(mp[0]),
                             u_patron=float(ma[0]), objective=float(obj[0]))


def chosen_search_costs(phis, delta, chooser="protege", c_low=0.0, c_high=0.1, n_grid=2001) -> np.ndarray:
    """The chosen c for each phi (each a sure belief), in one vectorized pass."""
    phis = np.atleast_1d(np.asarray(phis, dtype=float)).ravel()
    return choose_many([(p, None) for p in phis], delta, chooser, c_low, c_high, n_grid)[0]


__all__ = ["CHOOSERS", "ChosenIntegration", "choose_many", "chosen_search_cost", "chosen_search_costs"]
