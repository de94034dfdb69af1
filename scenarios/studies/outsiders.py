"""Extension 1: k strategic outsiders per search (U[0, 1] valuations, ``analytic.outsiders``)
against the paper's non-strategic U[0, 1] draws, over a grid of search costs c."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.run.pool import map_in_processes
from scenarios.studies.over_c import c_chunks, labelled, plot_over_c, write_table

DEFAULT_KS = (1, 2, 3)


def _solve_outsiders(args):
    k, phi, c, delta = args
    from analytic.outsiders import StrategicOutsiders

    s = StrategicOutsiders(k)
    return pd.DataFrame([s.solve(phi, float(cc), delta).as_dict() for cc in c])


def outsiders_data(ks=DEFAULT_KS, phi=1.1, delta=0.99, c_min=0.0, c_max=0.04, points=20, workers=1):
    """Strategic outsiders (k per search, U[0, 1] valuations) against the paper's draws, over c."""
    import analytic

    analytic.validate(phi=phi, c=c_max, delta=delta)
    c = np.linspace(float(c_min), float(c_max), int(points))
    base = analytic.solve_many(phi=phi, c=c, delta=delta)
    base = base[["phi", "c", "delta", "r1", "first_move", "u_patron", "u_protege", "p_breakup",
                 "expected_contribution"]].copy()
    jobs = [(int(k), phi, ch, delta) for k in ks for ch in c_chunks(c, workers)]
    parts = map_in_processes(_solve_outsiders, jobs, workers)
    labels = [f"{k} strategic outsider{'s' if k > 1 else ''}" for k, *_ in jobs]
    return labelled([base] + parts, ["paper: U[0, 1] draws"] + labels, "outsiders")


def plot_outsiders(df: pd.DataFrame, path: Path, phi: float, delta: float) -> Path:
    paper = [name for name in df["outsiders"].unique() if str(name).startswith("paper")]
    return plot_over_c(df, "outsiders", path,
                       f"Extension 1: strategic outsiders vs the paper's draws (phi = {phi:g}, delta = {delta:g})",
                       "outside offers", dashed=paper)


def outsiders_study(out, ks=DEFAULT_KS, phi=1.1, delta=0.99, c_min=0.0, c_max=0.04, points=20, workers=1,
                    plot=True) -> pd.DataFrame:
    """Write ``outsiders.csv`` (one row per model and c) and, if ``plot``, ``outsiders.png``
    into ``out``; return the table."""
    df = outsiders_data(tuple(ks), phi=phi, delta=delta, c_min=c_min, c_max=c_max, points=points,
                        workers=workers)
    write_table(df, out, "outsiders.csv")
    if plot:
        plot_outsiders(df, Path(out) / "outsiders.png", phi, delta)
    return df
