"""Scenario files for the extensions: validation of [outsiders] and the agents against the solver.

``outside_offers_beta`` (extension 4): per group of c, the simulated breakup frequency and
the mean contribution of the patron are within 4 standard errors of analytic.general's
prediction for Beta(2, 5) offers (alliance-rounds are independent: c is fixed, every round
draws new offers), and a chi-square over the groups is not significant at 0.1%.
"""
from __future__ import annotations

import numpy as np
import pytest

from group_checks import assert_groups_match
from scenarios.scenario import load_scenario, parse_scenario

BASE = {
    "seed": 1, "rounds": 2, "population": {"proteges": 10, "patrons": 2, "ad_hoc_partners": 3},
    "search_cost": 0.01, "game": {"delta": 0.99, "phi": 1.1},
}


def _parse(outsiders):
    return parse_scenario(dict(BASE, outsiders=outsiders), "x.toml")


def test_outsiders_default_is_uniform():
    import analytic

    sc = parse_scenario(dict(BASE), "x.toml")
    assert sc.outsiders == {"model": "uniform"} and sc.solver() is analytic.PAPER_GAME


@pytest.mark.parametrize("outsiders,message", [
    ({"model": "auction"}, "x.toml: outsiders.model: must be one of"),
    ({"model": "distribution"}, "x.toml: outsiders.dist: required"),
    ({"model": "distribution", "dist": "norm"}, "x.toml: outsiders.dist: .*support"),
    ({"model": "distribution", "dist": "nope"}, "x.toml: outsiders.dist: not a continuous"),
    ({"model": "distribution", "dist": "beta", "params": {"a": 2}}, "x.toml: outsiders.dist: scipy.stats.beta"),
    ({"model": "distribution", "dist": "beta", "params": {"a": "2", "b": 1}}, "x.toml: outsiders.params.a"),
    ({"model": "uniform", "dist": "beta"}, "x.toml: outsiders.dist: unknown key"),
])
def test_outsiders_validation(outsiders, message):
    with pytest.raises(ValueError, match=message):
        _parse(outsiders)


def test_outside_offers_beta_matches_solver():
    sc = load_scenario("outside_offers_beta")
    solver = sc.solver()
    model = sc.build_model(record_events=True)
    for _ in range(sc.rounds):
        model.step()
    ev = model.events_table().to_pandas()
    pred = solver.solve_many(phi=1.1, c=np.array(sorted(ev["search_cost"].unique())), delta=sc.delta)
    assert_groups_match(ev, pred)


def test_extension_offers_cli(tmp_path, capsys):
    """`alliances extension offers` writes its tables; footnote 13 holds for Beta(2, 5)."""
    import pandas as pd

    from scenarios.cli import main

    code = main(["extension", "offers", "--dist", "beta:a=2,b=5", "--points", "5", "--c-max", "0.006",
                 "--no-plot", "--out", str(tmp_path)])
    assert code == 0
    summary = pd.read_csv(tmp_path / "offers_summary.csv")
    assert summary["non_monotone"].tolist() == [True]
    assert len(pd.read_csv(tmp_path / "offers.csv")) == 5
    assert main(["extension", "offers", "--dist", "norm", "--out", str(tmp_path)]) == 2
    assert "support" in capsys.readouterr().err


def test_strategic_outsiders_key():
    import analytic
    from analytic.outsiders import StrategicOutsiders

    sc = _parse({"model": "strategic", "k": 1, "truthful": True})
    assert sc.solver() is analytic.PAPER_GAME  # truthful single outsider, U[0, 1]: the paper's baseline
    sc = _parse({"model": "strategic", "k": 2, "dist": "beta", "params": {"a": 2, "b": 2}})
    assert isinstance(sc.solver(), StrategicOutsiders) and sc.solver().k == 2
    with pytest.raises(ValueError, match="x.toml: outsiders.k"):
        _parse({"model": "strategic", "k": 0})
    with pytest.raises(ValueError, match="x.toml: outsiders.truthful"):
        _parse({"model": "strategic", "truthful": "yes"})


def test_strategic_outsiders_scenario_matches_solver():
    """Two strategic outsiders: the patron pays r* at once and nobody breaks up where c is not
    small; at c = 0.0005 (a gap in the acceptable offers) breakups within 4 SE of the solver."""
    sc = load_scenario("strategic_outsiders").with_overrides(rounds=10)
    model = sc.build_model(record_events=True)
    for _ in range(sc.rounds):
        model.step()
    ev = model.events_table().to_pandas()
    pred = sc.solver().solve_many(phi=1.1, c=np.array(sorted(ev["search_cost"].unique())), delta=sc.delta)
    assert list(pred["first_move"]) == ["search"] + ["accept"] * (len(pred) - 1)
    for _, row in pred.iterrows():
        g = ev[ev["search_cost"] == row["c"]]
        assert (g["first_move"] == row["first_move"]).all()
        broke = (g["outcome"] == "breakup").mean()
        p = row["p_breakup"]
        if row["first_move"] == "accept":
            assert broke == pytest.approx(p, abs=1e-12)
            assert g["contribution"].mean() == pytest.approx(row["expected_contribution"], abs=1e-12)
        else:
            assert abs(broke - p) <= 4 * np.sqrt(p * (1 - p) / len(g))


def test_extension_outsiders_cli(tmp_path):
    """`alliances extension outsiders`: k = 1 holds the protégé up at every c."""
    import pandas as pd

    from scenarios.cli import main

    assert main(["extension", "outsiders", "--k", "1", "--points", "2", "--no-plot", "--out", str(tmp_path)]) == 0
    df = pd.read_csv(tmp_path / "outsiders.csv")
    one = df[df["outsiders"] == "1 strategic outsider"]
    assert (one["first_move"] == "accept").all() and np.allclose(one["r1"], 0.1)
    assert np.allclose(one["u_protege"], 0.0, atol=1e-9)


def test_switch_cost_is_one_32nd_for_uniform_offers():
    """The paper's c* = 1/32 (phi = 1.1, delta = .99) found by the extension's bisection."""
    from scenarios.studies.offers import dist_specs, offers_data
    from scenarios.studies.over_c import refine_switch

    df = offers_data(["uniform"], c_max=0.04, points=3)  # c = 0, 0.02 (search), 0.04 (accept)
    found = refine_switch(dist_specs(["uniform"]), df, 1.1, 0.99, iters=8)
    assert abs(found["uniform"] - 1 / 32) <= 0.02 / 2**8
