"""The solver interface (`analytic.protocol.GameSolver`), its one result type and its front door.

* Every game variant (the paper's, any offer distribution, strategic outsiders, the pie
  divided, truthful outsiders) is a `GameSolver`, returns an `analytic.Equilibrium` whose
  fields are the rows of its `solve_many`, and draws a round's offers.
* A model built directly with a solver plays that solver's offers (the bug of issue 10: an
  `AllianceModel(solver=outsiders_solver(k=2))` used to play U[0, 1] offers). Standard error
  of a breakup share: with c and phi constant (c goes back to the same start value after a
  breakup) every alliance plays the same equilibrium every round, and every round draws fresh
  offers for every alliance whoever the partner, so the N alliance-rounds are independent
  Bernoulli(p_breakup) trials and the share has standard error sqrt(p (1 - p) / N).
* `analytic.make_solver` gives, for each bundled scenario's tables, the solver that the
  scenario described before the front door existed (rebuilt here from the tables by hand).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import analytic
from agents.distributions import CostDistribution, PhiProcess
from agents.model import AllianceModel
from analytic import PAPER_GAME, Equilibrium, GameSolver, make_solver
from analytic.bargaining import Benefits, NashBargaining, PieSolver, pie_solver
from analytic.general import GeneralSolver, solver_for
from analytic.outsiders import StrategicOutsiders, outsiders_solver, truthful_solver
from analytic.result import EQUILIBRIUM_FIELDS, GENERAL_FIELDS, OUTSIDER_FIELDS
from scenarios.scenario import bundled_scenarios, load_scenario, parse_scenario

VARIANTS = {
    "paper": (lambda: PAPER_GAME, EQUILIBRIUM_FIELDS),
    "beta offers": (lambda: solver_for("beta", a=2.0, b=5.0), GENERAL_FIELDS),
    "2 strategic outsiders": (lambda: outsiders_solver(k=2), OUTSIDER_FIELDS),
    "pie divided": (lambda: pie_solver(Benefits(1.0, 1.0, 0.9)), GENERAL_FIELDS),
    "2 truthful outsiders": (lambda: truthful_solver(2), GENERAL_FIELDS),
    "1 truthful outsider": (lambda: truthful_solver(1), EQUILIBRIUM_FIELDS),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_implements_the_interface(name):
    make, columns = VARIANTS[name]
    solver = make()
    assert isinstance(solver, GameSolver)
    assert isinstance(solver.benefits, Benefits) and isinstance(solver.describe(), str) and solver.describe()
    assert solver.vectorized == (solver is PAPER_GAME)
    eq = solver.solve(1.1, 0.02, 0.99)
    assert type(eq) is Equilibrium and eq.columns == columns
    df = solver.solve_many(phi=np.array([1.1]), c=np.array([0.02]), delta=0.99)
    assert isinstance(df, pd.DataFrame) and tuple(df.columns) == columns
    row = df.iloc[0]
    for field, value in eq.as_dict().items():
        if isinstance(value, str):
            assert row[field] == value, field
        else:
            assert row[field] == pytest.approx(value, abs=1e-12, nan_ok=True), field
    # the strategy functions, vectorized over draws
    x = np.array([0.0, 0.3, 0.9])
    assert np.shape(solver.protege_reservation_period1(x, 1.1, 0.02, 0.99)) == (3,)
    assert np.shape(solver.patron_offer_period2(x, 1.1, 0.02, 0.99)) == (3,)
    assert np.asarray(solver.protege_searches_period2(x, 0.02)).dtype == bool
    assert list(solver.protege_first_move(np.array([eq.r1]), 1.1, 0.02, 0.99)) == [eq.first_move] or \
        isinstance(solver, PieSolver)  # its strategy functions are in ad hoc units, r1 a contribution
    # a round's offers for n alliances, in [0, 1], the same from the same seed
    n = 500
    args = (np.full(n, eq.r1), np.full(n, "search"), 1.1, np.full(n, 0.02), 0.99)
    x1, x2 = solver.draw_offers(np.random.default_rng(7), *args)
    y1, _ = solver.draw_offers(np.random.default_rng(7), *args, partners=(np.arange(n), np.arange(n)))
    for offers in (x1, x2):
        assert offers.shape == (n,) and offers.dtype == float and np.all((offers >= 0) & (offers <= 1))
    assert np.array_equal(x1, y1)


def test_the_interface_refuses_an_incomplete_solver():
    class NoOffers(GameSolver):  # every method but draw_offers
        solve = solve_many = protege_first_move = protege_reservation_period1 = None
        patron_offer_period2 = protege_searches_period2 = describe = None

    with pytest.raises(TypeError, match="draw_offers"):
        NoOffers()


def test_the_paper_game_draws_the_models_uniforms_and_beta_their_quantiles():
    """Seeded runs stay the same: the paper's offers are rng.random((2, n)); Beta(2, 5) offers are
    scipy's inverse CDF of those uniforms."""
    n = 1000
    u = np.random.default_rng(11).random((2, n))
    args = (np.full(n, 0.6), np.full(n, "search"), 1.1, np.full(n, 0.02), 0.99)
    x1, x2 = PAPER_GAME.draw_offers(np.random.default_rng(11), *args)
    assert np.array_equal(x1, u[0]) and np.array_equal(x2, u[1])
    b1, b2 = solver_for("beta", a=2.0, b=5.0).draw_offers(np.random.default_rng(11), *args)
    np.testing.assert_allclose(b1, stats.beta(2, 5).ppf(u[0]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(b2, stats.beta(2, 5).ppf(u[1]), rtol=0, atol=1e-12)


def test_results_share_one_type_with_the_variants_fields():
    paper = analytic.solve(1.1, 0.02, 0.99)
    assert paper.r1_star is not None and paper.margin is None and paper.k is None
    assert list(paper.as_dict()) == list(EQUILIBRIUM_FIELDS)
    # the strategy-profile methods work for the paper's game (and agree with the module functions)
    x = np.array([0.1, 0.5, 0.8])
    np.testing.assert_array_equal(paper.patron_offer_period2(x), analytic.patron_offer_period2(x, 1.1, 0.02, 0.99))
    assert paper.protege_first_move(paper.r1)[0] == paper.first_move
    pie = pie_solver(Benefits(1.0, 1.0, 0.9)).solve(1.1, 0.02, 0.99)
    assert pie.margin is not None and pie.r1_star is None
    with pytest.raises(ValueError, match="ad hoc units"):
        pie.patron_offer_period2(x)


def _breakup_share(solver, c, n=2000, steps=10, seed=5):
    model = AllianceModel(n_proteges=n, n_patrons=20, n_ad_hoc=100, c=CostDistribution("constant", value=c),
                          phi=PhiProcess("constant", value=1.1), delta=0.99, record_events=False, rng=seed,
                          solver=solver)
    for _ in range(steps):
        model.step()
    return model.steps_table().to_pandas()["breakups"].sum() / (n * steps), n * steps


def test_a_model_built_directly_plays_the_strategic_outsiders_offers():
    """THE BUG: at phi = 1.1, c = 0, delta = .99 the k = 2 solver predicts breakups 0.464; with
    U[0, 1] offers instead (the old behaviour) the model broke up in 0.287 of alliance-rounds."""
    solver = outsiders_solver(k=2)
    p = solver.solve(1.1, 0.0, 0.99).p_breakup
    assert p == pytest.approx(0.464, abs=1e-3)
    share, n = _breakup_share(solver, 0.0)
    se = np.sqrt(p * (1 - p) / n)
    assert abs(share - p) <= 4 * se, (share, p, se)
    assert abs(share - 0.287) > 20 * se


def test_a_model_built_directly_plays_beta_offers():
    """Beta(2, 5) offers: breakups at c = 0.002 as the general solver predicts (0.090), far from the
    paper's game with U[0, 1] offers at the same point (0.254)."""
    solver = solver_for("beta", a=2.0, b=5.0)
    p = solver.solve(1.1, 0.002, 0.99).p_breakup
    share, n = _breakup_share(solver, 0.002)
    se = np.sqrt(p * (1 - p) / n)
    assert abs(share - p) <= 4 * se, (share, p, se)
    assert abs(share - analytic.solve(1.1, 0.002, 0.99).p_breakup) > 20 * se


def test_the_model_refuses_what_is_not_a_solver():
    with pytest.raises(ValueError, match="^solver: must be an analytic.protocol.GameSolver"):
        AllianceModel(n_proteges=10, n_patrons=2, n_ad_hoc=3, solver=analytic)


def _expected_solver(outsiders: dict, bargaining: dict):
    """The solver a scenario's tables named before the front door (Scenario.solver() of then)."""
    divisions = {who: NashBargaining(**{k: v for k, v in t.items() if k != "protocol"})
                 for who, t in bargaining.items() if t["protocol"] == "nash"}
    assert len(divisions) == len(bargaining), "only Nash divisions are rebuilt here"
    benefits = Benefits.from_divisions(divisions.get("ally"), divisions.get("ad_hoc"))
    if not benefits.is_paper:
        return ("pie", benefits, outsiders.get("dist", "uniform"), outsiders.get("params", {}))
    if outsiders["model"] == "uniform":
        return PAPER_GAME
    if outsiders["model"] == "strategic":
        return outsiders_solver(outsiders["k"], outsiders["dist"], outsiders["truthful"], **outsiders["params"])
    return solver_for(outsiders["dist"], **outsiders["params"])


def _same(solver, expected) -> bool:
    if isinstance(expected, tuple):  # a pie solver: its benefits and its offer distribution
        _, benefits, dist, params = expected
        return isinstance(solver, PieSolver) and solver.benefits == benefits and \
            solver.game.label == solver_for(dist, **params).label
    return solver is expected


@pytest.mark.parametrize("name", bundled_scenarios())
def test_the_front_door_gives_each_bundled_scenarios_solver(name):
    sc = load_scenario(name)
    solver = make_solver(sc.outsiders, sc.bargaining)
    assert _same(solver, _expected_solver(sc.outsiders, sc.bargaining))
    assert sc.solver() is solver and sc.build_model(record_events=False).solver is solver


BASE = {"seed": 1, "rounds": 1, "population": {"proteges": 10, "patrons": 2, "ad_hoc_partners": 3},
        "search_cost": 0.01, "game": {"delta": 0.99, "phi": 1.1}}


@pytest.mark.parametrize("tables,kind", [
    ({"outsiders": {"model": "strategic", "k": 1, "truthful": True}}, "paper"),
    ({"outsiders": {"model": "strategic", "k": 2, "truthful": True}}, GeneralSolver),
    ({"outsiders": {"model": "strategic", "k": 3}}, StrategicOutsiders),
    ({"outsiders": {"model": "distribution", "dist": "beta", "params": {"a": 2, "b": 5}},
      "bargaining": {"ad_hoc": {"protocol": "nash", "weight": 0.45}}}, PieSolver),
    ({"bargaining": {"ally": {"protocol": "nash", "weight": 0.5}}}, "paper"),
])
def test_the_front_door_on_other_tables(tables, kind):
    sc = parse_scenario(dict(BASE, **tables), "x.toml")
    solver = make_solver(sc.outsiders, sc.bargaining)
    assert _same(solver, _expected_solver(sc.outsiders, sc.bargaining))
    assert solver is PAPER_GAME if kind == "paper" else type(solver) is kind
    assert make_solver() is PAPER_GAME and make_solver(None, {}) is PAPER_GAME
