"""The one result type of every solver: `Equilibrium`, the equilibrium at one parameter point.

Like scipy's ``OptimizeResult``, one dataclass serves all game variants: the fields every
variant reports come first, the variant-specific ones are optional (None where a variant
does not report them). Each result knows its variant's columns (``columns``), in the order
its solver's ``solve_many`` table has them; `Equilibrium.as_dict` gives exactly those.

| field | variants | meaning |
|---|---|---|
| phi, c, delta | all | the parameters (phi: the real production cost, also for the pie solver) |
| r1 | all | the patron's first offer (a contribution) |
| first_move | all | the protégé's first move: 'accept', 'search' or 'delay' |
| u_patron, u_protege | all | expected discounted payoffs |
| p_alliance, p_breakup, p_none | all | the alliance acts / he produces with an ad hoc partner / nothing is produced |
| p_period2 | all | the game reaches period 2 |
| expected_contribution | all | E[patron's contribution given the alliance acts] (nan if it never does) |
| contribution_excess | all | expected_contribution - (phi - 1), over the free-riding minimum |
| r_star | all | period 2: the protégé searches again iff his best standing offer is below r* (eq. 3) |
| r_tilde | paper, numeric | the patron plays the period-2 lottery iff m < r~ (eq. 5; nan: never) |
| regime | paper, numeric | 'prop1' (no period-2 lottery at m = phi - 1) or 'prop2' |
| r1_star, delta_lower_bound | paper | section 3.2.1 |
| paper_assumptions_hold | paper | phi < 3/2, delta >= the lower bound, r* >= phi - 1 |
| margin | numeric (any F, pie) | patron's payoff of her choice minus her best other first move |
| k | outsiders | strategic outsiders per search |
| reserve | outsiders | the least outside offer he takes in period 1 (nan unless he searches) |
| expected_outside_offer | outsiders | E[winning outside offer given a period-1 breakup] (nan if none) |
| offer_gaps | outsiders | gaps in the acceptable outside offers at r1 (0: one interval) |

``solver`` is the solver whose strategy functions the strategy-profile methods call (None for
`analytic.bargaining.PieSolver`, whose strategy functions are in ad hoc units, not at the
reported phi).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

_COMMON = ("phi", "c", "delta", "r1", "first_move", "u_patron", "u_protege", "p_alliance", "p_breakup", "p_none",
           "p_period2", "expected_contribution", "contribution_excess")

#: The paper's game (`analytic.solve_many`): columns, in order.
EQUILIBRIUM_FIELDS = _COMMON + ("r_star", "r_tilde", "r1_star", "regime", "delta_lower_bound",
                                "paper_assumptions_hold")
#: Any outside-offer distribution, and the pie divided (`analytic.general`, `analytic.bargaining`).
GENERAL_FIELDS = _COMMON + ("r_star", "r_tilde", "regime", "margin")
#: Strategic outsiders (`analytic.outsiders`).
OUTSIDER_FIELDS = ("phi", "c", "delta", "k") + _COMMON[3:] + ("reserve", "expected_outside_offer", "r_star",
                                                              "offer_gaps")


@dataclass(frozen=True, repr=False)
class Equilibrium:
    """The subgame-perfect equilibrium at one parameter point, and its outcome (fields: module docstring)."""

    phi: float
    c: float
    delta: float
    r1: float
    first_move: str
    u_patron: float
    u_protege: float
    p_alliance: float
    p_breakup: float
    p_none: float
    p_period2: float
    expected_contribution: float
    contribution_excess: float
    r_star: float
    r_tilde: float | None = None
    regime: str | None = None
    r1_star: float | None = None
    delta_lower_bound: float | None = None
    paper_assumptions_hold: bool | None = None
    margin: float | None = None
    k: int | None = None
    reserve: float | None = None
    expected_outside_offer: float | None = None
    offer_gaps: int | None = None
    columns: tuple = field(default=EQUILIBRIUM_FIELDS, repr=False, compare=False)
    solver: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        unknown = set(self.columns) - set(_FIELD_NAMES)
        if unknown:
            raise ValueError(f"columns: unknown field(s) {sorted(unknown)}; allowed: {', '.join(_FIELD_NAMES)}")

    def __repr__(self) -> str:
        return f"Equilibrium({', '.join(f'{k}={v!r}' for k, v in self.as_dict().items())})"

    def as_dict(self) -> dict:
        """The variant's fields (``columns``), in order: one row of its solver's ``solve_many``."""
        return {name: getattr(self, name) for name in self.columns}

    # the strategy profile at this point, from the solver that made the result
    def _strategies(self):
        if self.solver is None:
            raise ValueError("this result has no strategy functions at its phi (a PieSolver's play in ad hoc"
                             " units: use the solver's functions at benefits.phi_ad_hoc_units(phi))")
        return self.solver

    def patron_offer_period2(self, x1):
        """Patron's period-2 offer given the standing outside offer x1 (0 without a first search)."""
        return self._strategies().patron_offer_period2(x1, self.phi, self.c, self.delta)

    def protege_reservation_period1(self, x1):
        """Least best standing offer the protégé takes in period 1 after a search that drew x1."""
        return self._strategies().protege_reservation_period1(x1, self.phi, self.c, self.delta)

    def protege_accepts_period1(self, r1, x1):
        """After a first search that drew x1: does the protégé take max(r1, x1) now (else period 2)?"""
        return np.maximum(r1, x1) >= self.protege_reservation_period1(x1)

    def protege_searches_period2(self, s_bar):
        """Does the protégé search in period 2 holding s_bar = max(x1, r2, phi - 1)?"""
        return self._strategies().protege_searches_period2(s_bar, self.c)

    def protege_first_move(self, r1):
        """Protégé's first move against any first offer r1."""
        return self._strategies().protege_first_move(r1, self.phi, self.c, self.delta)


_FIELD_NAMES = tuple(f.name for f in fields(Equilibrium) if f.name not in ("columns", "solver"))

__all__ = ["EQUILIBRIUM_FIELDS", "Equilibrium", "GENERAL_FIELDS", "OUTSIDER_FIELDS"]
