"""Optimal alliance integration (section 5): the protégé's best search cost, and phi*."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from analytic.paper import C_PROP1
from analytic.params import validate, validate_scalar
from analytic.solver import solve_many

#: Grid on which u_protege(c) is scanned before local refinement; c > (2 - phi)^2 / 2 only
#: lowers r* below phi - 1, where the protégé gets 0, so [0, 1/2] covers every c worth having.
_C_GRID = np.unique(np.append(np.linspace(0.0, 0.5, 2001), C_PROP1))

#: phi* is sought on (1, PHI_STAR_TOP]; closer to 2 the protégé's gains from any c are below
#: the solver's floating-point resolution (they shrink roughly like (2 - phi)^4).
PHI_STAR_TOP = 1.999


@dataclass(frozen=True)
class Welfare:
    """The search cost c* that maximizes the protégé's expected utility (Figure 4)."""

    phi: float
    delta: float
    c_star: float
    u_protege: float          # at c*
    u_protege_at_zero: float  # at c = 0: no institutional cost of searching
    gain_over_zero: float     # u_protege - u_protege_at_zero


def _u_protege(phi, c, delta):
    return solve_many(phi, c, delta)["u_protege"].to_numpy()


def accept_switches(phi, lo, hi, delta):
    """Least c in each (lo, hi] at which the first offer is accepted, by bisection to 1e-14."""
    while np.any(hi - lo > 1e-14):
        mid = 0.5 * (lo + hi)
        accepted = (solve_many(phi, mid, delta)["first_move"] == "accept").to_numpy()
        lo, hi = np.where(accepted, lo, mid), np.where(accepted, mid, hi)
    return hi


def _scan(phis, delta):
    """For each phi: the best c among the grid and the switches to the accepted offer.

    u_protege(c) is piecewise smooth; it jumps up where, as c rises, the patron switches to
    the offer accepted at once (at c = 1/32 in the paper's case, Prop. 1), and falls after.
    Each switch between grid points is found by bisection and its accepted side taken (tie
    rule 1). Returns (c, u, u at c = 0, index of c in the grid or -1 for a switch).
    """
    phis = np.asarray(phis, dtype=float)
    table = solve_many(phis[:, None], _C_GRID[None, :], delta)
    u = table["u_protege"].to_numpy().reshape(len(phis), -1)
    accepted = (table["first_move"] == "accept").to_numpy().reshape(u.shape)
    rows, cols = np.nonzero(accepted[:, 1:] & ~accepted[:, :-1])
    c_switch = accept_switches(phis[rows], _C_GRID[cols], _C_GRID[cols + 1], delta)
    u_switch = _u_protege(phis[rows], c_switch, delta) if len(rows) else np.empty(0)
    best_col = np.argmax(u, axis=1)  # first maximum: ties go to the smaller c
    best_c, best_u = _C_GRID[best_col], u[np.arange(len(phis)), best_col]
    origin = best_col.copy()
    for row, c, value in zip(rows, c_switch, u_switch):
        if value > best_u[row] or (value == best_u[row] and c < best_c[row]):
            best_c[row], best_u[row], origin[row] = c, value, -1
    return best_c, best_u, u[:, 0], origin


def optimal_search_cost(phi: float, delta: float) -> Welfare:
    """c* = argmax over c >= 0 of the protégé's expected utility (section 5, Figure 4).

    Candidates: a grid on [0, 1/2] (with 1/32 on it), every switch to the offer accepted at
    once (by bisection), and, where the best is a grid point, bounded Brent search on the two
    grid intervals around it. Ties go to the smaller c.
    """
    phi, _, delta = validate_scalar(phi, 0.0, delta)
    c_best, u_best, u_zero, origin = (v[0] for v in _scan([phi], delta))
    if origin >= 0:
        lo, hi = _C_GRID[max(origin - 1, 0)], _C_GRID[min(origin + 1, len(_C_GRID) - 1)]
        res = minimize_scalar(lambda c: -_u_protege(phi, c, delta)[0], bounds=(lo, hi),
                              method="bounded", options={"xatol": 1e-12})
        if -res.fun > u_best:
            c_best, u_best = float(res.x), float(-res.fun)
    return Welfare(phi=phi, delta=delta, c_star=float(c_best), u_protege=float(u_best),
                   u_protege_at_zero=float(u_zero), gain_over_zero=float(u_best - u_zero))


def _simplest_binary_fraction(lo: float, hi: float) -> float:
    """The float in (lo, hi] with the shortest binary expansion (the fewest mantissa bits)."""
    for bits in range(0, 53):
        scale = 2.0 ** (bits - int(np.floor(np.log2(hi))))
        x = np.floor(hi * scale) / scale
        if lo < x <= hi:
            return float(x)
    return hi


def least_accepted_c(solver, phi: float, lo: float, hi: float, delta: float, tol: float = 1e-13) -> float:
    """The least c in (lo, hi] at which ``solver``'s protégé accepts the first offer (he
    searches or delays at lo, accepts at hi): bisection to ``tol``, then the simplest binary
    fraction in what is left is tried, which is the answer exactly when it is accepted and
    the float just below it is not (1/32 in the paper's case); else the bisection's upper end."""
    def accepts(c: float) -> bool:
        return solver.solve(phi, c, delta).first_move == "accept"

    lo, hi = float(lo), float(hi)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            return hi
        lo, hi = (lo, mid) if accepts(mid) else (mid, hi)
    x = _simplest_binary_fraction(lo, hi)
    below = float(np.nextafter(x, -np.inf))
    if x < hi and accepts(x) and (below <= lo or not accepts(below)):
        return x
    if x == hi and (below <= lo or not accepts(below)):
        return x
    return hi


@dataclass(frozen=True)
class GridWelfare(Welfare):
    """c* found from a grid of search costs, with what the grid alone said."""

    c_star_on_grid: float = float("nan")  # the grid's best point
    grid_step: float = float("nan")
    #: True when the grid cannot be trusted to show c*: the optimum lies more than one grid
    #: step from the grid's best point, or at the grid's end (it may lie beyond)
    grid_too_coarse: bool = False


def optimal_search_cost_on_grid(solver, phi: float, delta: float, c, table=None) -> GridWelfare:
    """c* for any ``analytic.GameSolver`` over the search costs ``c`` (sorted, >= 2 of them),
    by the method of :func:`optimal_search_cost`: the grid's best point, every switch to the
    offer accepted at once between grid points (by bisection, its accepted side taken: tie
    rule 1), and bounded Brent search on the grid intervals around the best point where the
    first move does not change. Ties go to the smaller c. ``table``: the solver's
    ``solve_many`` over ``c``, if already at hand."""
    c = np.asarray(c, dtype=float)
    if c.ndim != 1 or c.size < 2 or np.any(np.diff(c) <= 0):
        raise ValueError(f"c: must be at least 2 increasing search costs, got {c!r}")
    if table is None:
        table = solver.solve_many(phi=phi, c=c, delta=delta)
    u = np.asarray(table["u_protege"], dtype=float)
    moves = np.asarray(table["first_move"])

    def u_at(x: float) -> float:
        return float(solver.solve(phi, float(x), delta).u_protege)

    i = int(np.argmax(u))  # first maximum: ties go to the smaller c
    candidates = [(float(c[i]), float(u[i]))]
    accepted = moves == "accept"
    for j in np.flatnonzero(accepted[1:] & ~accepted[:-1]):
        switch = least_accepted_c(solver, phi, c[j], c[j + 1], delta)
        candidates.append((switch, u_at(switch)))
    lo = c[i - 1] if i > 0 and moves[i - 1] == moves[i] else c[i]
    hi = c[i + 1] if i + 1 < c.size and moves[i + 1] == moves[i] else c[i]
    if hi > lo:
        res = minimize_scalar(lambda x: -u_at(x), bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        candidates.append((float(res.x), float(-res.fun)))
    c_star, u_star = min(candidates, key=lambda cu: (-cu[1], cu[0]))
    step = float(np.max(np.diff(c)))
    coarse = bool(abs(c_star - c[i]) > step * (1 + 1e-9) or (i == c.size - 1 and c_star >= c[-1]))
    return GridWelfare(phi=float(phi), delta=float(delta), c_star=c_star, u_protege=u_star,
                       u_protege_at_zero=float(u[0]) if c[0] == 0 else u_at(0.0),
                       gain_over_zero=u_star - (float(u[0]) if c[0] == 0 else u_at(0.0)),
                       c_star_on_grid=float(c[i]), grid_step=step, grid_too_coarse=coarse)


def _positive_c_is_better(phis, delta):
    _, u_best, u_zero, _ = _scan(phis, delta)
    return u_best - u_zero > 1e-13


def phi_star(delta: float, tol: float = 1e-9) -> float:
    """phi*: the production cost above which c = 0 is best for the protégé (section 5).

    Scans phi on (1, PHI_STAR_TOP] for the last phi at which some c > 0 beats c = 0, then
    narrows the interval after it to `tol` (16 points a round). Returns 2.0 when a positive c
    is best all the way up to PHI_STAR_TOP: the paper's phi* does not exist below 2 then. (In
    the exact equilibrium this is what happens for every delta we have tried; see
    docs/equilibrium.md.) Returns 1.0 if c = 0 is best already just above phi = 1.
    """
    validate(1.5, 0.0, delta)
    delta = float(delta)
    grid = np.concatenate([[1.0 + 1e-9], np.linspace(1.0, 2.0, 21)[1:-1], [PHI_STAR_TOP]])
    better = _positive_c_is_better(grid, delta)
    if better[-1]:
        return 2.0
    if not better[0]:
        return 1.0
    last = int(np.flatnonzero(better)[-1])
    lo, hi = grid[last], grid[last + 1]
    while hi - lo > tol:
        inner = np.linspace(lo, hi, 18)[1:-1]
        better = _positive_c_is_better(inner, delta)
        points = np.concatenate([[lo], inner, [hi]])
        last = int(np.flatnonzero(np.concatenate([[True], better, [False]]))[-1])
        lo, hi = points[last], points[last + 1]
    return float(hi)
