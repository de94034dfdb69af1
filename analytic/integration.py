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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytic.paper import C_PROP1
from analytic.params import validate
from analytic.solver import solve_many
from analytic.welfare import accept_switches

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


def choose_many(beliefs, delta, chooser="protege", c_low=0.0, c_high=0.1, n_grid=2001):
    """The chosen c for each belief in ``beliefs`` (a list of (phis, weights or None)).

    All beliefs share one grid and one ``solve_many`` call over their distinct phi values.
    Returns (c, mean u_protege, mean u_patron, objective), arrays with one entry per belief.
    """
    _check(delta, chooser, c_low, c_high, n_grid)
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
    out = np.empty((4, len(sets)))
    for k, (phis, w) in enumerate(sets):
        wfull = np.zeros(allphi.size)
        np.add.at(wfull, np.searchsorted(allphi, phis), w)
        mp, ma = wfull @ up, wfull @ ua
        obj = {"protege": mp, "patron": ma, "joint": mp * ma}[chooser]
        j = int(np.argmax(obj))  # first maximum: ties go to the smaller c
        out[:, k] = cands[j], mp[j], ma[j], obj[j]
    return out[0], out[1], out[2], out[3]


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
