"""What each side gets from the good once its value is divided (extension 3).

The division rules (Nash bargaining, alternating offers) and the `Benefits` they give;
`analytic.bargaining` solves the game with them (and re-exports these names). Kept apart
from the solvers so that the solver interface (`analytic.protocol`) can name `Benefits`
without importing a solver. Every solver's ``benefits`` is a `Benefits`; the paper's is
``Benefits(1, 1, 1)`` (a pie of 2 split evenly).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


PAPER_BENEFITS = Benefits()


def make_division(spec: dict):
    """A division from a [bargaining.ally|ad_hoc] table: {"protocol": "nash" | "alternating", ...}."""
    kw = {k: v for k, v in spec.items() if k != "protocol"}
    return NashBargaining(**kw) if spec["protocol"] == "nash" else AlternatingOffers(**kw)


def benefits_of(bargaining: dict | None) -> Benefits:
    """The `Benefits` of a validated [bargaining] table ({} or None: the paper's even split)."""
    ally, ad_hoc = _divisions(bargaining)
    return Benefits.from_divisions(ally, ad_hoc)


def division_text(bargaining: dict | None) -> str:
    """A description of a validated [bargaining] table, e.g. 'ad hoc: Nash bargaining, ...'."""
    ally, ad_hoc = _divisions(bargaining)
    text = "; ".join(f"{who}: {d.describe()}" for who, d in (("ally", ally), ("ad hoc", ad_hoc)) if d)
    return text or "the paper's even split"


def _divisions(bargaining: dict | None):
    bargaining = bargaining or {}
    return tuple(make_division(bargaining[k]) if k in bargaining else None for k in ("ally", "ad_hoc"))


__all__ = ["AlternatingOffers", "Benefits", "NashBargaining", "PAPER_BENEFITS", "PAPER_PIE", "PROPOSERS",
           "benefits_of", "division_text", "make_division", "nash_share", "rubinstein_share"]
