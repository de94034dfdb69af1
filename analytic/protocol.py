"""The interface every game variant's solver implements: `GameSolver`.

A solver answers two kinds of question. For the analysis: the equilibrium at one point
(`solve`, an `analytic.result.Equilibrium`) or at many (`solve_many`, a DataFrame of one row
per point whose columns are the variant's, e.g. `analytic.result.EQUILIBRIUM_FIELDS`). For the
agents (`agents.game.play_round`, `agents.model.AllianceModel`): the strategy functions they
play draw by draw, the outside offers of a round (`draw_offers`) and what the good is worth
to each side (`benefits`). The variants: the paper's game (`analytic.solver.PaperGame`), any
outside-offer distribution (`analytic.general.GeneralSolver`), strategic outsiders
(`analytic.outsiders.StrategicOutsiders`) and the pie divided (`analytic.bargaining.PieSolver`).
`analytic.make_solver` builds the one a scenario describes.

Units: the strategy functions are those of the game the solver plays. For every variant but
the pie solver that is the game at the real phi with contributions as paid; the pie solver
plays in ad hoc units (phi' = ``benefits.phi_ad_hoc_units(phi)``, the patron's offers minus
``benefits.offer_shift``), and `play_round` converts with ``benefits``: a solver whose
``benefits.is_paper`` is played as is.

An abstract base class rather than a ``typing.Protocol``: ``isinstance(s, GameSolver)`` then
means that s declares the whole interface (a runtime-checkable Protocol only checks that the
names exist), a solver missing a method fails when it is built rather than in the middle of
a run, and the defaults every variant but one shares (``benefits``, ``vectorized``) are
written once, here.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import pandas as pd

from analytic.division import PAPER_BENEFITS, Benefits


class GameSolver(ABC):
    """A game variant: its equilibrium, and the strategy profile and outside offers the agents play."""

    #: What the good is worth to each side (the paper's Benefits(1, 1, 1) unless the pie is divided).
    benefits: Benefits = PAPER_BENEFITS
    #: True: `solve_many` is an exact vectorized solve (thousands of points a second), so callers
    #: may ask it for fine grids; False: a numeric solve of about a second a point.
    vectorized: bool = False

    @abstractmethod
    def solve(self, phi: float, c: float, delta: float):
        """The equilibrium at one point, an `analytic.result.Equilibrium`."""

    @abstractmethod
    def solve_many(self, phi, c, delta) -> pd.DataFrame:
        """Equilibria over arrays of parameters (broadcast together); one row per point, the variant's columns."""

    @abstractmethod
    def protege_first_move(self, r1, phi, c, delta):
        """The protégé's first move ('accept' | 'search' | 'delay') against any first offer r1."""

    @abstractmethod
    def protege_reservation_period1(self, x1, phi, c, delta):
        """g(x1): after a first search that drew x1, he takes max(r1, x1) now iff it is >= g(x1)."""

    @abstractmethod
    def patron_offer_period2(self, x1, phi, c, delta):
        """The patron's period-2 offer r2 given the standing outside offer x1 (0 without a first search;
        nan: she makes no offer he would take)."""

    @abstractmethod
    def protege_searches_period2(self, s_bar, c):
        """Does the protégé search in period 2 holding s_bar = max(x1, r2, phi - 1)?"""

    @abstractmethod
    def draw_offers(self, rng: np.random.Generator, r1, first_move, phi, c, delta, partners=None):
        """The outside offers (x1, x2) of one round for n alliances, from ``rng``.

        r1: the patron's first offers (n,); first_move: the protégé's first moves (n,
        'accept' | 'search' | 'delay'); phi, c: scalars or (n,); delta: a scalar; partners:
        (p1, p2), the pool positions of the ad hoc partners a first and a second search would
        meet (-1 where there is none), or None. x1 is looked at only where he searches in
        period 1, x2 only where he searches in period 2 (after no acceptable x1).
        """

    @abstractmethod
    def describe(self) -> str:
        """One line saying which game this is."""


def independent_offers(rng: np.random.Generator, n: int, inverse_cdf=None) -> tuple[np.ndarray, np.ndarray]:
    """Offers (x1, x2) drawn independently from F for n alliances: ``inverse_cdf`` of the uniforms
    ``rng.random((2, n))`` (None: F = U[0, 1], the uniforms themselves)."""
    u = rng.random((2, n))
    if inverse_cdf is None:
        return u[0], u[1]
    return np.asarray(inverse_cdf(u[0]), dtype=float), np.asarray(inverse_cdf(u[1]), dtype=float)


__all__ = ["GameSolver", "independent_offers"]
