"""``analytic.piecewise``: the exact batch solver for piecewise-linear outside-offer CDFs.

* F = U[0, 1] (one piece, or written with many knots), b = 1: equal to ``analytic.solve_many``
  to 1e-10 on the whole domain, except at knife-edge ties (the patron's margin between first
  moves below 1e-9), where only the continuous u_patron is compared.
* Mixtures of uniforms (2-20 components, random weights), b in [0.6, 1.3]: against
  ``analytic.general.GeneralSolver`` given the same F (``ScipyLikeCDF``). GeneralSolver's F is
  a cubic Hermite interpolant that rounds every kink of F off on a cell of width 1/4096 (its
  stated accuracy assumes a smooth density): measured here, its F is off by up to 2e-4 near
  the knots and its integrals by ~1e-7. So: first moves equal; payoffs and probabilities
  within TOL_GS_P; offers within 1e-6, except where an offer sits on a knot of F (a kink
  peak of the patron's payoff, which the rounded F moves by up to ~1e-4): there the offers
  are compared within 1e-3 and our offer must pay the patron, under the exact F, at least
  what GeneralSolver's offer pays.
* Mixtures against the independent brute force (tests/brute_force.py fed F's quantiles), as
  tests/test_general.py compares GeneralSolver.
* Representation: the same F written with redundant knots, or solved in another batch,
  gives the same equilibria; properties that hold for every F (hypothesis).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import analytic
from analytic import piecewise as pw
from analytic.general import GeneralSolver
from brute_force import brute_force, error_bound

FIELDS = ("r1", "u_patron", "u_protege", "p_alliance", "p_breakup", "p_none", "p_period2",
          "expected_contribution", "contribution_excess")


def _domain_points(n, seed):
    rng = np.random.default_rng(seed)
    tiny = np.finfo(float).eps
    phi = rng.uniform(1.0 + tiny, 2.0 - tiny, n)
    c = np.where(rng.random(n) < 0.7, rng.uniform(0, 0.08, n) ** 1.5 * 3, rng.uniform(0, 0.6, n))
    c[:20] = 0.0
    delta = 1.0 - rng.uniform(0.0, 1.0 - tiny, n)
    return phi, c, delta


def _with_extra_knots(F: pw.PiecewiseLinearCDF, extra: np.ndarray) -> pw.PiecewiseLinearCDF:
    """The same CDFs with more knots (values interpolated): a different representation."""
    knots = np.sort(np.concatenate([F.knots, np.broadcast_to(extra, (len(F), len(extra)))], axis=1), axis=1)
    values = np.stack([np.interp(k, x, v) for k, x, v in zip(knots, F.knots, F.values)])
    return pw.PiecewiseLinearCDF(knots, values)


# ---------------------------------------------------------------- U[0, 1]: analytic, exactly
@pytest.mark.parametrize("pieces", [1, 13])
def test_uniform_equals_analytic(pieces):
    phi, c, delta = _domain_points(3000, seed=pieces)
    got = pw.solve_many(pw.uniform_cdf(1, pieces), phi, c, delta)
    want = analytic.solve_many(phi, c, delta)
    tie = np.abs(got["margin"].to_numpy()) < 1e-9
    assert tie.mean() < 0.01
    assert np.max(np.abs(got["u_patron"] - want["u_patron"])) < 1e-10   # continuous even at ties
    g, w = got[~tie], want[~tie]
    assert (g["first_move"] == w["first_move"]).all()
    for name in FIELDS:
        a, b = g[name].to_numpy(), w[name].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), name
        ok = ~np.isnan(b)
        assert np.max(np.abs(a[ok] - b[ok]), initial=0.0) < 1e-10, name
    assert np.max(np.abs(g["r_star"] - np.maximum(w["r_star"], 0.0))) < 1e-12
    rt = w["r_tilde"].to_numpy()
    assert np.array_equal(np.isnan(g["r_tilde"].to_numpy()), np.isnan(rt))
    assert np.nanmax(np.abs(g["r_tilde"].to_numpy() - rt)) < 1e-10
    # regime: the patron plays the lottery after no first search iff phi - 1 < r~
    lottery_at_a = np.nan_to_num(rt, nan=-1.0) > phi[~tie] - 1.0
    assert np.array_equal(g["regime"].to_numpy() == "prop2", lottery_at_a)


def test_uniform_strategies_equal_analytic():
    rng = np.random.default_rng(3)
    n_pts = 40
    phi, c, delta = rng.uniform(1.02, 1.8, n_pts), rng.uniform(0, 0.05, n_pts), rng.uniform(0.2, 1, n_pts)
    _, eqs = pw.solve_many(pw.uniform_cdf(1, 7), phi, c, delta, strategies=True)
    point = rng.integers(0, n_pts, 20000)
    x1 = rng.random(point.size)
    p, cc, d = phi[point], c[point], delta[point]
    rt = np.nan_to_num(analytic.paper.r_tilde(cc), nan=2.0)
    away = np.abs(np.maximum(x1, p - 1) - rt) > 1e-9  # the jump at r~
    r2 = eqs.patron_offer_period2(x1, point)
    assert np.max(np.abs(r2 - analytic.patron_offer_period2(x1, p, cc, d))[away]) < 1e-12
    g = eqs.protege_reservation_period1(x1, point)
    assert np.max(np.abs(g - analytic.protege_reservation_period1(x1, p, cc, d))[away]) < 1e-12
    s = rng.random(point.size)
    assert np.array_equal(eqs.protege_searches_period2(s, point), analytic.protege_searches_period2(s, cc))
    assert np.max(np.abs(eqs.outside_offer(x1, point) - x1)) < 1e-15


# ---------------------------------------------------------------- mixtures: GeneralSolver
TOL_GS_P = 5e-7   # payoffs/probabilities: GeneralSolver's integrals of a kinked F (see module doc)
TOL_GS_KINK_P = 3e-4  # measured up to 1.0e-4 over 100 points (python tests/test_piecewise.py 100 3)


def _random_mixture(rng):
    J = int(rng.integers(2, 21))
    return pw.mixture_of_uniforms(rng.uniform(0.05, 1.0, J), rng.random(J) + 0.05)


def _mixture_points(n, seed, b_range):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        F = _random_mixture(rng)
        yield (F, float(rng.uniform(1.01, 1.9)), float(rng.uniform(0, 0.08) ** 1.5 * 2),
               float(rng.uniform(0.05, 1.0)), float(rng.uniform(*b_range)))


@pytest.mark.parametrize("seed,b_range", [(7, (1.0, 1.3)), (8, (0.6, 1.0))])
def test_mixtures_match_general_solver(seed, b_range):
    for F, phi, c, delta, b in _mixture_points(14, seed, b_range):
        got, eqs = pw.solve_many(F, phi, c, delta, b, strategies=True)
        got = got.iloc[0]
        gs = GeneralSolver(pw.ScipyLikeCDF(F), patron_benefit=b).solve(phi, c, delta)
        where = f"F knots {F.knots[0].round(4)}, phi={phi}, c={c}, delta={delta}, b={b}"
        assert abs(gs.margin) > 1e-6, "pick points away from ties"
        assert got.first_move == gs.first_move, where
        # an offer at a knot of F (directly, or through the period-2 offer it must beat)
        r2_0 = float(eqs.patron_offer_period2(np.array([0.0]), np.array([0]))[0])
        kink = min(np.min(np.abs(F.knots[0] - got.r1)), np.min(np.abs(F.knots[0] - r2_0))) < 1e-9
        tol_p = TOL_GS_KINK_P if kink else TOL_GS_P
        for name in FIELDS[1:]:
            a, e = got[name], getattr(gs, name)
            assert (np.isnan(a) and np.isnan(e)) or abs(a - e) <= tol_p, (name, a, e, where)
        assert abs(got.r1 - gs.r1) <= (1e-3 if kink else 1e-6), (got.r1, gs.r1, where)
        if kink and got.first_move == "search":  # ours pays at least GeneralSolver's offer, exactly
            mine, theirs = eqs.search_outcome(np.array([got.r1, gs.r1]), np.array([0, 0]))["u_patron"]
            assert mine >= theirs - 1e-12
        assert abs(got.r_star - gs.r_star) < 1e-6


def test_mixture_strategies_match_general_solver():
    F = pw.mixture_of_uniforms([0.35, 0.6, 0.9], [1.0, 2.0, 1.0])
    phi, c, delta, b = 1.1, 0.003, 0.9, 1.1
    gs = GeneralSolver(pw.ScipyLikeCDF(F), patron_benefit=b)
    _, eqs = pw.solve_many(F, phi, c, delta, b, strategies=True)
    x = np.linspace(0, 1, 4001)
    pt = np.zeros(x.size, dtype=int)
    r2, r2_gs = eqs.patron_offer_period2(x, pt), gs.patron_offer_period2(x, phi, c, delta)
    jumps = x[:-1][np.abs(np.diff(r2)) > 1e-3]
    far = np.min(np.abs(x[:, None] - np.append(jumps, 9.0)[None, :]), axis=1) > 1e-3
    assert far.sum() > 3000
    assert np.max(np.abs(r2 - r2_gs)[far]) < 1e-6
    g, g_gs = eqs.protege_reservation_period1(x, pt), gs.protege_reservation_period1(x, phi, c, delta)
    assert np.max(np.abs(g - g_gs)[far]) < 1e-6
    u = np.linspace(0, 1, 1001)
    assert np.max(np.abs(eqs.outside_offer(u, np.zeros(u.size, dtype=int)) - gs.outside_offer(u))) < 1e-12


# ---------------------------------------------------------------- mixtures: brute force
GRID = dict(n_x=20000, n_r=400, n_r2=100000, n_ref=100)
EPS = error_bound(**GRID)
BF_TOL_R, BF_TOL_P = 2e-3, 4e-3  # as tests/test_general.py, widened for densities up to ~3.5


def assert_matches_brute_force(eq, bf):
    """The solver's point against the brute force: within its error bound, first move equal."""
    eps = bf["error_bound"]
    assert bf["margin_period2"] > 2 * eps and bf["margin"] > 2 * eps, "pick a point away from ties"
    assert abs(eq.u_patron - bf["u_patron"]) <= eps
    assert eq.first_move == bf["first_move"]
    for field, tol in (("u_protege", eps), ("r1", BF_TOL_R), ("p_alliance", BF_TOL_P),
                       ("p_breakup", BF_TOL_P), ("expected_contribution", BF_TOL_P)):
        lo, hi = bf["window"][field]
        assert lo - tol <= eq[field] <= hi + tol, (field, eq[field], bf["window"][field])


@pytest.mark.parametrize("v,w,phi,c,delta,b", [
    ([0.3, 0.55, 0.8, 1.0], [1, 2, 1, 1], 1.1, 0.004, 0.95, 1.0),   # search, lottery in period 2
    ([0.3, 0.55, 0.8, 1.0], [1, 2, 1, 1], 1.1, 0.03, 0.95, 1.0),    # accept at once
    ([0.2, 0.45, 0.7], [3, 1, 1], 1.2, 0.002, 0.7, 1.0),
    ([0.5, 0.9], [1, 1], 1.3, 0.001, 0.5, 1.2),                      # patron's benefit 1.2
    ([0.25, 0.4, 0.6, 0.75, 0.95], [1, 1, 2, 1, 1], 1.05, 0.0, 0.99, 1.0),
])
def test_mixtures_against_brute_force(v, w, phi, c, delta, b):
    F = pw.mixture_of_uniforms(v, w)
    got, eqs = pw.solve_many(F, phi, c, delta, b, strategies=True)
    eq = got.iloc[0]
    bf = brute_force(phi, c, delta, ppf=pw.ScipyLikeCDF(F).ppf, benefits=(b, 1.0, 1.0) if b != 1 else None,
                     **GRID)
    assert_matches_brute_force(eq, bf)
    x = bf["x1"][::40]
    r2 = eqs.patron_offer_period2(x, np.zeros(x.size, dtype=int))
    r2_bf = bf["r2_of_x1"][::40]
    jumps = x[:-1][np.abs(np.diff(r2_bf)) > 0.01]
    far = np.min(np.abs(x[:, None] - np.append(jumps, 9.0)[None, :]), axis=1) > 3e-3
    assert np.max(np.abs(r2 - r2_bf)[far]) < 2e-3


@pytest.mark.parametrize("knots,values,phi,c,delta,b", [
    # density rising and falling: L is not concave, the patron's period-2 offer jumps across gaps
    ([0, 0.0239, 0.0654, 0.0656, 0.1662, 0.3494, 0.6457, 0.7552, 0.9469, 0.9645, 1],
     [0, 0.0091, 0.0803, 0.1544, 0.2075, 0.2401, 0.3217, 0.7078, 0.7489, 0.9999, 1], 1.245, 0.01596, 0.95, 1.044),
    ([0, 0.137, 0.2049, 0.4105, 0.5038, 0.5195, 0.9355, 1],
     [0, 0, 0.0935, 0.3469, 0.7581, 0.7582, 0.8041, 1], 1.466, 0.01898, 0.19, 1.069),   # no offers below 0.137
    ([0, 0.1024, 0.1517, 0.3572, 0.427, 0.446, 0.4652, 0.8924, 0.9558, 1],
     [0, 0.0029, 0.003, 0.1186, 0.3768, 0.4712, 0.6884, 0.8801, 0.9585, 1], 1.172, 0.02205, 0.678, 0.686),
])
def test_general_piecewise_against_brute_force(knots, values, phi, c, delta, b):
    F = pw.PiecewiseLinearCDF(knots, values)
    eq = pw.solve_many(F, phi, c, delta, b).iloc[0]
    bf = brute_force(phi, c, delta, ppf=pw.ScipyLikeCDF(F).ppf, benefits=(b, 1.0, 1.0), **GRID)
    assert_matches_brute_force(eq, bf)


# ---------------------------------------------------------------- the agents play it
@pytest.mark.parametrize("v,w,phi,c,delta", [
    ([0.3, 0.55, 0.8, 1.0], [1, 2, 1, 1], 1.1, 0.004, 0.95),     # search, lottery in period 2
    ([0.2, 0.45, 0.7, 0.9], [3, 1, 1, 2], 1.15, 0.002, 0.6),
])
def test_agents_frequencies_match(v, w, phi, c, delta):
    """play_round with the point's strategy functions: 4 standard errors on each frequency/mean."""
    from agents.game import ALLIANCE, BREAKUP, move_codes, play_round

    F = pw.mixture_of_uniforms(v, w)
    df, eqs = pw.solve_many(F, phi, c, delta, strategies=True)
    eq = df.iloc[0]
    assert eq.first_move == "search" and 0.05 < eq.p_breakup < 0.95
    n = 200_000
    u = np.random.default_rng(12).random((2, n))
    point = np.zeros(n, dtype=np.intp)  # every alliance plays point 0; offers F^-1(u)
    res = play_round(np.full(n, eq.r1), move_codes(np.full(n, eq.first_move)), phi, np.full(n, c), delta,
                     eqs.outside_offer(u[0], point), eqs.outside_offer(u[1], point), strategies=eqs, points=point)
    for freq, p in ((res.outcome == BREAKUP, eq.p_breakup), (res.outcome == ALLIANCE, eq.p_alliance),
                    (res.period == 2, eq.p_period2)):
        se = np.sqrt(p * (1 - p) / n)
        assert abs(freq.mean() - p) <= 4 * se + 1e-12
    for sample, mean in ((res.protege_payoff, eq.u_protege), (res.patron_payoff, eq.u_patron)):
        assert abs(sample.mean() - mean) <= 4 * sample.std() / np.sqrt(n)


# ---------------------------------------------------------------- representation and batching
def test_redundant_knots_and_batching_change_nothing():
    rng = np.random.default_rng(11)
    Fs = pw.mixture_of_uniforms(rng.uniform(0.05, 1, (30, 12)), rng.random((30, 12)))
    phi, c, delta, b = (rng.uniform(1.02, 1.8, 30), rng.uniform(0, 0.04, 30), rng.uniform(0.3, 1, 30),
                        rng.uniform(0.7, 1.3, 30))
    base = pw.solve_many(Fs, phi, c, delta, b)
    more = pw.solve_many(_with_extra_knots(Fs, rng.random(17)), phi, c, delta, b)
    one_by_one = [pw.solve_many(Fs.take(np.array([i])), phi[i], c[i], delta[i], b[i]).iloc[0] for i in range(5)]
    assert (base["first_move"] == more["first_move"]).all()
    for name in FIELDS:
        assert np.allclose(base[name], more[name], rtol=0, atol=1e-12, equal_nan=True), name
        assert np.allclose(base[name][:5], [r[name] for r in one_by_one], rtol=0, atol=1e-14, equal_nan=True)


def test_mixture_of_uniforms_is_the_mixture():
    rng = np.random.default_rng(2)
    v, w = np.array([0.2, 0.5, 0.5, 1.0, 0.05]), np.array([1.0, 0.5, 0.25, 2.0, 1.0])
    F = pw.mixture_of_uniforms(v, w)
    assert F.n_pieces == 5  # equal v_j share a knot
    x = rng.random((1, 500))
    want = (w[:, None] * np.minimum(1.0, x / v[:, None])).sum(axis=0) / w.sum()
    assert np.max(np.abs(F.cdf(x)[0] - want)) < 1e-14
    assert np.max(np.abs(F.ppf(F.cdf(x)) - x)) < 1e-12
    assert F.mean()[0] == pytest.approx((w * v / 2).sum() / w.sum(), abs=1e-14)
    s = np.linspace(0, 1, 7)[None]
    G_num = [np.trapezoid(1 - F.cdf(np.linspace(t, 1, 200001)[None])[0], np.linspace(t, 1, 200001)) for t in s[0]]
    assert np.max(np.abs(F.G(s)[0] - G_num)) < 1e-10


# ---------------------------------------------------------------- properties for any F
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v=st.lists(st.floats(0.02, 1.0), min_size=1, max_size=12),
       seed=st.integers(0, 2**31), phi=st.floats(1.0, 2.0, exclude_min=True, exclude_max=True),
       c=st.floats(0.0, 0.3), delta=st.floats(0.0, 1.0, exclude_min=True), b=st.floats(0.3, 1.5))
def test_properties(v, seed, phi, c, delta, b):
    w = np.random.default_rng(seed).random(len(v)) + 0.01
    F = pw.mixture_of_uniforms(v, w)
    eq = pw.solve_many(F, phi, c, delta, b).iloc[0]
    a = phi - 1.0
    for p in ("p_alliance", "p_breakup", "p_none", "p_period2"):
        assert -1e-12 <= eq[p] <= 1 + 1e-12, p
    assert abs(eq.p_alliance + eq.p_breakup + eq.p_none - 1.0) < 1e-12
    # the patron can always have her offer max(r*, a) accepted at once (Lemma 2)
    assert eq.u_patron >= b - max(eq.r_star, a) - 1e-12
    # the protégé can always move on to period 2, where his value is >= 0 (he can take phi - 1
    # or better from the patron, or search on when that is worth more than its cost)
    assert eq.u_protege >= -1e-12
    # eq. 3 for this F: G(r*) = c where 0 < r* < the top of the support
    if 0.0 < c < F.mean()[0]:
        assert abs(F.G(np.array([[eq.r_star]]))[0, 0] - c) < 1e-12
    if eq.first_move == "accept":
        assert eq.r1 == max(eq.r_star, a) and eq.p_alliance == 1.0


def test_strategy_shapes_hold():
    """Lemma 1 (r2 >= max(x1, phi - 1) where she makes an offer) and g nondecreasing, any F."""
    rng = np.random.default_rng(5)
    Fs = pw.mixture_of_uniforms(rng.uniform(0.05, 1, (50, 8)), rng.random((50, 8)))
    phi, c, delta, b = rng.uniform(1.02, 1.9, 50), rng.uniform(0, 0.05, 50), rng.uniform(0.1, 1, 50), rng.uniform(0.5, 1.3, 50)
    _, eqs = pw.solve_many(Fs, phi, c, delta, b, strategies=True)
    x = np.linspace(0, 1, 2001)
    pts = np.repeat(np.arange(50), x.size)
    xs = np.tile(x, 50)
    r2 = eqs.patron_offer_period2(xs, pts)
    made = ~np.isnan(r2)
    assert np.all(r2[made] >= np.maximum(xs, phi[pts] - 1)[made] - 1e-15)
    assert np.array_equal(~made, np.maximum(xs, phi[pts] - 1) > b[pts])  # she gives up iff m > b
    g = eqs.protege_reservation_period1(xs, pts).reshape(50, -1)
    assert np.all(np.diff(g, axis=1) >= -1e-13)
    g_both, r2_both = eqs.reservation_and_offer(xs, pts)  # the two at once: the same numbers
    assert np.array_equal(g_both, g.ravel()) and np.array_equal(r2_both, r2, equal_nan=True)


def test_taking_rows_is_building_them_afresh():
    rng = np.random.default_rng(8)
    Fs = pw.mixture_of_uniforms(rng.uniform(0.05, 1, (20, 5)), rng.random((20, 5)))
    rows = np.array([3, 3, 0, 19, 7])
    taken, fresh = Fs.take(rows), pw.PiecewiseLinearCDF(Fs.knots[rows], Fs.values[rows])
    for name in ("knots", "values", "density", "G_knots", "f_poly", "g_poly"):
        assert np.array_equal(getattr(taken, name), getattr(fresh, name)), name
    assert len(Fs.take(4)) == 1 and np.array_equal(Fs.take(4).knots, Fs.knots[[4]])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,match", [
    (lambda: pw.mixture_of_uniforms([0.5, 0.0]), "v must be in"),
    (lambda: pw.mixture_of_uniforms([0.5, 1.2]), "v must be in"),
    (lambda: pw.mixture_of_uniforms([0.5], [-1.0]), "weights"),
    (lambda: pw.PiecewiseLinearCDF([0, 0.5, 1], [0, 0.7, 0.6]), "nondecreasing"),
    (lambda: pw.PiecewiseLinearCDF([0, 0.5, 0.5, 1], [0, 0.2, 0.4, 1]), "repeated knots"),
    (lambda: pw.PiecewiseLinearCDF([0.1, 1], [0, 1]), "knots"),
    (lambda: pw.solve_many(pw.uniform_cdf(), 2.5, 0.01, 0.9), "phi must be in"),
    (lambda: pw.solve_many(pw.uniform_cdf(), 1.1, -0.1, 0.9), "c must be in"),
    (lambda: pw.solve_many(pw.uniform_cdf(), 1.1, 0.01, 0.9, patron_benefit=0.0), "patron_benefit must be in"),
    (lambda: pw.solve_many("uniform", 1.1, 0.01, 0.9), "F must be a PiecewiseLinearCDF"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match) as e:
        call()
    assert "\n" not in str(e.value)


def main(n=100, seed=0):
    """Worst deviations from GeneralSolver over n random mixture points (b in [0.6, 1.3]), split
    by whether the offers sit on a knot of F: ``python tests/test_piecewise.py [N] [SEED]``."""
    worst = {True: {}, False: {}}
    moves = 0
    for F, phi, c, delta, b in _mixture_points(n, seed, (0.6, 1.3)):
        got, eqs = pw.solve_many(F, phi, c, delta, b, strategies=True)
        got = got.iloc[0]
        gs = GeneralSolver(pw.ScipyLikeCDF(F), patron_benefit=b).solve(phi, c, delta)
        if abs(gs.margin) < 1e-6:
            continue
        moves += got.first_move != gs.first_move
        r2_0 = float(eqs.patron_offer_period2(np.array([0.0]), np.array([0]))[0])
        kink = bool(min(np.min(np.abs(F.knots[0] - got.r1)), np.min(np.abs(F.knots[0] - r2_0))) < 1e-9)
        for name in FIELDS:
            d = abs(got[name] - getattr(gs, name))
            if np.isfinite(d) and d >= worst[kink].get(name, (-1.0, None))[0]:
                worst[kink][name] = (d, (phi, c, delta, b))
    print(f"{n} points, first moves differing: {moves}")
    for kink, table in worst.items():
        print("offers on a knot of F:" if kink else "offers off the knots:")
        for name, (d, p) in table.items():
            print(f"  {name:24s} {d:.2e}  at phi, c, delta, b = {p}")


if __name__ == "__main__":
    import sys
    main(*(int(a) for a in sys.argv[1:]))
