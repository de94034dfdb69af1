"""The front door: the solver a scenario's description names.

`make_solver(outsiders, bargaining)` takes the ``[outsiders]`` and ``[bargaining]`` tables as
`scenarios.scenario` stores them after validation:

* outsiders: ``{"model": "uniform"}`` (the paper's U[0, 1] offers), ``{"model": "distribution",
  "dist": NAME, "params": {...}}`` (offers ~ scipy.stats.NAME(**params), extension 4) or
  ``{"model": "strategic", "k": K, "dist": NAME, "params": {...}, "truthful": BOOL}`` (K
  outsiders per search with valuations ~ NAME, extension 1); None: uniform.
* bargaining: ``{}`` or None (the paper's even split) or ``{"ally": {"protocol": "nash" |
  "alternating", ...}, "ad_hoc": {...}}`` (extension 3).

Unequal benefits give the pie solver (with the outsiders' offer distribution, if any), the
paper's setting gives `analytic.PAPER_GAME`; solvers are cached, so the same description gives
the same object.
"""
from __future__ import annotations

from analytic.bargaining import pie_solver
from analytic.division import benefits_of, division_text
from analytic.general import solver_for
from analytic.outsiders import outsiders_solver
from analytic.protocol import GameSolver
from analytic.solver import PAPER_GAME


def make_solver(outsiders: dict | None = None, bargaining: dict | None = None) -> GameSolver:
    """The solver of the game a scenario's [outsiders] and [bargaining] tables describe."""
    outsiders = outsiders or {"model": "uniform"}
    model = outsiders.get("model", "uniform")
    benefits = benefits_of(bargaining)
    if not benefits.is_paper:
        return pie_solver(benefits, outsiders.get("dist", "uniform"), outsiders.get("params", {}),
                          division=division_text(bargaining))
    if model == "uniform":
        return PAPER_GAME
    if model == "strategic":
        return outsiders_solver(outsiders["k"], outsiders["dist"], outsiders["truthful"], **outsiders["params"])
    if model == "distribution":
        return solver_for(outsiders["dist"], **outsiders.get("params", {}))
    raise ValueError(f"outsiders.model must be one of uniform, distribution, strategic, got {model!r}")


__all__ = ["make_solver"]
