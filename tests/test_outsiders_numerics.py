"""Accuracy of analytic.outsiders' period-2 threshold r* and of the k = 1 closed form.

* r* = min{s : G_k(s) <= c}, G_k(s) = E[(v_(2) - s)^+] = int_s^1 P(v_(2) > t) dt with
  P(v_(2) > t) = 1 - H^k - k H^(k-1) (1 - H). For U[0, 1] valuations G_k is a polynomial:
  k = 2: (1 - s)^3 / 3, so r* = 1 - (3c)^(1/3); k = 3: 1/2 - s + s^3 - s^4 / 2, whose root
  is found with brentq. For a Beta valuation G_k comes from scipy.integrate.quad and r* from
  brentq. The solver's r* (and the period-2 sure offer and the solution's r_star field,
  which use it) must match to 1e-9, far inside the table grid step 5e-5.
* k = 1: the protégé accepts r1 = phi - 1 exactly and gets exactly 0 (never a tie
  tolerance below it).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from analytic.outsiders import StrategicOutsiders

C_RANGE = np.array([1e-5, 1e-4, 5e-4, 0.001, 0.003, 0.01, 0.02, 0.0313, 0.05, 0.1, 0.2, 0.3])


def _G_uniform(k, s):
    return (1.0 - s) ** 3 / 3.0 if k == 2 else 0.5 - s + s**3 - s**4 / 2.0


def _r_star_exact(G, c):
    """min{s : G(s) <= c} for a decreasing G on [0, 1] with G(1) = 0."""
    if G(0.0) <= c:
        return 0.0
    return optimize.brentq(lambda s: G(s) - c, 0.0, 1.0, xtol=1e-15, rtol=1e-15)


@pytest.mark.parametrize("k", [2, 3])
def test_r_star_matches_the_closed_form_for_uniform_valuations(k):
    so = StrategicOutsiders(k)
    exact = np.array([_r_star_exact(lambda s: _G_uniform(k, s), c) for c in C_RANGE])
    if k == 2:
        assert np.allclose(exact, 1.0 - (3.0 * C_RANGE) ** (1.0 / 3.0), atol=1e-12, rtol=0)
    assert np.max(np.abs(so.r_star(C_RANGE) - exact)) < 1e-9
    s = np.linspace(0.0, 1.0, 777)
    assert np.max(np.abs(so.G(s) - _G_uniform(k, s))) < 1e-12


def test_r_star_of_the_issue():
    """outsiders_solver(k=2).r_star(0.02) was 0.60855 (rounded up to the grid)."""
    assert StrategicOutsiders(2).r_star(0.02) == pytest.approx(1 - 0.06 ** (1 / 3), abs=1e-12)


@pytest.mark.parametrize("k,H", [(2, stats.beta(2, 5)), (3, stats.beta(3, 1.5))])
def test_r_star_for_beta_valuations_against_quadrature(k, H):
    so = StrategicOutsiders(k, H)

    def surv2(t):
        h = H.cdf(t)
        return 1.0 - h**k - k * h ** (k - 1) * (1.0 - h)

    def G(s):
        return integrate.quad(surv2, s, 1.0, epsabs=1e-14, epsrel=1e-13, limit=200)[0]

    cs = C_RANGE[C_RANGE < G(0.0)]
    exact = np.array([_r_star_exact(G, c) for c in cs])
    assert np.max(np.abs(so.r_star(cs) - exact)) < 1e-9
    s = np.linspace(0.0, 0.999, 50)
    assert np.max(np.abs(so.G(s) - np.array([G(x) for x in s]))) < 1e-11


@pytest.mark.parametrize("k", [2, 3])
def test_period_two_sure_offer_and_the_solution_use_the_accurate_r_star(k):
    so = StrategicOutsiders(k)
    phi, delta = 1.1, 0.99
    for c in (0.02, 0.05, 0.1):
        r_star = _r_star_exact(lambda s: _G_uniform(k, s), c)
        p2 = so.period2(np.array([0.0]), phi, c)
        assert not p2["lottery"][0]  # sure play: the patron offers r* (above phi - 1)
        assert abs(float(p2["r2"][0]) - r_star) < 1e-9
        assert abs(float(so.patron_offer_period2(0.0, phi, c, delta)) - r_star) < 1e-9
        assert abs(so.solve(phi, c, delta).r_star - r_star) < 1e-9


def test_r_star_at_the_ends():
    so = StrategicOutsiders(2)
    assert so.r_star(0.0) == 1.0  # G > 0 below 1: he searches for any s < 1
    assert so.r_star(1 / 3) == pytest.approx(0.0, abs=1e-12) and so.r_star(0.5) == 0.0  # c >= G(0) = E[v_(2)]
    assert np.all(StrategicOutsiders(1).r_star(C_RANGE) == 0.0)


@pytest.mark.parametrize("phi,c,delta", [(1.1, 0.02, 0.99), (1.1, 0.0, 0.99), (1.45, 0.001, 0.4),
                                         (1.8, 0.05, 1.0), (1.3, 0.2, 0.7)])
@pytest.mark.parametrize("H", [None, stats.beta(2, 5)])
def test_one_outsider_the_protege_accepts_exactly_the_free_riding_minimum(phi, c, delta, H):
    e = StrategicOutsiders(1, H).solve(phi, c, delta)
    assert e.first_move == "accept"
    assert e.r1 == phi - 1.0  # exactly, not a bisection end
    assert e.u_protege == 0.0 and e.u_patron == 1.0 - (phi - 1.0)


def test_one_outsider_offers_below_the_minimum_are_refused():
    """Within the payoff tie tolerance of phi - 1, an offer below it is still not accepted."""
    so = StrategicOutsiders(1)
    phi, c, delta = 1.1, 0.0, 0.99
    a = phi - 1.0
    r1 = np.array([a - 1e-13, a - 1e-15, a, a + 1e-13])
    moves = so.protege_first_move(r1, phi, c, delta)
    assert "accept" not in moves[:2] and (moves[2:] == "accept").all()
