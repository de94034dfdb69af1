"""Scenario files: the bundled ones load, bad ones fail on load with one line naming file and key."""

from __future__ import annotations

import pytest

from scenarios import cli
from scenarios.scenario import bundled_scenarios, load_scenario

GOOD = """
name = "t"
seed = 1
rounds = 5
[population]
proteges = 50
patrons = 5
ad_hoc_partners = 10
[search_cost]
dist = "uniform"
low = 0.0
high = 0.05
[game]
delta = 0.99
phi = 1.1
[investment]
rule = "none"
"""


def test_the_issue_s_scenarios_are_bundled_and_valid():
    names = bundled_scenarios()
    for name in ("baseline", "search_cost_gradient", "institutional_ratchet", "volatile_costs"):
        assert name in names
    for name in names:
        sc = load_scenario(name)
        assert sc.rounds >= 1 and sc.n_proteges >= 1
    g = load_scenario("search_cost_gradient")
    assert (g.search_cost.kind, g.search_cost.low, g.search_cost.high) == ("evenly", 0.0, 0.06)
    assert g.phi.value == 1.1 and g.delta == 0.99 and g.investment_rule == "none"
    assert load_scenario("institutional_ratchet").investment_rule == "accumulate"
    v = load_scenario("volatile_costs")
    assert not v.phi.constant and v.phi.per == "round"


def _write(tmp_path, text):
    p = tmp_path / "s.toml"
    p.write_text(text)
    return str(p)


def test_a_good_file_loads_and_runs(tmp_path):
    sc = load_scenario(_write(tmp_path, GOOD))
    m = sc.build_model()
    m.step()
    assert m.steps == 1


@pytest.mark.parametrize(
    "old,new,key,allowed",
    [
        ("rounds = 5", "rounds = 5\ncolour = 1", "colour", "unknown key"),
        ("proteges = 50", "proteges = 50\nsize = 3", "population.size", "allowed: proteges"),
        ("proteges = 50", "proteges = -1", "population.proteges", "integer >= 1"),
        ("proteges = 50", 'proteges = "many"', "population.proteges", "integer"),
        ("ad_hoc_partners = 10", "ad_hoc_partners = 2", "population.ad_hoc_partners", ">= 3"),
        ("delta = 0.99", "delta = 1.5", "game.delta", "(0.0, 1.0]"),
        ("phi = 1.1", "phi = 2.0", "game.phi", "(1.0, 2.0)"),
        ("phi = 1.1", 'phi = { dist = "uniform", low = 0.9, high = 1.2 }', "game.phi.low", "(1.0, 2.0)"),
        ("phi = 1.1", 'phi = { dist = "uniform", low = 1.1, high = 1.2, per = "day" }', "game.phi.per", "round"),
        ("phi = 1.1", 'phi = { dist = "normal" }', "game.phi.dist", "constant, uniform, beta"),
        ('dist = "uniform"', 'dist = "gamma"', "search_cost.dist", "constant, uniform, evenly, beta, groups"),
        ("low = 0.0", "low = -0.1", "search_cost.low", "[0.0, inf]"),
        ("high = 0.05", "high = 0.05\nmode = 2", "search_cost.mode", "allowed: dist, low, high"),
        ('rule = "none"', 'rule = "grow"', "investment.rule", "accumulate, choose, none"),
        ('rule = "none"', 'rule = "accumulate"\nstep = 0.01', "investment.cap", "required"),
        ('rule = "none"', 'rule = "accumulate"\nstep = 0.01\ncap = 2.0', "investment.cap", "[0.0, 0.5]"),
        ("seed = 1", "seed = 1.5", "seed", "integer >= 0"),
        ("rounds = 5", "rounds = 0", "rounds", "integer >= 1"),
    ],
)
def test_bad_values_are_one_line_errors_naming_file_and_key(tmp_path, old, new, key, allowed):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ValueError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: {key}:"), msg
    assert allowed in msg, msg


def test_groups_need_one_weight_per_value(tmp_path):
    text = GOOD.replace('dist = "uniform"\nlow = 0.0\nhigh = 0.05', 'dist = "groups"\nvalues = [0.0, 0.04]\nweights = [1]')
    with pytest.raises(ValueError, match=r"search_cost\.weights: must be a list of 2"):
        load_scenario(_write(tmp_path, text))


def test_invalid_toml_and_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="not valid TOML"):
        load_scenario(_write(tmp_path, "rounds = = 3"))
    with pytest.raises(ValueError, match="bundled: .*baseline"):
        load_scenario("no_such_scenario")


def test_the_cli_turns_a_bad_scenario_into_exit_code_2(tmp_path, capsys):
    path = _write(tmp_path, GOOD.replace("delta = 0.99", "delta = 0"))
    out = tmp_path / "out"
    assert cli.main(["run", path, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("alliances: error: ") and "game.delta" in err[0]
    assert not out.exists()  # nothing ran
    assert cli.main(["run", "baseline", "--steps", "0", "--out", str(out)]) == 2
    assert "--steps" in capsys.readouterr().err
