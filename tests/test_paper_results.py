"""The paper's stated results, and its closed forms where its assumptions hold."""
import numpy as np
import pytest

import analytic
from analytic import paper
from analytic.solver import _Game

PHI, DELTA = 1.1, 0.99  # the paper's Figure 4


def test_c_star_is_one_32nd_at_the_papers_point():
    welfare = analytic.optimal_search_cost(phi=PHI, delta=DELTA)
    assert welfare.c_star == pytest.approx(1 / 32, abs=1e-12)
    assert welfare.u_protege > welfare.u_protege_at_zero


def test_breakup_is_zero_above_one_32nd_and_non_monotonic_below():
    above = analytic.solve_many(PHI, np.linspace(1 / 32, 0.3, 200), DELTA)
    assert (above["p_breakup"] == 0).all() and (above["p_alliance"] == 1).all()
    below = analytic.solve_many(PHI, np.linspace(0, 1 / 32, 400, endpoint=False), DELTA)["p_breakup"].to_numpy()
    assert (below > 0).all()
    peak = int(np.argmax(below))
    # Rises as c falls from 1/32 to the peak, then falls as c falls towards 0 (Figure 3).
    assert 0 < peak < len(below) - 1
    assert below[peak] > below[0] + 0.01 and below[peak] > below[-1] + 0.005


def _paper_domain_points(n, seed):
    rng = np.random.default_rng(seed)
    phi = rng.uniform(1.01, 1.49, n)
    c = rng.uniform(0.0, 0.1, n)
    delta = rng.uniform(0.9, 1.0, n)
    table = analytic.solve_many(phi, c, delta)
    return table[table["paper_assumptions_hold"]]


def test_prop1_offer_r_star_accepted_where_the_paper_assumes():
    table = _paper_domain_points(4000, 1)
    prop1 = table[table["regime"] == "prop1"]
    assert len(prop1) > 100
    assert (prop1["first_move"] == "accept").all()
    np.testing.assert_allclose(prop1["r1"], paper.r_star(prop1["c"]), atol=1e-12)


def test_prop2_offer_maximizes_eq6_where_the_paper_assumes():
    table = _paper_domain_points(4000, 2)
    prop2 = table[table["regime"] == "prop2"]
    assert len(prop2) > 100
    assert (prop2["first_move"] == "search").all()
    args = (prop2["phi"].to_numpy(), prop2["c"].to_numpy(), prop2["delta"].to_numpy())
    r1_bar = paper.r1_bar(*args)
    np.testing.assert_allclose(prop2["r1"], r1_bar, atol=1e-9)
    np.testing.assert_allclose(prop2["u_patron"], paper.omega(r1_bar, *args), atol=1e-9)
    assert (paper.omega(r1_bar, *args) > 1 - paper.r_star(args[1])).all()


@pytest.mark.parametrize("seed", range(3))
def test_no_search_offer_on_a_fine_grid_beats_the_solvers_choice(seed):
    """The candidate offers contain the patron's best: a 20,001-point grid of r1 does not beat it."""
    rng = np.random.default_rng(seed)
    n = 60
    phi, c, delta = rng.uniform(1.001, 1.999, n), rng.uniform(0, 0.06, n), rng.uniform(0.05, 1.0, n)
    chosen = analytic.solve_many(phi, c, delta)["u_patron"].to_numpy()
    game = _Game(phi, c, delta)
    offers = np.linspace(0, 1, 20001)[None, :] * game.accept_threshold()[:, None]
    offers = offers[:, :-1]
    searches = game.search_beats_delay(offers)
    w = np.where(searches, game.outcome(offers, wanted=("u_patron",))["u_patron"], -np.inf)
    assert (w.max(axis=1) <= chosen + 1e-12).all()


def test_delta_lower_bound_is_where_the_papers_conditions_start_to_hold():
    phi, c = 1.1, 0.01
    bound = float(paper.delta_lower_bound(phi, c))
    s = np.linspace(phi - 1, float(paper.r_tilde(c)), 20001)[:-1]

    def conditions_hold(delta):
        r1s = paper.r1_star(phi, c, delta)
        return (paper.r_tilde(c) < r1s <= paper.r_star(c)) and np.all(1 - phi + s < delta * paper.theta(s, phi, c))

    assert 0 < bound < 1
    assert conditions_hold(min(bound + 1e-6, 1.0))
    assert not conditions_hold(bound - 1e-4)


def test_phi_star_separates_positive_from_zero_search_cost():
    """Section 5 says c = 0 is best above some phi*. The exact equilibrium disagrees: a positive c
    beats c = 0 for every phi up to 1.999 at delta = .99, so phi_star reports 2."""
    assert analytic.phi_star(DELTA) == 2.0
    for phi in (1.3, 1.6, 1.9, analytic.welfare.PHI_STAR_TOP):
        welfare = analytic.optimal_search_cost(phi, DELTA)
        assert welfare.c_star > 0 and welfare.gain_over_zero > 0
