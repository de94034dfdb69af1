"""The objects of Fang & Ramsay's paper, one function each, named as in the paper.

Player 1 is the patron, player 2 the protégé; outside offers are U[0, 1].
All functions take numbers or numpy arrays and broadcast. Where the paper's
formula holds only inside its assumptions (phi < 3/2, delta above the lower
bound of section 3.2.1), the docstring says so; `analytic.solver` solves the
game everywhere.
"""
from __future__ import annotations

import numpy as np

#: Prop. 1 holds when 1 - r* >= 1/4, i.e. c >= 1/32 since r* = 1 - sqrt(2c) (eq. 3).
C_PROP1 = 1.0 / 32.0


def theta(s_bar, phi, c):
    """Protégé's expected payoff from a period-2 search holding best offer s_bar (eq. 1-2).

    theta(s) = -c + 3/2 - phi + s^2/2, for s_bar = max(x1, r2, phi - 1).
    """
    s_bar = np.maximum(s_bar, np.asarray(phi) - 1.0)
    return -np.asarray(c) + 1.5 - np.asarray(phi) + 0.5 * s_bar**2


def r_star(c):
    """Offer that leaves the protégé indifferent between searching and not (eq. 3).

    Solves 1 - phi + r* = theta(r*), i.e. c = (1 - r*)^2 / 2. Negative when c > 1/2:
    then no offer is low enough to make a search worth its cost.
    """
    return 1.0 - np.sqrt(2.0 * np.asarray(c, dtype=float))


def r_tilde(c):
    """Offer r~ > 1/2 whose lottery value equals the sure 1 - r* (eq. 5).

    Solves (1 - r~) r~ = 1 - r*; defined only in the Prop. 2 regime (c < 1/32), nan otherwise.
    """
    rs = r_star(c)
    with np.errstate(invalid="ignore"):
        out = 0.5 * (1.0 + np.sqrt(4.0 * rs - 3.0))
    return np.where(np.asarray(c) < C_PROP1, out, np.nan)


def r1_star(phi, c, delta):
    """First-period offer worth as much to the protégé as r* one period later (section 3.2.1).

    Solves 1 - phi + r1* = delta (1 - phi + r*).
    """
    a = np.asarray(phi) - 1.0
    return a + np.asarray(delta) * (r_star(c) - a)


def regime(c):
    """'prop1' where 1 - r* >= 1/4 (c >= 1/32, Prop. 1), else 'prop2' (Prop. 2)."""
    return np.where(np.asarray(c) >= C_PROP1, "prop1", "prop2")


def x_of_r1(r1, phi, c, delta):
    """Outside offer x(r1) at which the protégé is indifferent: 1 - phi + r1 = delta theta(x) (Prop. 2)."""
    a = np.asarray(phi) - 1.0
    with np.errstate(invalid="ignore"):
        return np.sqrt(2.0 * ((np.asarray(r1) - a) / np.asarray(delta) + np.asarray(c) - 0.5 + a))


def omega(r1, phi, c, delta):
    """Patron's expected payoff from a first offer r1 that induces a search (eq. 6, Prop. 2).

    omega(r1) = int_0^x(r1) (1 - r1) + int_x(r1)^r~ delta x(1 - x) + int_r~^r1* delta (1 - r*),
    with r~ in the limits (the text's r-bar there is a typo). Valid in the Prop. 2 regime for
    r1 in [delta theta(1/2) - 1 + phi, delta theta(r~) - 1 + phi].
    """
    x = x_of_r1(r1, phi, c, delta)
    rt = r_tilde(c)
    delta = np.asarray(delta)

    def lottery_integral(lo, hi):  # int x(1 - x) dx
        return (hi**2 / 2 - hi**3 / 3) - (lo**2 / 2 - lo**3 / 3)

    return ((1.0 - np.asarray(r1)) * x + delta * lottery_integral(x, rt)
            + delta * (1.0 - r_star(c)) * (r1_star(phi, c, delta) - rt))


def r1_bar(phi, c, delta):
    """Maximizer of omega (eq. 6) over [delta theta(1/2) - 1 + phi, delta theta(r~) - 1 + phi] (Prop. 2).

    omega is concave in x = x(r1) with d omega / dx = 1 - r1(x) - delta x, whose root is
    x = sqrt(2(2 - phi)/delta + 2(phi - 1) + 2c) - 1; the maximizer is that x clipped to [1/2, r~].
    """
    a = np.asarray(phi) - 1.0
    delta = np.asarray(delta)
    x = np.sqrt(2.0 * (1.0 - a) / delta + 2.0 * a + 2.0 * np.asarray(c)) - 1.0
    x = np.clip(x, 0.5, r_tilde(c))
    return a + delta * theta(x, phi, c)


def delta_lower_bound(phi, c):
    """The paper's lower bound on delta (section 3.2.1).

    The least delta with r~ < r1* <= r* and 1 - phi + s < delta theta(s) for all s in [phi - 1, r~).
    The second condition binds: delta > max_s (s - phi + 1) / theta(s), whose maximizer is
    min(r~, phi - 1 + sqrt((2 - phi)^2 - 2c)). Zero in the Prop. 1 regime (no r~) and when
    phi - 1 >= r~ (the condition is empty).
    """
    a = np.asarray(phi, dtype=float) - 1.0
    c = np.asarray(c, dtype=float)
    rt = r_tilde(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        s_peak = a + np.sqrt(np.maximum((1.0 - a) ** 2 - 2.0 * c, 0.0))
        s = np.minimum(rt, s_peak)
        bound = (s - a) / theta(s, phi, c)
    return np.where((c < C_PROP1) & (a < rt), bound, 0.0)
