"""Optimal alliance integration (section 5): the protégé's best search cost, and phi*."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from analytic.paper import C_PROP1
from analytic.params import validate_scalar
from analytic.solver import solve_many

#: Grid on which u_protege(c) is scanned before local refinement; c > (2 - phi)^2 / 2 only
#: lowers r* below phi - 1, where the protégé gets 0, so [0, 1/2] covers every c worth having.
_C_GRID = np.linspace(0.0, 0.5, 2001)


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


def _accept_switches(phi, lo, hi, delta):
    """Least c in each (lo, hi] at which the first offer is accepted, by bisection to 1e-14."""
    while np.any(hi - lo > 1e-14):
        mid = 0.5 * (lo + hi)
        accepted = (solve_many(phi, mid, delta)["first_move"] == "accept").to_numpy()
        lo, hi = np.where(accepted, lo, mid), np.where(accepted, mid, hi)
    return hi


def optimal_search_cost(phi: float, delta: float) -> Welfare:
    """c* = argmax over c >= 0 of the protégé's expected utility (section 5, Figure 4).

    u_protege(c) is piecewise smooth; it jumps up where, as c rises, the patron switches to
    the offer accepted at once (at c = 1/32 in the paper's case, Prop. 1), and falls after.
    So the candidates are: a grid (with 1/32 on it), every such switch found by bisection
    between grid points (taking its accepted side, tie rule 1), and the best grid interval
    refined by bounded Brent search. Ties go to the smaller c.
    """
    phi, _, delta = validate_scalar(phi, 0.0, delta)
    grid = np.unique(np.concatenate([_C_GRID, [C_PROP1]]))
    table = solve_many(phi, grid, delta)
    u, accepted = table["u_protege"].to_numpy(), (table["first_move"] == "accept").to_numpy()
    switch = np.flatnonzero(accepted[1:] & ~accepted[:-1])
    c_switch = _accept_switches(phi, grid[switch], grid[switch + 1], delta)
    i = int(np.argmax(u))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(lambda c: -_u_protege(phi, c, delta)[0], bounds=(lo, hi),
                          method="bounded", options={"xatol": 1e-12})
    candidates = np.concatenate([grid, c_switch, [res.x]])
    u_candidates = np.concatenate([u, _u_protege(phi, c_switch, delta), [-res.fun]])
    order = np.lexsort((candidates, -u_candidates))  # best utility, then smallest c
    best_c, best_u = candidates[order[0]], u_candidates[order[0]]
    u0 = float(u[0])
    return Welfare(phi=phi, delta=delta, c_star=float(best_c), u_protege=float(best_u),
                   u_protege_at_zero=u0, gain_over_zero=float(best_u) - u0)


#: phi* is sought on (1, PHI_STAR_TOP]; closer to 2 the protégé's gains from any c are below
#: the solver's floating-point resolution (they shrink roughly like (2 - phi)^4).
PHI_STAR_TOP = 1.999


def phi_star(delta: float, tol: float = 1e-9) -> float:
    """phi*: the production cost above which c = 0 is best for the protégé (section 5).

    Scans phi on (1, PHI_STAR_TOP] for the last phi at which some c > 0 beats c = 0, then
    bisects to the first phi beyond it where c = 0 is best. Returns 2.0 when a positive c is
    best all the way up to PHI_STAR_TOP: the paper's phi* does not exist below 2 then. (In
    the exact equilibrium this is what happens for every delta we have tried; see README.)
    """
    _, _, delta = validate_scalar(1.5, 0.0, delta)

    def positive_c_is_better(phi):
        return optimal_search_cost(phi, delta).gain_over_zero > 1e-13

    grid = np.append(np.linspace(1.0, 2.0, 21)[1:-1], PHI_STAR_TOP)
    better = np.array([positive_c_is_better(phi) for phi in grid])
    if better[-1]:
        return 2.0
    if not better.any():
        lo, hi = 1.0 + 1e-9, grid[0]
        if not positive_c_is_better(lo):
            return 1.0
    else:
        last = int(np.flatnonzero(better)[-1])
        lo, hi = grid[last], grid[last + 1]
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if positive_c_is_better(mid) else (lo, mid)
    return hi
