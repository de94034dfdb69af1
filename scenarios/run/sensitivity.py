"""Which parameters move a sweep's outcome measures: Sobol indices or Morris screening (SALib).

A sweep with a sensitivity design (``[sweep.sample] method = "saltelli"`` or ``"morris"``,
see ``scenarios/sweep_spec.py``) keeps that design in ``DIR/design.json``: the swept keys,
their ranges, the design's size and its points ``X`` (one row per design point, in the
order of the summary's ``point`` column). :func:`analyze` takes a summary table (one row
per run: ``point``, ``status`` and the measures) and that design, and returns one row per
(measure, parameter).

Replications. Each design point's value of a measure is the mean over its finished runs
(replications) that have a value. The indices are therefore those of the replication
mean: the part of its variance that each parameter explains. What the replications
leave of the run-to-run noise (its variance over the number of replications) is part
of the variance no parameter explains: it lowers the first-order indices and raises the
total ones (Jansen's estimator sees it in every parameter). The column ``noise_share``
estimates that part (the mean within-point variance / replications, over the variance of
the point means; nan with one replication): when it is not small, more replications
(or a larger population) are needed before the indices mean much.

A measure that does not vary over the design (every point the same value) has status
``constant``: its Sobol indices are 0 (no parameter moves it) with intervals of width 0,
its Morris mu* and sigma are 0. A measure without a value at some design point (e.g. the
length of broken spells where nothing broke) has status ``undefined at K of N points``
and nan indices.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scenarios.run.measures import measure_names
from scenarios.sweep_spec import SENSITIVITY_METHODS

DESIGN = "design.json"
RESULT = "sensitivity.parquet"
PLOT = "sensitivity.png"
#: analysis -> the design it needs
ANALYSES = {"sobol": "saltelli", "morris": "morris"}
#: the columns of each analysis' result (besides measure, parameter, method, status and the counts)
COLUMNS = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"), "morris": ("mu", "mu_star", "mu_star_conf", "sigma")}


# ------------------------------------------------------------------ the design on disk
def design_record(plan) -> dict | None:
    """What analyze needs to know of a plan's design (None if it is not a sensitivity design)."""
    sample = plan.design.get("sample") or {}
    if sample.get("method") not in SENSITIVITY_METHODS:
        return None
    return {"format": 1, "scenario": plan.name, "scenario_file": plan.path, "root_seed": plan.root_seed,
            "replications": plan.replications, "keys": list(plan.keys), "sample": sample}


def write_design(plan, out: str | Path) -> Path | None:
    """Write ``out/design.json`` (atomically) for a plan with a sensitivity design; else nothing."""
    from scenarios.output.files import atomic_write

    record = design_record(plan)
    if record is None:
        return None
    path = Path(out) / DESIGN
    text = json.dumps(record, indent=1, allow_nan=False) + "\n"
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))
    return path


def read_design(out: str | Path) -> dict:
    """The sensitivity design of the sweep in ``out`` (design.json, else the manifest's design)."""
    out = Path(out)
    if not out.is_dir():
        raise ValueError(f"{out}: no such sweep directory")
    try:
        if (out / DESIGN).is_file():
            record = json.loads((out / DESIGN).read_text())
        elif (out / "manifest.json").is_file():
            m = json.loads((out / "manifest.json").read_text())
            record = {"format": 1, "scenario": m.get("scenario"), "root_seed": m["root_seed"],
                      "replications": m["replications"], "keys": m["swept_keys"],
                      "sample": m["design"].get("sample") or {}}
        else:
            raise ValueError(f"{out}: not a sweep directory (no {DESIGN}, no manifest.json)")
        method = record["sample"].get("method")
    except (OSError, KeyError, TypeError, AttributeError, json.JSONDecodeError) as e:
        raise ValueError(f"{out}: unreadable sweep design ({type(e).__name__})") from None
    if method not in SENSITIVITY_METHODS:
        raise ValueError(f"{out}: the sweep's design is {method or 'not sampled'!r}, not a sensitivity design;"
                         f" sweep with [sweep.sample] method = \"saltelli\" or \"morris\"")
    return record


# ------------------------------------------------------------------ the analysis
def point_values(summary, measure: str, n_points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per design point: the mean of ``measure`` over its finished runs with a value, the
    variance between those runs (ddof 1; nan below 2) and their number."""
    done = summary[summary["status"] == "done"]
    vals = done[["point", measure]].dropna()
    g = vals.groupby("point")[measure]
    idx = np.arange(n_points)
    mean = g.mean().reindex(idx).to_numpy(dtype=float)
    var = g.var(ddof=1).reindex(idx).to_numpy(dtype=float)
    count = g.count().reindex(idx).fillna(0).to_numpy(dtype=int)
    return mean, var, count


def _check_runs(summary, n_points: int, where: str) -> None:
    for col in ("point", "status"):
        if col not in summary.columns:
            raise ValueError(f"{where}: the summary has no {col!r} column")
    finished = set(summary.loc[summary["status"] == "done", "point"].astype(int))
    lacking = [p for p in range(n_points) if p not in finished]
    if lacking:
        raise ValueError(f"{where}: {len(lacking)} of {n_points} design points have no finished run"
                         f" (first: point {lacking[0]}); complete the sweep (rerun alliances sweep) first")
    extra = sorted(set(summary["point"].astype(int)) - set(range(n_points)))
    if extra:
        raise ValueError(f"{where}: the summary has points the design does not (first: {extra[0]})")


#: the summary's columns that are not outcome measures (besides the swept keys)
NOT_MEASURES = ("run", "point", "replication", "seed", "status", "error")


def measures_of(summary, keys, measures=None) -> list[str]:
    """The outcome measures to analyze: ``measures`` (each checked) or all of them: the run
    measures (``scenarios.run.measures.measure_names``, with the system ones) the summary has, or, in a table without
    any (e.g. a test function's), its numeric columns but the run's ids, status and swept keys."""
    from pandas.api.types import is_numeric_dtype

    present = [m for m in measure_names(system=True) if m in summary.columns] or [
        c for c in summary.columns if c not in NOT_MEASURES and c not in keys and is_numeric_dtype(summary[c])]
    if not measures:
        return present
    for m in measures:
        if m not in present:
            raise ValueError(f"--measure: unknown measure {m!r}; the summary has: {', '.join(present)}")
    return list(dict.fromkeys(measures))


def analyze(summary, design: dict, method: str | None = None, measures=None, resamples: int = 1000,
            conf_level: float = 0.95, seed: int | None = None, where: str = "analyze"):
    """Sensitivity indices of every measure (or ``measures``) of ``summary`` over ``design``.

    ``method``: ``"sobol"`` (first-order and total indices, bootstrap intervals at
    ``conf_level`` over ``resamples`` resamples; needs a Saltelli design) or ``"morris"``
    (mu, mu*, its bootstrap interval, sigma; needs a Morris design); by default the one
    the design was made for. One row per (measure, parameter); see the module's docstring
    for the replications, ``noise_share`` and ``status``.
    """
    import pandas as pd

    sample = design["sample"]
    keys = list(design["keys"])
    made_for = {v: k for k, v in ANALYSES.items()}[sample["method"]]
    method = made_for if method is None else method
    if method not in ANALYSES:
        raise ValueError(f"--method: must be one of {', '.join(ANALYSES)}, got {method!r}")
    if ANALYSES[method] != sample["method"]:
        raise ValueError(f"--method {method}: needs a {ANALYSES[method]} design ([sweep.sample] method ="
                         f" \"{ANALYSES[method]}\"); {where} has a {sample['method']} design (use --method {made_for})")
    X = np.asarray(sample["X"], dtype=float)
    n_points = X.shape[0]
    _check_runs(summary, n_points, where)
    problem = {"num_vars": len(keys), "names": keys, "bounds": [list(map(float, sample["ranges"][k])) for k in keys]}
    if seed is None:
        seed = int(np.random.SeedSequence(int(design.get("root_seed", 0))).spawn(3)[2].generate_state(1)[0]) or 1
    rows = []
    for measure in measures_of(summary, keys, measures):
        Y, var, count = point_values(summary, measure, n_points)
        base = {"measure": measure, "method": method, "points": n_points, "runs": int(count.sum())}
        missing = int(np.isnan(Y).sum())
        total_var = float(np.var(Y)) if not missing else float("nan")
        noise = float(np.nanmean(var / np.maximum(count, 1)) / total_var) \
            if not missing and np.isfinite(var).any() and total_var > 0 else float("nan")
        base.update(variance=total_var, noise_share=noise)
        if missing:
            status, res = f"undefined at {missing} of {n_points} points", {c: [np.nan] * len(keys) for c in COLUMNS[method]}
        elif total_var <= (1e-12 * max(1.0, float(np.abs(Y).mean()))) ** 2:
            status, res = "constant", {c: [0.0] * len(keys) for c in COLUMNS[method]}
        else:
            status, res = "ok", _salib(method, problem, X, Y, sample, resamples, conf_level, seed)
        for j, k in enumerate(keys):
            rows.append({**base, "parameter": k, "status": status, **{c: float(res[c][j]) for c in COLUMNS[method]}})
    order = ["measure", "parameter", "method", "status", *COLUMNS[method], "variance", "noise_share", "points", "runs"]
    return pd.DataFrame(rows, columns=order)


def _salib(method: str, problem: dict, X, Y, sample: dict, resamples: int, conf_level: float, seed: int) -> dict:
    if method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, Y, calc_second_order=bool(sample.get("calc_second_order", False)),
                           num_resamples=resamples, conf_level=conf_level, seed=seed, print_to_console=False)
    else:
        from SALib.analyze import morris

        si = morris.analyze(problem, X, Y, num_resamples=resamples, conf_level=conf_level,
                            num_levels=int(sample["levels"]), seed=seed, print_to_console=False)
    return {c: np.asarray(si[c], dtype=float) for c in COLUMNS[method]}


def write_result(result, out: str | Path) -> Path:
    """Write the indices to ``out/sensitivity.parquet`` (atomically)."""
    import pyarrow as pa

    from scenarios.output.files import write_parquet

    path = Path(out) / RESULT
    write_parquet(pa.Table.from_pandas(result, preserve_index=False), path)
    return path


__all__ = ["analyze", "read_design", "write_design", "design_record", "write_result", "point_values",
           "measures_of", "NOT_MEASURES", "ANALYSES", "COLUMNS", "DESIGN", "RESULT", "PLOT"]
