"""One run as a function of its parameters, for other explorers (EMA Workbench, SALib, optimizers).

``run_point("baseline", seed=1, **{"game.phi": 1.2, "search_cost.high": 0.05})`` runs the
scenario with those keys changed and returns its outcome measures (the sweep summary's
columns, ``scenarios.run.measures``), as ``alliances sweep`` would for the same point and
seed. Keys are the scenario file's dotted names; as Python keywords, write ``__`` for the
dot (``game__phi=1.2``). Each key is checked as a swept key is and the changed scenario
goes through the scenario files' own validator: bad input raises ``ValueError`` with one
line naming the key and what is allowed.
"""

from __future__ import annotations

from pathlib import Path

from scenarios.run.measures import run_measures
from scenarios.scenario import Scenario, parse_scenario, read_toml
from scenarios.sweep_spec import apply_params, format_value, resolve_sweep


def point_scenario(scenario, seed: int | None = None, **overrides) -> Scenario:
    """The validated Scenario of ``scenario`` (a path, a bundled scenario or sweep name, a parsed
    TOML table, or a Scenario when there are no overrides) with ``overrides`` set and the seed
    ``seed``; a sweep file's ``[sweep]`` table is left out (its scenario as it stands)."""
    params = {k.replace("__", "."): v for k, v in overrides.items()}
    if isinstance(scenario, Scenario):
        if params:
            raise ValueError(f"{scenario.path}: overrides: give the scenario by name, path or table"
                             f" (not a Scenario) to change {', '.join(params)}")
        sc = scenario
    else:
        if isinstance(scenario, dict):
            data, path, default = scenario, "scenario", "scenario"
        elif isinstance(scenario, (str, Path)):
            p = resolve_sweep(str(scenario))
            data, path, default = read_toml(p), str(p), p.stem
        else:
            raise ValueError(f"run_point: scenario must be a bundled name, a path, a table or a Scenario,"
                             f" got {type(scenario).__name__}")
        data = {k: v for k, v in data.items() if k != "sweep"}  # a sweep file's scenario, as it stands
        label = path
        if params:
            data = apply_params(data, params, path)
            label = f"{path} ({', '.join(f'{k} = {format_value(v)}' for k, v in params.items())})"
        try:
            sc = parse_scenario(data, label, default_name=default)
        except ValueError as e:
            raise ValueError(" ".join(str(e).split())) from None
    return sc.with_overrides(seed=seed) if seed is not None else sc


def run_point(scenario, seed: int | None = None, *, tables: bool = False, **overrides) -> dict:
    """Run ``scenario`` with ``overrides`` (dotted scenario keys, or ``__`` for the dot) and
    ``seed`` (default: the scenario's); return its outcome measures (name -> float).

    With ``tables=True`` the result also holds ``"tables"``: the run's ``steps`` and
    ``alliances`` tables, ``events`` when the scenario records them and ``powers`` with a
    [system] table (pandas DataFrames, the same rows as the parquet files of ``alliances run``).
    Without it, events are not recorded (faster; the measures do not use them).
    """
    from scenarios.run.runner import run_scenario, run_tables

    if not isinstance(tables, bool):
        raise ValueError(f"run_point: tables must be True or False, got {tables!r}")
    sc = point_scenario(scenario, seed, **overrides)
    result = run_scenario(sc, out=None, progress=False, plots=False, record_events=None if tables else False)
    found = run_tables(result.model)  # each table built once, for the measures and the caller
    out: dict = dict(run_measures(result.model, steps=found["steps.parquet"], spells=found["alliances.parquet"]))
    if tables:
        out["tables"] = {name.removesuffix(".parquet"): t.to_pandas() for name, t in found.items()}
    return out


__all__ = ["run_point", "point_scenario"]
