"""Dividing the pie (extension 3): the game when the good's value is bargained over.

The paper gives the patron and the protégé 1 each from the good. Its first proposed
extension (section 6) lets the produced value, the "pie", be divided in a bargaining
phase after production. The division is anticipated, so what matters for the game is
what each side expects to get from the good:

* ``Benefits(patron, protege_ally, protege_ad_hoc)``: the patron's and the protégé's
  benefits when they produce together, and the protégé's when he produces with an ad hoc
  partner (the division may differ between an ally and an ad hoc partner).
* ``NashBargaining(weight, pie)``: generalized Nash bargaining (Nash 1950; Kalai 1977)
  with the protégé's weight and disagreement point (0, 0) -- the pie is lost if they do
  not agree -- gives him ``weight * pie``.
* ``AlternatingOffers(discount_protege, discount_partner, first, pie)``: Rubinstein's
  (1982) alternating offers; the proposer gets (1 - d_r) / (1 - d_p d_r) of the pie
  (d_p, d_r the proposer's and the responder's discount factors per bargaining round);
  ``first = "random"`` averages the two orders.

The paper's setting is a pie of 2 split evenly (Nash weight 1/2, or alternating offers
with equal discounts and a random first proposer): Benefits(1, 1, 1).

Payoffs with unequal benefits (a_A = phi - B_A, a_H = phi - B_H):
alliance at contribution r: protégé r - a_A, patron B_P - r; ad hoc offer x: protégé
x - a_H, patron 0; nothing: 0. Measuring the patron's offer by what it is worth to the
protégé against an ad hoc offer, r' = r - (B_H - B_A) ("ad hoc units"), the protégé gets
r' - a_H from the alliance, the patron b - r' with b = B_P + B_A - B_H, and outside offers
keep their distribution. So the game is the paper's game in which the protégé's floor is
a_H = phi' - 1 (phi' = phi - B_H + 1) and the patron's benefit is b: `analytic.general`'s
solver with ``patron_benefit = b`` solves it; `PieSolver` converts back to contributions.

The game needs (checked by `Benefits.check`): nobody produces alone (every benefit below
phi), the alliance can produce (B_P + B_A > phi), and the best ad hoc offer can pay
(phi - B_H < 1, the paper's phi < 2). Outside offers are the paper's draws (or any
distribution, extension 4): the ad hoc partner's offer does not depend on the division.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytic.division import (AlternatingOffers, Benefits, NashBargaining, nash_share,
                               rubinstein_share)
from analytic.general import GeneralSolver, Period2Profile, distribution_label, make_distribution
from analytic.params import as_number_array, validate
from analytic.result import GENERAL_FIELDS, Equilibrium


class PieSolver(Period2Profile):
    """The alliance game with unequal benefits (any outside-offer distribution F on [0, 1]).

    `solve` / `solve_many` take the real phi and report contributions (r1,
    expected_contribution) as the patron pays them; payoffs and probabilities are unit-free.
    The strategy functions (`period2`, `patron_offer_period2`, `protege_reservation_period1`,
    `protege_searches_period2`, `protege_first_move`, `search_threshold`) and the thresholds
    r_star, r_tilde of the results are those of the game in ad hoc units: phi' =
    `benefits.phi_ad_hoc_units(phi)`, the patron's offers minus `benefits.offer_shift`;
    `agents.game.play_round` converts.
    """

    def __init__(self, benefits: Benefits, dist=None, label: str | None = None, division: str | None = None):
        self.benefits = benefits
        self.game = GeneralSolver(dist, label=label, patron_benefit=benefits.patron_benefit_ad_hoc_units)
        self.division = division or benefits.describe()

    # the game in ad hoc units: the strategy object `play_round` uses
    def period2(self, x1, phi, c, rs=None):
        return self.game.period2(x1, phi, c, rs)

    def r_star(self, c):
        return self.game.r_star(c)

    def search_threshold(self, c):
        return self.game.search_threshold(c)

    def protege_first_move(self, r1, phi, c, delta):
        return self.game.protege_first_move(r1, phi, c, delta)

    def draw_offers(self, rng, r1, first_move, phi, c, delta, partners=None):
        """Offers ~ F, as the game's (the ad hoc partners' offers do not depend on the division)."""
        return self.game.draw_offers(rng, r1, first_move, phi, c, delta, partners)

    # the equilibrium in contributions
    def _validated(self, phi, c, delta):
        phi = as_number_array("phi", phi)  # nan passes here and is refused by `validate`
        self.benefits.check(phi)
        phi_h, c, delta = validate(self.benefits.phi_ad_hoc_units(phi), c, delta)
        return phi, phi_h, c, delta

    def _to_contributions(self, df: pd.DataFrame, phi) -> pd.DataFrame:
        shift = self.benefits.offer_shift
        df = df.copy()
        df["phi"] = np.broadcast_to(phi, len(df)).astype(float)
        offered = np.maximum(df["r1"].to_numpy() + shift, 0.0)  # below a_A: never taken, like 0
        df["r1"] = np.where(df["first_move"] == "delay", 0.0, offered)
        df["expected_contribution"] = df["expected_contribution"] + shift
        return df

    def solve(self, phi: float, c: float, delta: float) -> Equilibrium:
        """The equilibrium at one point; r1 and expected_contribution are contributions.

        The result has no strategy-profile methods (``solver`` None): they would be at the real
        phi, and this solver's strategy functions are in ad hoc units."""
        phi, phi_h, c, delta = self._validated(phi, c, delta)
        eq = self.game.solve(float(phi_h), float(c), float(delta))
        row = self._to_contributions(pd.DataFrame([eq.as_dict()]), float(phi)).iloc[0]
        return replace(eq, phi=float(phi), r1=float(row["r1"]),
                       expected_contribution=float(row["expected_contribution"]), solver=None)

    def solve_many(self, phi, c, delta) -> pd.DataFrame:
        """Equilibria over arrays of parameters (broadcast); one row per point (GENERAL_FIELDS)."""
        phi, phi_h, c, delta = self._validated(*np.broadcast_arrays(phi, c, delta))
        df = self.game.solve_many(phi_h, c, delta)
        return self._to_contributions(df, np.ravel(phi))[list(GENERAL_FIELDS)]

    def describe(self) -> str:
        return f"{self.division}; outside offers ~ {self.game.label}"


_CACHE: dict = {}


def pie_solver(benefits: Benefits, dist: str = "uniform", params: dict | None = None,
               division: str | None = None) -> PieSolver:
    """A (cached) PieSolver for these benefits and outside offers ~ ``scipy.stats.<dist>(**params)``."""
    params = dict(params or {})
    key = (benefits, dist, tuple(sorted(params.items())), division)
    if key not in _CACHE:
        _CACHE[key] = PieSolver(benefits, make_distribution(dist, **params), label=distribution_label(dist, params),
                                division=division)
    return _CACHE[key]


__all__ = ["AlternatingOffers", "Benefits", "NashBargaining", "PieSolver", "nash_share", "pie_solver",
           "rubinstein_share"]
