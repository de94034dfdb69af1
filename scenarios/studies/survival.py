"""Survival summaries of alliance spells, the same for ATOP and for a model run.

``survival_summaries(spells)`` takes a spell table (one row per spell: ``duration`` in years,
``ending`` one of ``scenarios.data.atop.ENDINGS``, and the grouping columns such as
``milinst`` and ``bilat``) and returns the tables below; the estimators are lifelines'.

* ``km``: Kaplan-Meier survival S(t) with its 95% band (lifelines' exponential Greenwood
  interval), per endpoint and group. Endpoint ``any``: every ending that is not censoring
  ends the spell; ``violated``: only violation does, the other endings (fulfilment,
  renegotiation) are censored there (the cause-specific survival; it assumes those endings
  tell nothing about the time to a violation). A model's breakup is a violation, so for a
  run the two endpoints agree.
* ``medians``: per endpoint and group, spells, events and the median survival with its 95%
  interval (inf where S(t) stays above 1/2, or its band does).
* ``hazard``: the life table of the ``any`` endpoint: intervals of ``width`` years, at risk
  at the start, events, censored, and the actuarial hazard per year
  h = d / (w (n - c/2 - d/2)) with SE h sqrt(1 - (h w / 2)^2) / sqrt(d) (Lee & Wang 2003, ch. 4).
* ``competing``: Aalen-Johansen cumulative incidence of each ending that is an event
  (fulfilled, violated, renegotiated), with its 95% band.

Every table has ``source`` (e.g. "ATOP", "model"), ``group_by`` ("all" or the column) and
``group`` (the column's value as text, "all" for every spell). The calibration next step
calls the same function on simulated spells and compares the tables.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.data.atop import CENSORING, ENDINGS

#: endings that are events, in the order of the competing-risk tables
EVENT_ENDINGS = tuple(e for e in ENDINGS if e not in CENSORING)
#: the endpoints of the survival curves: which endings end a spell
ENDPOINTS = {"any": EVENT_ENDINGS, "violated": ("violated",)}
TABLES = ("km", "medians", "hazard", "competing")
#: the file of each table written by ``summarize``, and of each source's spells
TABLE_FILES = {name: f"{name}.parquet" for name in TABLES}
SPELL_FILES = {"ATOP": "spells.parquet", "model": "run_spells.parquet"}
#: the seed of lifelines' jitter of tied times in the Aalen-Johansen estimator (reproducible tables)
JITTER_SEED = 0


def survival_summaries(spells: pd.DataFrame, source: str, by: tuple[str, ...] = ("milinst", "bilat"),
                       width: float = 5.0) -> dict[str, pd.DataFrame]:
    """The tables ``TABLES`` of ``spells`` (see the module docstring), labelled ``source``; one set
    for all spells and one per value of each column in ``by`` (spells missing it are left out)."""
    if not width > 0:
        raise ValueError(f"width: the life table's interval must be > 0 years, got {width!r}")
    for col in ("duration", "ending") + tuple(by):
        if col not in spells.columns:
            raise ValueError(f"spells: column {col!r} missing (needed: duration, ending, {', '.join(by)})")
    out: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for group_by, group, part in _groups(spells, by):
        label = {"source": source, "group_by": group_by, "group": group}
        duration = part["duration"].to_numpy(dtype=float)
        ending = part["ending"].astype(str).to_numpy()
        for endpoint, events in ENDPOINTS.items():
            km, median = kaplan_meier(duration, np.isin(ending, events))
            out["km"].append(km.assign(endpoint=endpoint, **label))
            out["medians"].append(pd.DataFrame([{**label, "endpoint": endpoint, **median}]))
        out["hazard"].append(life_table(duration, np.isin(ending, EVENT_ENDINGS), width).assign(**label))
        out["competing"].append(cumulative_incidence(duration, ending).assign(**label))
    first = ["source", "group_by", "group"]
    tables = {}
    for name, parts in out.items():
        table = pd.concat(parts, ignore_index=True)
        tables[name] = table[first + [c for c in table.columns if c not in first]]
    return tables


def kaplan_meier(duration: np.ndarray, event: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """(time, survival, lo, hi, at_risk) at 0 and every event or censoring time; and the median
    with its 95% interval, spells and events."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    fit = KaplanMeierFitter().fit(duration, event_observed=event)
    band = fit.confidence_interval_survival_function_
    table = pd.DataFrame({
        "time": fit.survival_function_.index.to_numpy(dtype=float),
        "survival": fit.survival_function_.iloc[:, 0].to_numpy(),
        "lo": band.iloc[:, 0].to_numpy(),
        "hi": band.iloc[:, 1].to_numpy(),
        "at_risk": fit.event_table["at_risk"].reindex(fit.survival_function_.index).to_numpy(dtype=np.int64),
    })
    ci = median_survival_times(band)
    median = {"spells": int(len(duration)), "events": int(np.sum(event)), "median": float(fit.median_survival_time_),
              "lo": float(ci.iloc[0, 0]), "hi": float(ci.iloc[0, 1])}
    return table, median


def life_table(duration: np.ndarray, event: np.ndarray, width: float) -> pd.DataFrame:
    """The actuarial life table in intervals of ``width`` years (module docstring)."""
    from lifelines.utils import survival_table_from_events

    edges = np.arange(0.0, float(np.max(duration)) + width, width) if len(duration) else np.array([0.0, width])
    if edges[-1] <= np.max(duration, initial=0.0):
        edges = np.r_[edges, edges[-1] + width]
    counts = survival_table_from_events(duration, event, collapse=True, intervals=edges)
    events = counts["observed"].to_numpy(dtype=float)
    censored = counts["censored"].to_numpy(dtype=float)
    at_risk = counts["at_risk"].to_numpy(dtype=float)
    exposed = at_risk - censored / 2 - events / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(exposed > 0, events / (width * exposed), np.nan)
        se = np.where(events > 0, hazard * np.sqrt(np.clip(1 - (hazard * width / 2) ** 2, 0, None) / events), np.nan)
    if len(counts) != len(edges) - 1:
        raise RuntimeError(f"life table: {len(counts)} intervals for {len(edges) - 1} edges")
    return pd.DataFrame({
        "start": edges[:-1], "end": edges[1:],
        "at_risk": at_risk.astype(np.int64), "events": events.astype(np.int64), "censored": censored.astype(np.int64),
        "hazard": hazard, "se": se,
    })


def cumulative_incidence(duration: np.ndarray, ending: np.ndarray) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence (ending, time, cif, lo, hi) of each ending in
    ``EVENT_ENDINGS`` that occurs, the others competing and the censoring endings censored."""
    import warnings

    from lifelines import AalenJohansenFitter

    code = np.zeros(len(duration), dtype=int)
    for i, name in enumerate(EVENT_ENDINGS, start=1):
        code[ending == name] = i
    parts = []
    for i, name in enumerate(EVENT_ENDINGS, start=1):
        if not (code == i).any():
            continue
        fit = AalenJohansenFitter(calculate_variance=True, seed=JITTER_SEED)
        with warnings.catch_warnings():  # lifelines says when it jitters tied times; the seed fixes them
            warnings.simplefilter("ignore")
            fit.fit(duration, code, event_of_interest=i)
        band = fit.confidence_interval_.to_numpy()
        parts.append(pd.DataFrame({
            "ending": name,
            "time": fit.cumulative_density_.index.to_numpy(dtype=float),
            "cif": fit.cumulative_density_.iloc[:, 0].to_numpy(),
            "lo": np.fmin(band[:, 0], band[:, 1]),  # lifelines labels the two bounds the other way round
            "hi": np.fmax(band[:, 0], band[:, 1]),
        }))
    if not parts:  # no spell ended: an empty table of the same columns and types
        return pd.DataFrame({"ending": pd.Series(dtype=str), **{c: pd.Series(dtype=float)
                                                                for c in ("time", "cif", "lo", "hi")}})
    return pd.concat(parts, ignore_index=True)


def summarize(data_dir: str | Path, out: str | Path, run_dir: str | Path | None = None, width: float = 5.0,
              plots: bool = True) -> tuple[dict[str, pd.DataFrame], list[Path]]:
    """Read the ATOP folder ``data_dir`` (and the spells of the run in ``run_dir``, if given),
    write ``SPELL_FILES`` and the tables ``TABLES`` (both sources in one file each, ``TABLE_FILES``)
    and the plots to ``out``: (the tables, the files written). Everything is read and computed
    before anything is written; bad input raises ValueError with one line."""
    from scenarios.data.atop import read_atop
    from scenarios.data.runs import read_run_spells

    if not width > 0:
        raise ValueError(f"--width: the life table's interval must be > 0 years, got {width!r}")
    spells = {"ATOP": read_atop(data_dir)}
    if run_dir is not None:
        spells["model"] = read_run_spells(run_dir)[0]
    per_source = [survival_summaries(s, source, width=width) for source, s in spells.items()]
    tables = {name: pd.concat([t[name] for t in per_source], ignore_index=True) for name in TABLES}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for source, s in spells.items():
        files.append(out / SPELL_FILES[source])
        _write_table(s, files[-1])
    for name, table in tables.items():
        files.append(out / TABLE_FILES[name])
        _write_table(table, files[-1])
    if plots:
        from scenarios.output.survival_plots import survival_plots

        files += survival_plots(tables, out)
    return tables, files


def _write_table(table: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa

    from scenarios.output.files import write_parquet

    frame = table.copy()
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].to_numpy().astype("datetime64[D]")
    write_parquet(pa.Table.from_pandas(frame, preserve_index=False), path)


def _groups(spells: pd.DataFrame, by: tuple[str, ...]):
    yield "all", "all", spells
    for col in by:
        values = spells[col]
        for value in sorted(values.dropna().unique()):
            yield col, str(value), spells[values == value]


__all__ = ["survival_summaries", "summarize", "TABLE_FILES", "SPELL_FILES", "kaplan_meier", "life_table", "cumulative_incidence", "ENDPOINTS",
           "EVENT_ENDINGS", "TABLES"]
