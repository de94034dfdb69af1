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


def optimal_search_cost(phi: float, delta: float) -> Welfare:
    """c* = argmax over c >= 0 of the protégé's expected utility (section 5, Figure 4).

    u_protege(c) is piecewise smooth; it jumps up where, as c rises, the patron switches to
    the offer accepted at once (at c = 1/32 in the paper's case, Prop. 1), and falls after.
    So: scan a grid (with 1/32 on it); if the best grid point is the first of a run where the
    first offer is accepted, bisect for the switch and take its accepted side (tie rule 1);
    otherwise refine the best grid interval with bounded Brent search. Ties go to the smaller c.
    """
    phi, _, delta = validate_scalar(phi, 0.0, delta)
    grid = np.unique(np.concatenate([_C_GRID, [C_PROP1]]))
    table = solve_many(phi, grid, delta)
    u, accepted = table["u_protege"].to_numpy(), (table["first_move"] == "accept").to_numpy()
    i = int(np.argmax(u))
    best_c, best_u = grid[i], u[i]
    if i > 0 and accepted[i] and not accepted[i - 1]:
        lo, hi = grid[i - 1], grid[i]
        while hi - lo > 1e-14:
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if solve_many(phi, mid, delta)["first_move"].iloc[0] == "accept" else (mid, hi)
        best_c, best_u = hi, _u_protege(phi, hi, delta)[0]
    else:
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
        res = minimize_scalar(lambda c: -_u_protege(phi, c, delta)[0], bounds=(lo, hi),
                              method="bounded", options={"xatol": 1e-12})
        if -res.fun > best_u:
            best_c, best_u = float(res.x), float(-res.fun)
    u0 = float(u[0])
    return Welfare(phi=phi, delta=delta, c_star=float(best_c), u_protege=float(best_u),
                   u_protege_at_zero=u0, gain_over_zero=float(best_u) - u0)


def phi_star(delta: float, tol: float = 1e-9) -> float:
    """phi*: the production cost above which c = 0 is best for the protégé (section 5).

    Found by bisection on phi in (1, 2) of "some c > 0 beats c = 0", which the paper argues
    holds below phi* and fails above it. Returns nan if c = 0 is never beaten (or always).
    """
    _, _, delta = validate_scalar(1.5, 0.0, delta)

    def positive_c_is_better(phi):
        return optimal_search_cost(phi, delta).gain_over_zero > 1e-12

    lo, hi = 1.0 + 1e-9, 2.0 - 1e-9
    if not positive_c_is_better(lo) or positive_c_is_better(hi):
        return float("nan")
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if positive_c_is_better(mid) else (lo, mid)
    return 0.5 * (lo + hi)
