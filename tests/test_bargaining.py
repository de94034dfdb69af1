"""Extension 3, dividing the pie: divisions, the solver with unequal benefits, the agents.

* The divisions against independent computations: Nash's share by maximizing the Nash
  product numerically, Rubinstein's by backward induction of a long finite-horizon
  alternating-offers game.
* The neutral setting (an even split of a pie of 2) is the paper's game: the scenario plays
  `analytic` itself, and `PieSolver` agrees with `analytic.solve`.
* With unequal benefits the solver agrees with the independent brute force
  (`tests/brute_force.py`, which plays the game in contributions and payoffs, not in the
  solver's ad hoc units) within its error bound.
* Derived by hand, not from the code: the period-2 regime switches at
  c = (1 - b/2)^4 / 2, b = the alliance's pie minus the protégé's ad hoc benefit (the
  paper's 1/32 at b = 1), where the patron also switches to the offer accepted at once.
* The agents' frequencies, payoffs and contributions match the solver (4 standard errors).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

import analytic
from analytic.bargaining import AlternatingOffers, Benefits, NashBargaining, PieSolver, pie_solver
from group_checks import assert_groups_match
from scenarios.scenario import load_scenario, parse_scenario


# ---------------------------------------------------------------- divisions
@pytest.mark.parametrize("weight,pie", [(0.5, 2.0), (0.3, 2.0), (0.8, 1.5)])
def test_nash_share_maximizes_the_nash_product(weight, pie):
    res = optimize.minimize_scalar(lambda s: -(weight * np.log(s) + (1 - weight) * np.log(pie - s)),
                                   bounds=(1e-9, pie - 1e-9), method="bounded", options=dict(xatol=1e-12))
    assert NashBargaining(weight, pie).protege_value() == pytest.approx(res.x, abs=1e-7)


def _finite_horizon_share(d_first, d_second, rounds=4000):
    """First proposer's share in alternating offers that end after `rounds` proposals
    (the last proposer takes all), by backward induction."""
    share = 1.0  # the proposer's share in the last round
    for t in range(rounds - 1, 0, -1):
        responder_d = d_second if t % 2 == 1 else d_first  # responder in round t (1-based: odd = first)
        share = 1.0 - responder_d * share
    return share


@pytest.mark.parametrize("d_protege,d_partner", [(0.9, 0.9), (0.95, 0.8), (0.6, 0.97)])
def test_rubinstein_share_is_the_limit_of_finite_games(d_protege, d_partner):
    pie = 2.0
    leads = _finite_horizon_share(d_protege, d_partner)
    follows = 1.0 - _finite_horizon_share(d_partner, d_protege)
    for first, frac in (("protege", leads), ("partner", follows), ("random", 0.5 * (leads + follows))):
        got = AlternatingOffers(d_protege, d_partner, first, pie).protege_value()
        assert got == pytest.approx(frac * pie, abs=1e-9)


def test_even_splits_are_the_paper():
    assert Benefits.from_divisions(NashBargaining(0.5), NashBargaining(0.5)).is_paper
    b = Benefits.from_divisions(AlternatingOffers(0.9, 0.9, "random"), AlternatingOffers(0.7, 0.7, "random"))
    assert np.allclose([b.patron, b.protege_ally, b.protege_ad_hoc], 1.0, atol=1e-15)


@pytest.mark.parametrize("make,message", [
    (lambda: NashBargaining(1.0), "weight must be a number in \\(0, 1\\)"),
    (lambda: NashBargaining(0.5, pie=-1), "pie must be"),
    (lambda: AlternatingOffers(1.0, 0.9), "discount_protege"),
    (lambda: AlternatingOffers(0.9, 0.9, "patron"), "first must be one of protege, partner, random"),
])
def test_division_errors_are_one_line(make, message):
    with pytest.raises(ValueError, match=message) as e:
        make()
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("benefits,phi,message", [
    (Benefits(1.2, 0.8, 1.0), 1.1, "patron's benefit 1.2 must stay below phi"),
    (Benefits(0.5, 0.5, 1.0), 1.1, "alliance's benefits"),
    (Benefits(1.0, 1.0, 0.05), 1.1, "below 1"),
])
def test_benefits_outside_the_game_are_refused(benefits, phi, message):
    with pytest.raises(ValueError, match=message):
        pie_solver(benefits).solve(phi, 0.01, 0.99)


@pytest.mark.parametrize("phi,message", [("x", "phi must be a number, got 'x'"), (float("nan"), "phi must be in"),
                                         (float("inf"), "phi = inf is outside the game")])
def test_bad_phi_is_one_line(phi, message):
    with pytest.raises(ValueError, match=message) as e:
        pie_solver(Benefits(1.0, 1.0, 0.9)).solve(phi, 0.01, 0.99)
    assert "\n" not in str(e.value)


# ---------------------------------------------------------------- the neutral setting
@pytest.mark.parametrize("phi,c,delta", [(1.1, 0.01, 0.99), (1.45, 0.002, 0.5), (1.8, 0.03, 0.9), (1.1, 0.05, 0.99)])
def test_neutral_division_reproduces_analytic(phi, c, delta):
    eq = pie_solver(Benefits()).solve(phi, c, delta)
    ref = analytic.solve(phi, c, delta)
    assert eq.first_move == ref.first_move
    for f in ("r1", "u_patron", "u_protege", "p_alliance", "p_breakup", "expected_contribution"):
        assert getattr(eq, f) == pytest.approx(getattr(ref, f), abs=1e-8), f


def test_neutral_scenario_plays_the_paper_exactly():
    sc = parse_scenario(dict(BASE, bargaining={"ally": {"protocol": "nash", "weight": 0.5},
                                               "ad_hoc": {"protocol": "nash", "weight": 0.5, "pie": 2.0}}), "x.toml")
    assert sc.solver() is analytic.PAPER_GAME


# ---------------------------------------------------------------- unequal benefits
def test_ally_division_only_moves_the_contribution():
    """Moving t of the alliance's pie from patron to protégé lowers her contribution by t,
    everything else equal (derived: the protégé's net gain r - (phi - B_A) is unchanged)."""
    phi, c, delta = 1.1, 0.012, 0.99
    a = pie_solver(Benefits(1.0, 1.0, 0.95)).solve(phi, c, delta)
    t = 0.06
    b = pie_solver(Benefits(1.0 - t, 1.0 + t, 0.95)).solve(phi, c, delta)
    assert a.first_move == b.first_move == "search"
    assert b.r1 == pytest.approx(a.r1 - t, abs=1e-9)
    assert b.expected_contribution == pytest.approx(a.expected_contribution - t, abs=1e-9)
    for f in ("u_patron", "u_protege", "p_breakup", "p_alliance"):
        assert getattr(b, f) == pytest.approx(getattr(a, f), abs=1e-9)


@pytest.mark.parametrize("benefits", [Benefits(1.0, 1.0, 0.9), Benefits(0.95, 1.05, 1.05), Benefits(0.8, 0.9, 0.8)])
def test_regime_switch_closed_form(benefits):
    """c_s = (1 - b/2)^4 / 2 with b = B_P + B_A - B_H: period-2 lottery below, none above;
    the patron's first offer is accepted at once from there on (phi = 1.1, delta = .99)."""
    b = benefits.patron + benefits.protege_ally - benefits.protege_ad_hoc
    c_s = (1 - b / 2) ** 4 / 2
    s = pie_solver(benefits)
    below, above = s.solve(1.1, c_s * (1 - 1e-3), 0.99), s.solve(1.1, c_s * (1 + 1e-3), 0.99)
    assert (below.regime, above.regime) == ("prop2", "prop1")
    assert (below.first_move, above.first_move) == ("search", "accept")


# ---------------------------------------------------------------- against the brute force
GRID = dict(n_x=20000, n_r=400, n_r2=100000, n_ref=100)
BF_TOL_R, BF_TOL_P = 2e-3, 3e-3  # as in test_against_brute_force.py


def _random_points(n, seed=33):
    """(benefits, phi, c, delta) with the game defined: every benefit below phi, the alliance's
    above it, phi - B_H < 1; c below 0.012, where most equilibria have searches."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        phi = rng.uniform(1.05, 1.7)
        b = Benefits(*(float(v) for v in rng.uniform(0.55, phi, size=3)))
        if b.patron + b.protege_ally > phi + 0.05 and phi - b.protege_ad_hoc < 0.95:
            out.append((b, round(phi, 4), round(float(rng.uniform(0.0, 0.012)), 5), round(float(rng.uniform(0.3, 1.0)), 3)))
    return out


POINTS = _random_points(10) + [
    (Benefits(1.05, 0.95, 0.9), 1.1, 0.004, 0.99),
    (Benefits(1.0, 1.0, 1.08), 1.1, 0.01, 0.99),  # b = 0.92 < 1: she gives up against x1 > b in period 2
]


@pytest.mark.parametrize("benefits,phi,c,delta", POINTS)
def test_against_brute_force(benefits, phi, c, delta):
    from brute_force import brute_force, error_bound

    eq = pie_solver(benefits).solve(phi, c, delta)
    bf = brute_force(phi, c, delta, benefits=(benefits.patron, benefits.protege_ally, benefits.protege_ad_hoc),
                     **GRID)
    eps = error_bound(**GRID, scale=max(1.0, benefits.patron))
    assert abs(eq.u_patron - bf["u_patron"]) <= eps  # continuous even at the patron's ties
    if bf["margin"] <= 2 * eps:
        pytest.skip(f"knife-edge tie of the patron here (margin {bf['margin']:.1e}): first moves not compared")
    assert eq.first_move == bf["first_move"]
    w = bf["window"]
    for field, tol in (("u_protege", eps), ("r1", BF_TOL_R), ("p_alliance", BF_TOL_P),
                       ("p_breakup", BF_TOL_P), ("expected_contribution", BF_TOL_P)):
        lo, hi = w[field]
        assert lo - tol <= getattr(eq, field) <= hi + tol, (field, getattr(eq, field), w[field])


def test_against_brute_force_beta_offers():
    """Unequal benefits with Beta(2, 5) outside offers (extensions 3 and 4 together)."""
    from analytic.general import make_distribution
    from brute_force import brute_force, error_bound

    benefits, phi, c, delta = Benefits(1.0, 1.02, 0.95), 1.1, 0.002, 0.99
    eq = pie_solver(benefits, "beta", {"a": 2.0, "b": 5.0}).solve(phi, c, delta)
    bf = brute_force(phi, c, delta, benefits=(1.0, 1.02, 0.95), ppf=make_distribution("beta", a=2, b=5).ppf,
                     **GRID)
    eps = error_bound(**GRID)
    assert bf["margin"] > 2 * eps and eq.first_move == bf["first_move"] == "search"
    assert abs(eq.u_patron - bf["u_patron"]) <= eps
    lo, hi = bf["window"]["p_breakup"]
    assert lo - BF_TOL_P <= eq.p_breakup <= hi + BF_TOL_P


# ---------------------------------------------------------------- the agents
@pytest.mark.parametrize("benefits,phi,c", [
    (Benefits(1.0, 1.0, 0.9), 1.1, 0.01),
    (Benefits(0.94, 1.06, 0.9), 1.1, 0.004),   # the ally's share differs from the ad hoc one
    (Benefits(1.2, 0.7, 0.8), 1.3, 0.01),
    (Benefits(0.8, 0.67, 1.01), 1.17, 0.005),  # b = 0.46: she makes no offer in period 2 against x1 > b
])
def test_play_round_matches_the_solver(benefits, phi, c):
    from agents.game import ALLIANCE, BREAKUP, move_codes, play_round

    delta = 0.95
    solver = pie_solver(benefits)
    eq = solver.solve(phi, c, delta)
    assert eq.first_move == "search"
    n = 200_000
    r1, moves = np.full(n, eq.r1), np.full(n, eq.first_move)
    x1, x2 = solver.draw_offers(np.random.default_rng(7), r1, moves, phi, np.full(n, c), delta)
    res = play_round(r1, move_codes(moves), phi, np.full(n, c), delta, x1, x2, solver=solver)
    for freq, p in ((res.outcome == BREAKUP, eq.p_breakup), (res.outcome == ALLIANCE, eq.p_alliance),
                    (res.period == 2, eq.p_period2)):
        assert abs(freq.mean() - p) <= 4 * np.sqrt(p * (1 - p) / n)
    contr = res.contribution[res.outcome == ALLIANCE]
    for sample, mean in ((res.protege_payoff, eq.u_protege), (res.patron_payoff, eq.u_patron),
                         (contr, eq.expected_contribution)):
        assert abs(sample.mean() - mean) <= 4 * sample.std() / np.sqrt(sample.size)


BASE = {
    "seed": 1, "rounds": 2, "population": {"proteges": 10, "patrons": 2, "ad_hoc_partners": 3},
    "search_cost": 0.01, "game": {"delta": 0.99, "phi": 1.1},
}


@pytest.mark.parametrize("bargaining,message", [
    ({"ally": {"protocol": "split"}}, "x.toml: bargaining.ally.protocol: must be one of nash, alternating"),
    ({"ad_hoc": {"protocol": "nash", "weight": 1.5}}, "x.toml: bargaining.ad_hoc: weight must be"),
    ({"ad_hoc": {"protocol": "nash", "weight": "half"}}, "x.toml: bargaining.ad_hoc.weight: must be a number"),
    ({"ally": {"protocol": "nash", "discount_protege": 0.9}}, "x.toml: bargaining.ally.discount_protege: unknown key"),
    ({"ally": {"protocol": "nash", "weight": 0.6}}, "x.toml: bargaining: game.phi: phi = 1.1 is outside"),
    ({"pie": 2}, "x.toml: bargaining.pie: unknown key"),
])
def test_bargaining_table_errors(bargaining, message):
    with pytest.raises(ValueError, match=message) as e:
        parse_scenario(dict(BASE, bargaining=bargaining), "x.toml")
    assert "\n" not in str(e.value)


def test_bargaining_with_strategic_outsiders_is_refused():
    with pytest.raises(ValueError, match="bargaining: cannot be combined"):
        parse_scenario(dict(BASE, bargaining={"ad_hoc": {"protocol": "nash", "weight": 0.45}},
                            outsiders={"model": "strategic", "k": 2}), "x.toml")


def test_dividing_the_pie_scenario_matches_solver():
    """Per c group: breakups and the patron's mean contribution within 4 SE of the solver,
    chi-square over the groups not significant at 0.1%; the free-riding gap uses phi - B_A."""
    sc = load_scenario("dividing_the_pie")
    solver = sc.solver()
    assert isinstance(solver, PieSolver) and solver.benefits.protege_ad_hoc == pytest.approx(0.9)
    model = sc.build_model(record_events=True)
    for _ in range(sc.rounds):
        model.step()
    ev = model.events_table().to_pandas()
    pred = solver.solve_many(phi=1.1, c=np.array(sorted(ev["search_cost"].unique())), delta=sc.delta)
    assert set(pred["first_move"]) == {"search", "accept"}
    assert_groups_match(ev, pred)


def test_pie_sweep_runs_carry_their_division():
    """Each run of the bundled pie_divisions sweep plays the benefits its grid point names."""
    from scenarios.sweep_spec import load_plan

    plan = load_plan("pie_divisions")
    assert len(plan.runs) == 12
    for run in plan.runs:
        sc = run.scenario()
        b = sc.benefits()
        w_ally, w_ad_hoc = run.params["bargaining.ally.weight"], run.params["bargaining.ad_hoc.weight"]
        assert (b.protege_ally, b.patron, b.protege_ad_hoc) == pytest.approx((2 * w_ally, 2 - 2 * w_ally, 2 * w_ad_hoc))
        paper = w_ally == w_ad_hoc == 0.5
        assert (sc.solver() is analytic.PAPER_GAME) == paper and (paper or sc.solver().benefits == b)


def test_extension_pie_cli(tmp_path, capsys):
    """`alliances extension pie` writes its tables; a bad division is one line, exit 2."""
    import pandas as pd

    from scenarios.cli import main

    code = main(["extension", "pie", "--division", "weak=-/nash:weight=0.45", "--points", "3", "--c-max", "0.04",
                 "--no-plot", "--out", str(tmp_path)])
    assert code == 0
    summary = pd.read_csv(tmp_path / "pie_summary.csv")
    assert summary["c_switch_exact"].iloc[0] == pytest.approx(0.9**4 / 32, abs=0.02 / 2**22 * 2)
    assert len(pd.read_csv(tmp_path / "pie.csv")) == 3
    capsys.readouterr()
    assert main(["extension", "pie", "--division", "x=nash:weight=0.6/-", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "phi = 1.1 is outside the game" in err and err.count("\n") == 1
