"""scenarios.run_point: one run's outcome measures from dotted overrides, the same as the runner's."""

from __future__ import annotations

import copy

import pytest

from scenarios import run_point
from scenarios.run.measures import MEASURES, run_measures
from scenarios.run.runner import run_scenario
from scenarios.scenario import SCENARIO_DIR, parse_scenario, read_toml

SMALL = {"population.proteges": 60, "population.patrons": 4, "population.ad_hoc_partners": 8, "rounds": 12}


def by_hand(name: str, seed: int, changes: dict):
    """The scenario file with the changes written into its table by hand, then run as `alliances run` does."""
    data = copy.deepcopy(read_toml(SCENARIO_DIR / f"{name}.toml"))
    for key, value in changes.items():
        *tables, leaf = key.split(".")
        node = data
        for t in tables:
            node = node.setdefault(t, {})
        node[leaf] = value
    data["seed"] = seed
    sc = parse_scenario(data, "by-hand")
    return run_scenario(sc, out=None, progress=False, plots=False)


def same(a: dict, b: dict) -> bool:
    """Equal measures, exactly (nan equal to nan: a measure without a value in both)."""
    return a.keys() == b.keys() and all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in a)


def test_run_point_equals_the_runner_and_its_measures():
    """baseline records events; run_point leaves them out when no tables are asked for: the
    measures must not change (the events are not part of the model's random stream)."""
    changes = {**SMALL, "game.phi": 1.25, "search_cost.high": 0.06}
    expected = run_measures(by_hand("baseline", 11, changes).model)
    got = run_point("baseline", seed=11, **changes)
    assert list(got) == list(MEASURES)
    assert same(got, expected)
    # the __ spelling is the same keys
    spelled = run_point("baseline", seed=11, game__phi=1.25, search_cost__high=0.06,
                        population__proteges=60, population__patrons=4, population__ad_hoc_partners=8, rounds=12)
    assert same(spelled, got)
    # another seed, another run
    assert run_point("baseline", seed=12, **changes)["mean_churn"] != got["mean_churn"]


def test_run_point_tables_are_the_runners_tables():
    result = by_hand("institutional_ratchet", 3, {**SMALL, "investment.step": 0.004})
    got = run_point("institutional_ratchet", seed=3, tables=True, **SMALL, **{"investment.step": 0.004})
    assert got["tables"]["steps"].equals(result.model.steps_table().to_pandas())
    assert got["tables"]["alliances"].equals(result.model.alliances_table().to_pandas())
    assert "events" in got["tables"] and len(got["tables"]["events"]) > 0  # the file records them
    assert got["mean_churn"] == run_measures(result.model)["mean_churn"]


@pytest.mark.parametrize("overrides, what", [
    ({"game.phii": 1.2}, "baseline.toml: overrides: game.phii: unknown scenario key; allowed under game: delta, phi"),
    ({"game__phi": 0.5}, "game.phi: must be a number in (1.0, 2.0)"),
    ({"game": {"phi": 1.2, "delta": 0.9}, "game.phi": 1.3}, "overrides: game.phi: overlaps game"),
    ({"name": "x"}, "overrides: name: cannot be swept"),
])
def test_bad_overrides_are_one_line_naming_the_key(overrides, what):
    with pytest.raises(ValueError) as e:
        run_point("baseline", **overrides)
    assert what in str(e.value) and "\n" not in str(e.value)


def test_a_sweep_name_is_its_scenario_as_it_stands():
    got = run_point("tiny", rounds=5)
    assert set(got) == set(MEASURES)
    with pytest.raises(ValueError, match="no such file and no bundled sweep or scenario"):
        run_point("no_such_scenario")


def test_run_point_of_a_sweep_run_is_that_runs_measures():
    """A sweep's planned run (a whole table swept: investment = {rule, step, cap}) through
    run_point equals the same RunSpec's scenario through the runner."""
    from scenarios.sweep_spec import load_plan

    plan = load_plan("tiny")
    run = next(r for r in plan.runs if r.params["investment"]["rule"] == "accumulate" and r.replication == 1)
    expected = run_measures(run_scenario(run.scenario(), out=None, progress=False, plots=False).model)
    assert same(run_point("tiny", seed=run.seed, **run.params), expected)
