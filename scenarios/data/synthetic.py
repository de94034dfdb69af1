"""ATOP-format files from a simulated population: data with a known truth, for checking the
reader now and parameter recovery next (``alliances atop synthesize``).

The scenario is run (without events or plots); its spells become ATOP alliances as
``scenarios.data.runs.run_spells`` describes (rounds -> years with the scenario's
``[calibration] years_per_round``, the run's last round ending on 2018-12-31; a breakup is
``term`` = 2, violation; a spell still running is in force, ``ineffect`` = 1; ``c_start`` ->
``milinst`` by ``milinst_of_c``), and are written with ``scenarios.data.atop.write_atop``:
``atop5_1a.csv`` and ``atopinst5_1.csv`` with the columns the reader uses, so that
``read_atop`` gives the simulated spells back (durations to the day).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from scenarios.data.atop import write_atop
from scenarios.data.runs import run_spells
from scenarios.scenario import Scenario


def simulated_spells(scenario: Scenario, progress: bool = False) -> pd.DataFrame:
    """The spell table of one run of ``scenario`` (its seed, rounds and years per round)."""
    from scenarios.run.runner import run_scenario

    result = run_scenario(scenario, out=None, progress=progress, plots=False, record_events=False)
    alliances = result.model.alliances_table().to_pandas()
    return run_spells(alliances, scenario.years_per_round, scenario.rounds)


def synthesize(scenario: Scenario, folder: str | Path, progress: bool = False) -> tuple[pd.DataFrame, list[Path]]:
    """Run ``scenario`` and write its spells as ATOP-format files in ``folder``: (spells, files)."""
    spells = simulated_spells(scenario, progress=progress)
    return spells, write_atop(spells, folder)


__all__ = ["simulated_spells", "synthesize"]
