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

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analytic.general import (GENERAL_FIELDS, GeneralEquilibrium, GeneralSolver, Period2Profile, distribution_label,
                              make_distribution)
from analytic.params import _as_float_array, validate

PAPER_PIE = 2.0  # the paper: the good is worth 1 to each of the two producers
PROPOSERS = ("protege", "partner", "random")


def nash_share(weight: float, pie: float) -> float:
    """The protégé's part of the pie under generalized Nash bargaining, disagreement (0, 0):
    argmax_s s^w (pie - s)^(1 - w) = w pie (Nash 1950; Kalai 1977)."""
    return weight * pie


def rubinstein_share(proposer_discount: float, responder_discount: float) -> float:
    """The first proposer's fraction of the pie in Rubinstein's (1982) alternating-offers game:
    (1 - d_r) / (1 - d_p d_r)."""
    return (1.0 - responder_discount) / (1.0 - proposer_discount * responder_discount)


@dataclass(frozen=True)
class NashBargaining:
    """Generalized Nash bargaining over the pie; ``weight`` is the protégé's bargaining weight."""

    weight: float = 0.5
    pie: float = PAPER_PIE

    def __post_init__(self):
        _in_range("weight", self.weight, 0.0, 1.0, lo_open=True, hi_open=True)
        _in_range("pie", self.pie, 0.0, 1e6, lo_open=True)

    def protege_value(self) -> float:
        return nash_share(self.weight, self.pie)

    def describe(self) -> str:
        return f"Nash bargaining, protégé's weight {self.weight:g}, pie {self.pie:g}"


@dataclass(frozen=True)
class AlternatingOffers:
    """Rubinstein bargaining over the pie; discounts per bargaining round, ``first`` proposer."""

    discount_protege: float = 0.9
    discount_partner: float = 0.9
    first: str = "random"
    pie: float = PAPER_PIE

    def __post_init__(self):
        _in_range("discount_protege", self.discount_protege, 0.0, 1.0, hi_open=True)
        _in_range("discount_partner", self.discount_partner, 0.0, 1.0, hi_open=True)
        if self.first not in PROPOSERS:
            raise ValueError(f"first must be one of {', '.join(PROPOSERS)}, got {self.first!r}")
        _in_range("pie", self.pie, 0.0, 1e6, lo_open=True)

    def protege_value(self) -> float:
        leads = rubinstein_share(self.discount_protege, self.discount_partner)
        follows = 1.0 - rubinstein_share(self.discount_partner, self.discount_protege)
        frac = {"protege": leads, "partner": follows, "random": 0.5 * (leads + follows)}[self.first]
        return frac * self.pie

    def describe(self) -> str:
        return (f"alternating offers, discounts {self.discount_protege:g} (protégé) / "
                f"{self.discount_partner:g} (partner), first {self.first}, pie {self.pie:g}")


def _in_range(name, v, lo, hi, lo_open=False, hi_open=False):
    """One-line ValueError unless v is a finite number in the interval."""
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and bool(np.isfinite(v))
    ok = ok and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    if not ok:
        allowed = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
        raise ValueError(f"{name} must be a number in {allowed}, got {v!r}")


@dataclass(frozen=True)
class Benefits:
    """What the good is worth to each side once the pie is divided (the paper: 1 each)."""

    patron: float = 1.0          # B_P, the patron's benefit when the alliance produces
    protege_ally: float = 1.0    # B_A, the protégé's benefit when he produces with the patron
    protege_ad_hoc: float = 1.0  # B_H, the protégé's benefit when he produces with an ad hoc partner

    @classmethod
    def from_divisions(cls, ally=None, ad_hoc=None) -> "Benefits":
        """Benefits from the bargaining over the alliance's pie and the ad hoc partnership's."""
        ally = ally or NashBargaining()
        ad_hoc = ad_hoc or NashBargaining()
        return cls(patron=ally.pie - ally.protege_value(), protege_ally=ally.protege_value(),
                   protege_ad_hoc=ad_hoc.protege_value())

    @property
    def is_paper(self) -> bool:
        return self == Benefits()

    @property
    def offer_shift(self) -> float:
        """B_H - B_A: a contribution r is worth r - shift to the protégé in ad hoc units."""
        return self.protege_ad_hoc - self.protege_ally

    @property
    def patron_benefit_ad_hoc_units(self) -> float:
        """b = B_P + B_A - B_H: the patron's payoff is b - r' for an offer r' in ad hoc units."""
        return self.patron + self.protege_ally - self.protege_ad_hoc

    def phi_ad_hoc_units(self, phi):
        """phi' = phi - B_H + 1: the paper's game with floor phi' - 1 = a_H."""
        return np.asarray(phi, dtype=float) - self.protege_ad_hoc + 1.0

    def phi_range(self) -> tuple[float, float]:
        """The open interval of phi for which the game is defined (see `check`)."""
        lo = max(self.patron, self.protege_ally, self.protege_ad_hoc)
        hi = min(self.patron + self.protege_ally, self.protege_ad_hoc + 1.0)
        return lo, hi

    def check(self, phi) -> None:
        """One-line ValueError unless the game with these benefits is defined at every phi."""
        phi = np.asarray(phi, dtype=float)
        lo, hi = self.phi_range()
        rules = (
            (phi <= self.patron, f"the patron's benefit {self.patron:g} must stay below phi (nobody produces alone)"),
            (phi <= self.protege_ally,
             f"the protégé's benefit with his ally {self.protege_ally:g} must stay below phi (nobody produces alone)"),
            (phi <= self.protege_ad_hoc, f"the protégé's benefit with an ad hoc partner {self.protege_ad_hoc:g}"
                                         " must stay below phi (nobody produces alone)"),
            (phi >= self.patron + self.protege_ally, "the alliance's benefits (patron + protégé"
                                                     f" = {self.patron + self.protege_ally:g}) must exceed phi"),
            (phi >= self.protege_ad_hoc + 1.0, "phi - the protégé's ad hoc benefit must be below 1"
                                               " (the best outside offer must make producing pay)"),
        )
        for bad, why in rules:
            if np.any(bad):
                first = float(phi[bad].ravel()[0]) if phi.ndim else float(phi)
                raise ValueError(f"phi = {first:g} is outside the game with these benefits ({why});"
                                 f" allowed phi in ({lo:g}, {hi:g})")

    def describe(self) -> str:
        return (f"benefits: patron {self.patron:g}, protégé {self.protege_ally:g} with the ally,"
                f" {self.protege_ad_hoc:g} with an ad hoc partner")


class PieSolver(Period2Profile):
    """The alliance game with unequal benefits (any outside-offer distribution F on [0, 1]).

    `solve` / `solve_many` take the real phi and report contributions (r1,
    expected_contribution) as the patron pays them; payoffs and probabilities are unit-free.
    The strategy functions (`period2`, `patron_offer_period2`, `protege_reservation_period1`,
    `protege_searches_period2`, `search_threshold`) and the thresholds r_star, r_tilde of the
    results are those of the game in ad hoc units: phi' = `benefits.phi_ad_hoc_units(phi)`,
    the patron's offers minus `benefits.offer_shift`; `agents.game.play_round` converts.
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

    def outside_offer(self, u):
        return self.game.outside_offer(u)

    # the equilibrium in contributions
    def _validated(self, phi, c, delta):
        phi = _as_float_array("phi", phi)  # nan passes here and is refused by `validate`
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

    def solve(self, phi: float, c: float, delta: float) -> GeneralEquilibrium:
        """The equilibrium at one point; r1 and expected_contribution are contributions."""
        phi, phi_h, c, delta = self._validated(phi, c, delta)
        eq = self.game.solve(float(phi_h), float(c), float(delta))
        row = self._to_contributions(pd.DataFrame([eq.as_dict()]), float(phi)).iloc[0]
        return replace(eq, phi=float(phi), r1=float(row["r1"]),
                       expected_contribution=float(row["expected_contribution"]))

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
