"""Run a scenario: step the model, write its tables and plots, summarize.

Output directory contents (all written atomically: temp file, then rename):

* ``events.parquet``: one row per alliance-round (unless events are switched off).
* ``steps.parquet``: per-step metrics from the model's DataCollector.
* ``alliances.parquet``: one row per alliance spell.
* ``powers.parquet``: one row per power, only when the scenario has a ``[system]`` table.
* ``scenario.toml``: a copy of the scenario file that was run, and ``run.json``
  with the seed and number of rounds actually used.
* plots (PNG): ``churn.png``, ``breakup_vs_c.png``, ``survival.png``,
  ``c_distribution.png``, ``burden_sharing.png``; with a ``[system]`` table, instead of
  ``breakup_vs_c.png``: ``system_market.png``, ``system_concentration.png``,
  ``system_load_strength.png``, ``system_breakup_vs_c.png`` (scenarios/output/system_plots.py).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.output.files import atomic_write, parquet_bytes
from scenarios.run.measures import LATE_SHARE, run_measures
from scenarios.scenario import Scenario

TABLE_FILES = ("events.parquet", "steps.parquet", "alliances.parquet")


@dataclass
class RunResult:
    """What a run produced: the model, where the files went, and headline numbers."""

    scenario: Scenario
    out: Path
    model: object
    seconds: float
    files: list[Path] = field(default_factory=list)

    @property
    def protege_rounds_per_second(self) -> float:
        return self.scenario.n_proteges * self.scenario.rounds / self.seconds if self.seconds > 0 else float("nan")


def run_scenario(
    scenario: Scenario,
    out: str | Path | None = None,
    progress: bool = True,
    plots: bool = True,
    record_events: bool | None = None,
) -> RunResult:
    """Run ``scenario`` for its number of rounds; write tables (and plots) to ``out`` if given."""
    from tqdm import tqdm

    model = scenario.build_model(record_events=record_events)
    t0 = time.perf_counter()
    rounds = range(scenario.rounds)
    if progress:  # (no tqdm at all otherwise: even a disabled bar creates a process-shared lock,
        # which a sweep worker killed mid-run would leak)
        rounds = tqdm(rounds, desc=scenario.name, unit="round", leave=False, disable=None)  # None: on a terminal
    for _ in rounds:
        model.step()
    seconds = time.perf_counter() - t0
    result = RunResult(scenario=scenario, out=Path(out) if out is not None else None, model=model, seconds=seconds)
    if out is not None:
        if progress and sys.stderr.isatty():  # (as the rounds' bar) the plots take seconds after it
            print(f"writing tables{' and plots' if plots else ''} to {out} ...", file=sys.stderr, flush=True)
        write_outputs(result, plots=plots)
    return result


def run_tables(model) -> dict:
    """The run's tables as pyarrow tables, by file name: steps and alliances, powers (with a
    ``[system]`` table) and events (when recorded)."""
    tables = {"steps.parquet": model.steps_table(), "alliances.parquet": model.alliances_table()}
    if model.system is not None:
        tables["powers.parquet"] = model.powers_table()
    if model.record_events:
        tables["events.parquet"] = model.events_table()
    return tables


def run_meta(result: RunResult) -> dict:
    """What ``run.json`` records: the scenario, seed, rounds and sizes actually used."""
    sc = result.scenario
    return {
        "scenario": sc.name,
        "scenario_file": str(Path(sc.path)),
        "seed": sc.seed,
        "rounds": sc.rounds,
        "proteges": sc.n_proteges,
        "phi_constant": sc.phi.constant,
        "phi": sc.phi.value if sc.phi.constant else None,
        "delta": sc.delta,
        "events": bool(result.model.record_events),
    }


def output_files(result: RunResult, tables: dict | None = None) -> dict[str, bytes]:
    """The run's files as bytes, by name (what :func:`write_outputs` writes, without the plots):
    the parquet tables (of ``tables`` if given, else :func:`run_tables`), ``scenario.toml`` (a copy
    of the scenario file, if it is one) and ``run.json``."""
    tables = run_tables(result.model) if tables is None else tables
    files = {name: parquet_bytes(table) for name, table in tables.items()}
    src = Path(result.scenario.path)
    if src.is_file():
        files["scenario.toml"] = src.read_bytes()
    files["run.json"] = (json.dumps(run_meta(result), indent=2) + "\n").encode()
    return files


def write_outputs(result: RunResult, plots: bool = True) -> None:
    """Write the tables, the scenario copy and (optionally) the plots into ``result.out``."""
    out = result.out
    out.mkdir(parents=True, exist_ok=True)
    tables = run_tables(result.model)
    if not result.model.record_events:
        stale = out / "events.parquet"
        if stale.exists():  # do not leave another run's events beside this run's tables
            stale.unlink()
    files = []
    for name, data in output_files(result, tables).items():
        atomic_write(out / name, lambda tmp, data=data: Path(tmp).write_bytes(data))
        files.append(out / name)
    if plots:
        from scenarios.output.run_plots import make_plots

        files += make_plots(out, result.scenario, tables)
        if result.model.system is not None:
            from scenarios.output.system_plots import write_system_plots

            files += write_system_plots(out, result.scenario, tables)
    result.files = files


def summary_lines(result: RunResult) -> list[str]:
    """A short summary of a run for stdout (the measures of ``run_measures``, formatted)."""
    sc = result.scenario
    measures = run_measures(result.model)
    steps = result.model.steps_table().to_pandas()
    spells = result.model.alliances_table().to_pandas()
    n_rounds = sc.n_proteges * sc.rounds
    acted = steps["acted"].sum()
    broke = steps["breakups"].sum()
    none = steps["none"].sum()
    n_ended = int((spells["ended"].astype(str) == "breakup").sum())
    lines = list(sc.describe())
    lines.append(
        f"{n_rounds:,} alliance-rounds in {result.seconds:.2f} s"
        f" ({result.protege_rounds_per_second:,.0f} protégé-rounds/s)"
    )
    lines.append(
        f"outcomes: alliance acted {acted / n_rounds:.1%}, breakup {broke / n_rounds:.1%},"
        f" nothing produced {none / n_rounds:.1%}"
    )
    last = steps.iloc[-1]
    lines.append(
        f"churn: {measures['mean_churn']:.3f} breakups per alliance-round on average"
        f" (first round {steps['churn_rate'].iloc[0]:.3f}, last {last['churn_rate']:.3f});"
        f" {n_ended:,} alliances ended, mean length {measures['mean_spell_length']:.1f} rounds"
    )
    lines.append(
        f"search cost c: mean {steps['c_mean'].iloc[0]:.4f} at the start, {measures['final_c']:.4f} at the end"
        f" (quartiles {last['c_q25']:.4f} / {last['c_median']:.4f} / {last['c_q75']:.4f})"
    )
    lines.append(
        f"burden-sharing: mean patron contribution {measures['mean_contribution']:.4f},"
        f" {measures['free_riding_gap']:.4f} above the free-riding minimum"
        f" phi - {'1' if sc.benefits().is_paper else f'{sc.benefits().protege_ally:g}'}"
    )
    lines.append(
        f"payoffs per round: protégé {measures['mean_protege_payoff']:.4f},"
        f" patron {measures['mean_patron_payoff']:.4f}"
    )
    if result.model.system is not None:
        corr = measures["late_load_strength_corr"]
        lines.append(
            f"system (last {LATE_SHARE:.0%} of the rounds): churn {measures['late_churn']:.4f},"
            f" effective poles {measures['late_effective_poles']:.2f},"
            f" largest share {measures['late_largest_share']:.3f},"
            f" corr(load, strength) {'n/a' if corr != corr else f'{corr:.2f}'},"
            f" mean outside offer {measures['late_true_mean_offer']:.3f}"
        )
        lines += meanfield_lines(result)
    if result.out is not None:
        lines.append(f"wrote {', '.join(p.name for p in result.files)} to {result.out}")
    return lines


def meanfield_lines(result: RunResult) -> list[str]:
    """The mean-field stationary loads per group of powers beside the run's time averages
    (`agents.meanfield`, from the scenario's initial state; a line saying why not if it does
    not apply)."""
    import numpy as np

    from agents.meanfield import meanfield_of

    try:
        mf, group, roles = meanfield_of(result.scenario.build_model(record_events=False))
        state = mf.solve()
    except ValueError as exc:
        return [f"mean-field: not computed ({' '.join(str(exc).split())})"]
    mean = np.bincount(group, weights=result.model.system.mean_loads()) / state.count
    parts = [f"{r} b={b:.3g}: {lm:.2f} / {ls:.2f}" for r, b, lm, ls in zip(roles, state.strength, state.load, mean)]
    return [f"mean-field loads per power (role, strength: mean-field / simulated mean over all rounds): {'; '.join(parts)}",
            f"mean-field breakups per round {state.breakups_per_round:.3g}"
            f" (simulated mean {np.mean(result.model.steps_table().column('breakups').to_numpy()):.3g}),"
            f" effective poles {state.effective_poles:.3g}"]
