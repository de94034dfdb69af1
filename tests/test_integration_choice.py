"""Extension 2: choosing integration (analytic.integration and the 'choose' investment rule)."""
import copy
import tomllib

import numpy as np
import pytest

from agents import AllianceModel, PhiProcess, make_rule
from analytic import solve_many
from analytic.integration import CHOOSERS, chosen_search_cost
from analytic.welfare import optimal_search_cost
from scenarios.scenario import SCENARIO_DIR, load_scenario, parse_scenario

DELTA = 0.99
TOL = 1e-9  # no point of an independent coarse grid may beat the chosen c by more


def test_protege_choice_is_the_welfare_optimum():
    got = chosen_search_cost(1.1, DELTA, "protege", 0.0, 0.1)
    assert got.c == pytest.approx(optimal_search_cost(1.1, DELTA).c_star, abs=1e-12)
    assert got.c == pytest.approx(1 / 32, abs=1e-12)


def _objective(phis, weights, cs, chooser):
    t = solve_many(np.asarray(phis)[:, None], np.asarray(cs)[None, :], DELTA)
    up = t["u_protege"].to_numpy().reshape(len(phis), -1)
    ua = t["u_patron"].to_numpy().reshape(len(phis), -1)
    w = np.asarray(weights, float) / np.sum(weights)
    mp, ma = w @ up, w @ ua
    return {"protege": mp, "patron": ma, "joint": mp * ma}[chooser]


@pytest.mark.parametrize("chooser", CHOOSERS)
@pytest.mark.parametrize("phis,weights", [([1.1], [1]), ([1.5], [1]), ([1.1, 1.3, 1.55], [2, 1, 1])])
def test_no_coarse_grid_point_beats_the_choice(chooser, phis, weights):
    got = chosen_search_cost(phis, DELTA, chooser, 0.0, 0.1, weights=weights)
    assert 0.0 <= got.c <= 0.1
    assert _objective(phis, weights, [got.c], chooser)[0] == pytest.approx(got.objective, abs=1e-12)
    coarse = np.linspace(0.0, 0.1, 173)  # independent of the chooser's grid
    assert _objective(phis, weights, coarse, chooser).max() <= got.objective + TOL


def test_rule_in_the_model_uses_the_phi_seen():
    rule = make_rule("choose", chooser="joint", memory=3, every=1, grid=201)
    m = AllianceModel(n_proteges=300, n_patrons=10, n_ad_hoc=30, investment=rule, rng=3,
                      phi=PhiProcess("uniform", low=1.05, high=1.6, per="round"), record_events=False)
    prior = chosen_search_cost(1.325, DELTA, "joint", 0.0, 0.1, n_grid=201).c
    assert np.all(m.c == prior)
    for _ in range(6):
        m.step()
    assert len(rule.history) == 6
    age = m.steps - m.spell_start + 1  # rounds each alliance has played (0: formed just now)
    old = age >= 3
    assert old.any()
    want = chosen_search_cost(rule.history[-3:], DELTA, "joint", 0.0, 0.1, n_grid=201).c
    np.testing.assert_array_equal(m.c[old], want)
    np.testing.assert_array_equal(m.c[age == 0], prior)  # new alliances start at the prior's choice


def test_scenario_loads_and_runs():
    sc = load_scenario("chosen_integration").with_overrides(rounds=3)
    assert sc.investment_rule == "choose" and sc.investment_params["chooser"] == "protege"
    m = sc.build_model(record_events=False)
    for _ in range(3):
        m.step()
    assert np.all((m.c >= 0) & (m.c <= 0.1))


def test_summary_says_the_rule_chooses_c_not_the_unused_starting_level():
    """chosen_integration's search_cost (0) is never used: its alliances start at the chosen c."""
    sc = load_scenario("chosen_integration")
    m = sc.build_model(record_events=False)
    assert m.c_start.min() > 0  # the rule chose a positive c for every alliance
    line = sc.describe()[2]
    assert "c chosen by the investment rule" in line and "c = 0;" not in line
    assert load_scenario("baseline").describe()[2].startswith("  c = 0 + 0.1 * Beta(2, 3)")


def _data():
    with open(SCENARIO_DIR / "chosen_integration.toml", "rb") as f:
        return tomllib.load(f)


@pytest.mark.parametrize("change,key", [
    ({"chooser": "king"}, "investment.chooser"),
    ({"memory": 2.5}, "investment.memory"),
    ({"c_low": 0.05, "c_high": 0.01}, "investment.c_high"),
    ({"c_high": 0.9}, "investment.c_high"),
    ({"remember": 3}, "investment.remember"),
])
def test_bad_parameters_name_the_key(change, key):
    data = copy.deepcopy(_data())
    data["investment"].update(change)
    with pytest.raises(ValueError) as e:
        parse_scenario(data, "x.toml")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"x.toml: {key}:")


def test_phi_per_alliance_is_refused():
    data = copy.deepcopy(_data())
    data["game"]["phi"]["per"] = "alliance"
    with pytest.raises(ValueError, match=r"^x\.toml: investment\.rule: 'choose' needs"):
        parse_scenario(data, "x.toml")
