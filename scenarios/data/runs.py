"""A model run's alliance spells as a spell table like ATOP's (``scenarios.data.atop.SPELL_COLUMNS``).

What the model's spells become:

* duration: rounds x ``years_per_round`` (the scenario's ``[calibration]`` key);
* ending: a breakup (the protégé leaves for an ad hoc partner before the alliance's end) is
  ATOP's ``violated``; a spell still running when the run stops is ``in_force`` (censored).
  The model has no counterpart of ATOP's ``fulfilled`` and ``renegotiated`` endings (nor of a
  member's loss of independence): no model spell ends that way. Comparisons with ATOP
  therefore use the ``violated`` endpoint, where ATOP's fulfilled and renegotiated
  alliances are censored when they end (``scenarios.studies.survival``);
* ``milinst``: the spell's starting search cost ``c_start`` in three groups, ``milinst_of_c``;
* every model alliance has two members (``bilat`` = 1), is not formed in war
  (``wartime`` = 0) and is asymmetric (``asymm`` = 1: the patron contributes, the protégé
  does not).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.data.atop import CENSOR_DATE, DAYS_PER_YEAR, ENDINGS

#: the number of milinst groups (ATOP codes 0, 1, 2)
MILINST_LEVELS = 3


def milinst_of_c(c: np.ndarray) -> np.ndarray:
    """The milinst group (0, 1, 2) of each search cost: higher c, more institutionalized.

    If ``c`` takes at most three distinct values (e.g. ``search_cost.dist = "groups"`` with
    three values), the group is the value's rank (lowest c -> 0). Otherwise the groups are the
    thirds of ``c`` (cut at its 1/3 and 2/3 quantiles; ties go to the lower group)."""
    c = np.asarray(c, dtype=float)
    levels = np.unique(c)
    if levels.size <= MILINST_LEVELS:
        return np.searchsorted(levels, c).astype(np.int8)
    cuts = np.quantile(c, [1 / 3, 2 / 3])
    return np.searchsorted(cuts, c, side="left").astype(np.int8)


def run_spells(alliances: pd.DataFrame, years_per_round: float, rounds: int) -> pd.DataFrame:
    """The spell table of a run's ``alliances`` (``agents.tables.alliances_table`` as pandas) that
    lasted ``rounds`` rounds, on ATOP's calendar: the run's last round ends on ATOP's last day
    (2018-12-31), each round lasts ``years_per_round`` years (dates rounded to the day)."""
    if not (isinstance(years_per_round, (int, float)) and years_per_round > 0 and np.isfinite(years_per_round)):
        raise ValueError(f"years_per_round: must be a number > 0, got {years_per_round!r}")
    start = alliances["start"].to_numpy(dtype=np.int64)
    end = alliances["end"].to_numpy(dtype=np.int64)
    broke = alliances["ended"].astype(str).to_numpy() == "breakup"
    first_day = _round_boundary(start - 1, rounds, years_per_round)
    last_day = np.where(broke, _round_boundary(end, rounds, years_per_round), CENSOR_DATE)
    if len(start) and first_day.min() < np.datetime64("0001-01-01"):
        raise ValueError(f"years_per_round: {rounds} rounds of {years_per_round:g} years reach back before"
                         f" year 1 from {CENSOR_DATE}; use fewer rounds or fewer years per round")
    ending = np.where(broke, "violated", "in_force")
    n = len(start)
    return pd.DataFrame({
        "atopid": alliances["alliance"].to_numpy(dtype=np.int64) + 1,
        "start": first_day,
        "end": last_day,
        "duration": alliances["duration"].to_numpy(dtype=float) * years_per_round,
        "censored": ~broke,
        "ending": pd.Categorical(ending, categories=ENDINGS),
        "term": np.where(broke, 2, 0).astype(np.int8),
        "milinst": pd.array(milinst_of_c(alliances["c_start"].to_numpy()), dtype="Int8"),
        "milinst_max": pd.array(milinst_of_c(alliances["c_start"].to_numpy()), dtype="Int8"),
        "bilat": np.ones(n, dtype=np.int8),
        "wartime": np.zeros(n, dtype=np.int8),
        "asymm": np.ones(n, dtype=np.int8),
    })


def read_run_spells(run_dir: str | Path) -> tuple[pd.DataFrame, float]:
    """(the spell table, years per round) of the run an ``alliances run`` wrote to ``run_dir``
    (its alliances.parquet, run.json and scenario.toml); ValueError with one line if it is not one."""
    import json

    import pyarrow.parquet as pq

    from scenarios.scenario import parse_scenario, read_toml

    run_dir = Path(run_dir)
    needed = [run_dir / name for name in ("alliances.parquet", "run.json", "scenario.toml")]
    for path in needed:
        if not path.is_file():
            raise ValueError(f"{path}: missing (--run must be a folder written by `alliances run`)")
    scenario = parse_scenario(read_toml(needed[2]), str(needed[2]))
    rounds = json.loads(needed[1].read_text())["rounds"]
    alliances = pq.read_table(needed[0]).to_pandas()
    return run_spells(alliances, scenario.years_per_round, int(rounds)), scenario.years_per_round


def _round_boundary(k: np.ndarray, rounds: int, years_per_round: float) -> np.ndarray:
    """The day on which round ``k`` ends (round 0: the day the run starts)."""
    days_before_end = np.rint((rounds - np.asarray(k, dtype=float)) * years_per_round * DAYS_PER_YEAR)
    return CENSOR_DATE - days_before_end.astype(np.int64).astype("timedelta64[D]")


__all__ = ["run_spells", "read_run_spells", "milinst_of_c", "MILINST_LEVELS"]
