"""The equilibrium strategy profile, as functions of the state of play (section 3, Tables 1-2).

Period 2 has two kinds of play (Table 1, generalized to the whole domain by Lemma 1):
with m = max(x1, phi - 1) the best offer the patron must match,

* **sure**: the patron offers r2 = max(r*, m) and the protégé accepts it;
* **lottery** (only when c < 1/32 and m < r~): the patron offers r2 = max(1/2, m) and the
  protégé searches again, producing with the patron if the new draw x2 < r2.

Every period-2 quantity is a polynomial of degree <= 2 in the offer r2, whose coefficients
depend only on the kind of play; `PERIOD2_COEFFS` is that one table, used both to play the
game draw by draw and, in `analytic.solver`, to integrate over x1 exactly.
"""
from __future__ import annotations

import numpy as np

from analytic.paper import r_star, r_tilde

#: (q0, q1, q2) of q0 + q1 r2 + q2 r2^2 for each period-2 quantity, sure play then lottery play.
#: V2: protégé's payoff (sure: 1 - phi + r2; lottery: theta(r2) = -c + 3/2 - phi + r2^2/2, eq. 2),
#: P2: patron's payoff (1 - r2; r2 (1 - r2), eq. 4), p_alliance: chance the patron's r2 is taken,
#: contribution: r2 times that chance.
PERIOD2_QUANTITIES = ("V2", "P2", "p_alliance", "contribution")


#: The coefficients that do not depend on (phi, c): [sure, lottery][quantity][power of r2].
#: The constant term of V2 (sure: -(phi - 1); lottery: 3/2 - phi - c) is filled in per point.
_PERIOD2_TABLE = np.array([
    [[0.0, 1.0, 0.0], [1.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],   # sure: he accepts r2
    [[0.0, 0.0, 0.5], [0.0, 1.0, -1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],   # lottery: he searches
])


def period2_coeffs(lottery, phi, c):
    """Coefficients (..., quantity, power) in r2 of the `PERIOD2_QUANTITIES`, by kind of play."""
    a = np.asarray(phi, dtype=float) - 1.0
    c = np.asarray(c, dtype=float)
    lottery = np.asarray(lottery, dtype=bool)
    shape = np.broadcast_shapes(lottery.shape, a.shape, c.shape)
    q = _PERIOD2_TABLE[np.broadcast_to(lottery, shape).astype(np.intp)]
    q[..., 0, 0] = np.where(lottery, 0.5 - a - c, -a)
    return q


def period2_is_lottery(m, c):
    """True where the patron prefers the lottery: c < 1/32 and m < r~ (Table 1; tie rule 1 at m = r~)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(m) < r_tilde(c)  # r~ is nan (comparison False) when c >= 1/32


def period2_offer(m, c, lottery):
    """Patron's period-2 offer given the offer to match m = max(x1, phi - 1) (Table 1, Lemma 1)."""
    return np.where(lottery, np.maximum(0.5, m), np.maximum(r_star(c), m))


def patron_offer_period2(x1, phi, c, delta=1.0):
    """Patron's period-2 offer r2 given the standing outside offer x1 (x1 = 0 without a first search).

    delta does not enter period-2 play; it is accepted so that all strategy functions share a signature.
    """
    m = np.maximum(x1, np.asarray(phi) - 1.0)
    return period2_offer(m, c, period2_is_lottery(m, c))


def protege_searches_period2(s_bar, c):
    """Protégé searches in period 2 iff s_bar = max(x1, r2, phi - 1) < r* (eq. 3; tie rule 1)."""
    return np.asarray(s_bar) < r_star(c)


def period2_values(x1, phi, c, quantities=slice(None)):
    """Period-2 quantities (V2, P2, p_alliance, contribution) after standing offer x1, stacked on the last axis.

    `quantities` selects some of them (an index or slice into `PERIOD2_QUANTITIES`).
    """
    m = np.maximum(x1, np.asarray(phi) - 1.0)
    lottery = period2_is_lottery(m, c)
    r2 = period2_offer(m, c, lottery)
    q = period2_coeffs(lottery, phi, c)[..., quantities, :]
    r2 = r2[..., None]
    return q[..., 0] + q[..., 1] * r2 + q[..., 2] * r2**2


def protege_reservation_period1(x1, phi, c, delta):
    """Least best standing offer the protégé takes in period 1 after drawing x1 (Table 2).

    g(x1) = phi - 1 + delta V2(x1): he takes max(r1, x1) now iff it is >= g (tie rule 4).
    """
    return np.asarray(phi) - 1.0 + np.asarray(delta) * period2_values(x1, phi, c, quantities=slice(0, 1))[..., 0]
