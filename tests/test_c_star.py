"""Every c* of the extension studies comes from the welfare optimizer, not from the grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analytic
from analytic.welfare import optimal_search_cost, optimal_search_cost_on_grid
from scenarios import cli

PAPER_DIVISION = "paper=-/-"


def test_the_papers_case_gives_exactly_one_32nd_and_a_grid_too_coarse_is_warned_about(tmp_path, capsys):
    # c = 0, 0.015, 0.03, 0.045, 0.06: the grid's best point is c = 0, far from c* = 1/32
    assert cli.main(["extension", "pie", "--division", PAPER_DIVISION, "--points", "5", "--no-plot",
                     "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "alliances: warning: paper: --points 5 is too coarse to trust: c* = 0.03125" in err
    summary = pd.read_csv(tmp_path / "pie_summary.csv")
    assert summary["c_star"].iloc[0] == 1 / 32  # exactly, as `alliances welfare` gives
    assert summary["u_protege_at_c_star"].iloc[0] == pytest.approx(optimal_search_cost(1.1, 0.99).u_protege, abs=1e-12)
    assert bool(summary["grid_too_coarse"].iloc[0]) and summary["c_star_on_grid"].iloc[0] == 0.0


def test_uniform_offers_through_the_general_solver_give_one_32nd_on_another_grid(tmp_path, capsys):
    # c = 0, 0.01, ..., 0.04 (the grid's best point, 0.04, is within a step of c*: no warning)
    assert cli.main(["extension", "offers", "--dist", "uniform", "--points", "5", "--no-plot",
                     "--out", str(tmp_path)]) == 0
    assert "too coarse" not in capsys.readouterr().err
    summary = pd.read_csv(tmp_path / "offers_summary.csv")
    assert summary["c_star"].iloc[0] == 1 / 32 and not bool(summary["grid_too_coarse"].iloc[0])


@pytest.mark.parametrize("phi", [1.05, 1.1, 1.3, 1.6])
def test_the_grid_optimizer_agrees_with_the_papers_optimizer_and_beats_every_grid_point(phi):
    c = np.linspace(0.0, 0.12, 7)
    got = optimal_search_cost_on_grid(analytic.PAPER_GAME, phi, 0.99, c)
    want = optimal_search_cost(phi, 0.99)
    if want.c_star <= c[-1]:
        assert got.c_star == pytest.approx(want.c_star, abs=1e-9)
        assert got.u_protege == pytest.approx(want.u_protege, abs=1e-12)
    grid_u = analytic.solve_many(phi, c, 0.99)["u_protege"].to_numpy()
    assert got.u_protege >= grid_u.max() - 1e-15


def test_bad_grids_are_one_clear_error():
    with pytest.raises(ValueError, match="at least 2 increasing"):
        optimal_search_cost_on_grid(analytic.PAPER_GAME, 1.1, 0.99, [0.01])
