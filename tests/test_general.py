"""Extension 4: the game for any outside-offer distribution F (``analytic.general``).

* With F = U[0, 1] it reproduces ``analytic.solve`` on the whole domain: payoffs and
  probabilities to 1e-8, offers to 1e-6 (the stated accuracy of ``analytic.general``),
  away from knife-edge ties (patron's margin between first moves below 1e-7).
* For Beta distributions it agrees with the independent brute force
  (``tests/brute_force.py`` fed the quantiles of F) within the brute force's own error
  bound, compared the way ``test_against_brute_force.py`` compares analytic.
* The agents (``agents.game.play_round`` with the solver's offers and strategies) produce
  frequencies within 4 standard errors of the predictions.
* Footnote 13: the non-monotone breakup probability survives Beta(2, 5) and Beta(5, 2).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import analytic
from analytic.general import GeneralSolver, make_distribution, solver_for
from brute_force import brute_force, error_bound

UNIFORM = GeneralSolver()
TOL_U, TOL_P, TOL_R = 1e-8, 1e-8, 1e-6
FIELDS = ("u_patron", "u_protege", "p_alliance", "p_breakup", "p_none", "p_period2",
          "expected_contribution")


def _uniform_points():
    rng = np.random.default_rng(4)
    pts = [(1.1, 0.02, 0.99), (1.1, 1 / 32 + 1e-4, 0.99), (1.1, 0.0, 0.99), (1.6, 0.005, 0.5),
           (1.05, 0.02, 0.3), (1.9, 0.001, 1.0)]
    for _ in range(10):
        pts.append((float(rng.uniform(1.0001, 1.9999)), float(rng.uniform(0, 0.08) ** 1.5 * 3),
                    float(rng.uniform(0.05, 1.0))))
    return pts


@pytest.mark.parametrize("phi,c,delta", _uniform_points())
def test_uniform_reproduces_analytic(phi, c, delta):
    g = UNIFORM.solve(phi, c, delta)
    e = analytic.solve(phi, c, delta)
    if abs(g.margin) < 1e-7:
        pytest.skip("knife-edge: the patron is indifferent between two first moves")
    assert g.first_move == e.first_move
    for name in FIELDS:
        a, b = getattr(g, name), getattr(e, name)
        if np.isnan(b):
            assert np.isnan(a), name
        else:
            assert abs(a - b) <= TOL_P, (name, a, b)
    assert abs(g.r1 - e.r1) <= TOL_R
    assert abs(g.r_star - e.r_star) <= 1e-12
    if np.isfinite(e.r_tilde) and e.r_tilde > phi - 1:
        assert abs(g.r_tilde - e.r_tilde) <= 1e-9


def test_uniform_strategies_match_analytic():
    rng = np.random.default_rng(7)
    n = 4000
    x1 = rng.random(n)
    phi = rng.choice([1.05, 1.1, 1.3, 1.7], n)
    c = rng.choice([0.0, 0.004, 0.02, 0.05], n)
    delta = rng.choice([0.3, 0.99], n)
    r2 = UNIFORM.patron_offer_period2(x1, phi, c, delta)
    r2a = analytic.patron_offer_period2(x1, phi, c, delta)
    g = UNIFORM.protege_reservation_period1(x1, phi, c, delta)
    ga = analytic.protege_reservation_period1(x1, phi, c, delta)
    # away from the jump at r~ (within 1e-9 the two may sit on different sides)
    rt = np.nan_to_num(analytic.paper.r_tilde(c), nan=2.0)
    ok = np.abs(np.maximum(x1, phi - 1) - rt) > 1e-9
    assert np.max(np.abs(r2 - r2a)[ok]) < 1e-10
    assert np.max(np.abs(g - ga)[ok]) < 1e-10
    s = rng.random(n)
    assert np.array_equal(UNIFORM.protege_searches_period2(s, c), analytic.protege_searches_period2(s, c))


# ---------------------------------------------------------------- brute force, other F
GRID = dict(n_x=20000, n_r=400, n_r2=100000, n_ref=100)
EPS = error_bound(**GRID)
KNIFE = 2 * EPS
BF_TOL_R, BF_TOL_P = 2e-3, 3e-3  # as in test_against_brute_force (TOL_R, TOL_P), widened by
# the largest density here (Beta(5, 2): 2.46), which stretches a probability error in x


@pytest.mark.parametrize("dist,phi,c,delta", [
    (("beta", dict(a=2, b=5)), 1.1, 0.002, 0.99),   # search, lottery in period 2
    (("beta", dict(a=2, b=5)), 1.1, 0.02, 0.99),    # accept at once
    (("beta", dict(a=5, b=2)), 1.1, 0.003, 0.99),   # search
    (("beta", dict(a=2, b=2)), 1.3, 0.01, 0.6),     # search, lower delta
    (("beta", dict(a=0.5, b=0.5)), 1.314, 0.0063, 0.465),  # density singular at 0 and 1
])
def test_against_brute_force(dist, phi, c, delta):
    name, kw = dist
    solver = solver_for(name, **kw)
    eq = solver.solve(phi, c, delta)
    bf = brute_force(phi, c, delta, ppf=make_distribution(name, **kw).ppf, **GRID)
    assert bf["margin_period2"] > KNIFE and bf["margin"] > KNIFE, "pick a point away from ties"
    assert abs(eq.u_patron - bf["u_patron"]) <= EPS
    assert eq.first_move == bf["first_move"]
    w = bf["window"]
    for field, tol in (("u_protege", EPS), ("r1", BF_TOL_R), ("p_alliance", BF_TOL_P),
                       ("p_breakup", BF_TOL_P), ("expected_contribution", BF_TOL_P)):
        lo, hi = w[field]
        assert lo - tol <= getattr(eq, field) <= hi + tol, (field, getattr(eq, field), w[field])
    # period-2 offers and the reservation, away from their jumps
    x = bf["x1"][::40]
    r2 = solver.patron_offer_period2(x, phi, c, delta)
    r2_bf = bf["r2_of_x1"][::40]
    jumps = x[:-1][np.abs(np.diff(r2_bf)) > 0.01]
    far = np.min(np.abs(x[:, None] - np.append(jumps, 9.0)[None, :]), axis=1) > 3e-3
    assert np.max(np.abs(r2 - r2_bf)[far]) < 2e-3


# ---------------------------------------------------------------- the agents
@pytest.mark.parametrize("dist,phi,c,delta", [
    (("beta", dict(a=2, b=5)), 1.1, 0.002, 0.99),
    (("beta", dict(a=5, b=2)), 1.1, 0.003, 0.99),
])
def test_agents_frequencies_match(dist, phi, c, delta):
    """play_round with the solver's offers and strategies: 4 standard errors on each frequency/mean."""
    from agents.game import ALLIANCE, BREAKUP, move_codes, play_round

    solver = solver_for(dist[0], **dist[1])
    eq = solver.solve(phi, c, delta)
    n = 200_000
    r1, moves = np.full(n, eq.r1), np.full(n, eq.first_move)
    x1, x2 = solver.draw_offers(np.random.default_rng(11), r1, moves, phi, np.full(n, c), delta)
    res = play_round(r1, move_codes(moves), phi, np.full(n, c), delta, x1, x2, solver=solver)
    # the draws really come from F: Kolmogorov-Smirnov on the first outside offers
    x1 = res.x1[~np.isnan(res.x1)]
    assert stats.kstest(x1, solver.dist.cdf).pvalue > 1e-3
    for freq, p in ((res.outcome == BREAKUP, eq.p_breakup), (res.outcome == ALLIANCE, eq.p_alliance)):
        se = np.sqrt(p * (1 - p) / n)
        assert abs(freq.mean() - p) <= 4 * se + 1e-12
    for sample, mean in ((res.protege_payoff, eq.u_protege), (res.patron_payoff, eq.u_patron)):
        assert abs(sample.mean() - mean) <= 4 * sample.std() / np.sqrt(n)
    contr = res.contribution[res.outcome == ALLIANCE]
    assert abs(contr.mean() - eq.expected_contribution) <= 4 * contr.std() / np.sqrt(contr.size)


# ---------------------------------------------------------------- footnote 13
@pytest.mark.parametrize("dist", [dict(a=2, b=5), dict(a=5, b=2)])
def test_footnote13_non_monotone_breakups(dist):
    """Breakups first rise, then fall, as c falls towards 0 (Figure 3's shape), for Beta F."""
    solver = solver_for("beta", **dist)
    c = np.array([0.0005, 0.0015, 0.003, 0.008, 0.03])
    pb = solver.solve_many(phi=1.1, c=c, delta=0.99)["p_breakup"].to_numpy()
    assert pb[-1] == 0.0              # large c: the offer accepted at once (Prop. 1)
    k = int(np.argmax(pb))
    assert 0 < k < len(c) - 1 and pb[k] > pb[0] + 1e-3 and pb[k] > 0


def test_make_distribution_checks():
    assert make_distribution("beta", a=2, b=5).mean() == pytest.approx(2 / 7)
    with pytest.raises(ValueError, match="support"):
        make_distribution("norm")
    with pytest.raises(ValueError, match="not a continuous"):
        make_distribution("no_such_dist")
    with pytest.raises(ValueError):
        make_distribution("beta", a=2)
