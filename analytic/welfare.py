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
