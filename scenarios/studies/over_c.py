"""Equilibria over a grid of search costs c for several solvers, and what the studies read off them.

A solver is named by a picklable spec, so that the grid can be solved in worker
processes: ``("dist", name, params)`` for an outside-offer distribution
(extension 4, ``analytic.general``), ``("pie", Benefits)`` for a division of the
pie (extension 3, ``analytic.bargaining``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.output.files import save_figure
from scenarios.output.style import seaborn_pyplot, wrap
from scenarios.run.pool import map_in_processes

#: resolution of the studies' figures (PNG)
DPI = 110


def solver_of(spec: tuple):
    """The (cached) solver a picklable spec names: ("dist", name, params) for extension 4,
    ("pie", Benefits) for extension 3."""
    if spec[0] == "pie":
        from analytic.bargaining import pie_solver

        return pie_solver(spec[1])
    from analytic.general import solver_for

    return solver_for(spec[1], **spec[2])


def _solve_chunk(args):
    spec, phi, c, delta = args
    return solver_of(spec).solve_many(phi=phi, c=np.asarray(c), delta=delta)


def c_chunks(c, workers) -> list[np.ndarray]:
    """The grid ``c`` cut into one non-empty chunk per worker process (at most)."""
    return [ch for ch in np.array_split(np.asarray(c, dtype=float), max(1, int(workers))) if ch.size]


def labelled(parts, labels, column: str) -> pd.DataFrame:
    """The frames ``parts`` stacked, each with its label in a first column ``column``."""
    frames = []
    for label, part in zip(labels, parts):
        part = part.copy()
        part.insert(0, column, label)
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def solve_over_c(specs: dict, phi, delta, c, workers=1, column="dist") -> pd.DataFrame:
    """Equilibria of each solver spec (label -> spec) over the search costs c, in processes;
    one row per (label, c), the label in ``column``."""
    jobs = [(label, (spec, phi, ch, delta)) for label, spec in specs.items() for ch in c_chunks(c, workers)]
    parts = map_in_processes(_solve_chunk, [j for _, j in jobs], workers)
    return labelled(parts, [label for label, _ in jobs], column)


def _c_star_job(args):
    spec, phi, delta, c, table = args
    from analytic.welfare import optimal_search_cost_on_grid

    return optimal_search_cost_on_grid(solver_of(spec), phi, delta, c, table)


def c_stars(specs: dict, df: pd.DataFrame, phi, delta, workers=1, column="dist") -> dict:
    """Label -> ``analytic.welfare.GridWelfare``: c* of each solver, from its curve in ``df``
    refined by the welfare optimizer (switch points by bisection, local search), in processes."""
    jobs, labels = [], []
    for label, g in df.groupby(column, sort=False):
        g = g.sort_values("c")
        jobs.append((specs[label], phi, delta, g["c"].to_numpy(), g[["u_protege", "first_move"]].reset_index(drop=True)))
        labels.append(label)
    return dict(zip(labels, map_in_processes(_c_star_job, jobs, workers)))


def coarse_grid_warnings(summary: pd.DataFrame, column: str, points: int) -> list[str]:
    """One warning line per curve whose grid is too coarse to show its c*."""
    return [f"alliances: warning: {row[column]}: --points {points} is too coarse to trust: c* = {row['c_star']:.6g}"
            f" lies {abs(row['c_star'] - row['c_star_on_grid']):.3g} from the grid's best point"
            f" {row['c_star_on_grid']:.6g} (or at the grid's end); use more --points or another --c-max"
            for _, row in summary.iterrows() if row["grid_too_coarse"]]


def footnote13(df: pd.DataFrame, column: str = "dist", optima: dict | None = None) -> pd.DataFrame:
    """Per group: c* (from ``optima``, label -> ``GridWelfare`` of :func:`c_stars`), the switch
    value of c, and whether breakups are non-monotone in c."""
    rows = []
    for dist, g in df.groupby(column, sort=False):
        g = g.sort_values("c")
        pb = g["p_breakup"].to_numpy()
        c = g["c"].to_numpy()
        searching = np.flatnonzero(pb > 0)
        switch = float(c[searching[-1] + 1]) if searching.size and searching[-1] + 1 < len(c) else np.nan
        inner = pb[searching] if searching.size else np.array([])
        k = int(np.argmax(inner)) if inner.size else -1
        non_mono = bool(inner.size >= 3 and 0 < k < inner.size - 1 and inner[k] > inner[0] + 1e-9)
        w = optima[dist]
        rows.append({column: dist, "c_star": w.c_star, "u_protege_at_c_star": w.u_protege,
                     "c_star_on_grid": w.c_star_on_grid, "grid_too_coarse": w.grid_too_coarse,
                     "u_protege_at_0": float(g["u_protege"].iloc[0]), "c_switch": switch,
                     "max_p_breakup": float(pb.max()), "c_at_max_breakup": float(c[np.argmax(pb)]),
                     "p_breakup_at_0": float(pb[0]), "non_monotone": non_mono})
    return pd.DataFrame(rows)


def _switch_job(args):
    spec, phi, delta, lo, hi, iters = args
    solver = solver_of(spec)
    for _ in range(iters):  # first move 'search' at lo, 'accept' at hi
        mid = 0.5 * (lo + hi)
        if solver.solve(phi, mid, delta).first_move == "accept":
            hi = mid
        else:
            lo = mid
    return hi


def refine_switch(specs: dict, df: pd.DataFrame, phi, delta, iters=22, workers=1, column="dist") -> dict:
    """c at which the patron switches to the offer accepted at once, by bisection between
    the grid points around it (22 halvings of the grid step), per label of ``specs``."""
    jobs, labels = [], []
    for label, g in df.groupby(column, sort=False):
        g = g.sort_values("c")
        mv = g["first_move"].to_numpy()
        i = np.flatnonzero((mv[:-1] != "accept") & (mv[1:] == "accept"))
        if i.size:
            jobs.append((specs[label], phi, delta, float(g["c"].iloc[i[-1]]), float(g["c"].iloc[i[-1] + 1]), iters))
            labels.append(label)
    return dict(zip(labels, map_in_processes(_switch_job, jobs, workers)))


def plot_over_c(df: pd.DataFrame, column: str, path: Path, title: str, legend_title: str, dashed=(),
                c_star: dict | None = None) -> Path:
    """Breakups, the patron's contribution and the protégé's payoff against c, one line per
    value of ``column`` (broken where the first move switches, as the paper's curve at 1/32;
    dot: the protégé's best c, from ``c_star`` (label -> (c*, his payoff there), the welfare
    optimizer's) where given, else the grid's best point); the groups in ``dashed`` drawn
    dashed, and each line a little thinner than the one before so that lines on top of each
    other all show."""
    plt, _ = seaborn_pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.0))
    handles = []
    for i, (label, g) in enumerate(df.groupby(column, sort=False)):
        g = g.sort_values("c")
        style = "--" if label in dashed else "-"
        width = max(1.3, 3.6 - 0.45 * i)
        color = f"C{i % 10}"
        # break the lines where the first move changes (no false vertical rise at the jump)
        moves = g["first_move"].to_numpy()
        seg = np.concatenate([[0], np.cumsum(moves[1:] != moves[:-1])])
        for s in np.unique(seg):
            part = g[seg == s]
            for ax, col in zip(axes, ("p_breakup", "expected_contribution", "u_protege")):
                line, = ax.plot(part["c"], part[col], style, color=color, lw=width, alpha=0.9,
                                marker="o" if len(part) == 1 else None, ms=4.5)
            if s == 0:
                handles.append((line, label))
        if c_star is not None and label in c_star:
            dot = c_star[label]
        else:
            best = int(np.argmax(g["u_protege"].to_numpy()))
            dot = (g["c"].iloc[best], g["u_protege"].iloc[best])
        axes[2].plot(*dot, "o", color=color, ms=7, zorder=5)
    label_axes(axes, "protégé's payoff (dot: c*)")
    fig.legend([h for h, _ in handles], [wrap(str(t), 48) for _, t in handles], title=legend_title,
               loc="lower center", ncol=min(3, len(handles)), bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(wrap(title, 120))
    rows = (len(handles) + 2) // 3
    fig.tight_layout(rect=(0, 0.07 + 0.055 * rows, 1, 1))
    return save_figure(fig, path, DPI)


def c_star_points(summary: pd.DataFrame, column: str) -> dict:
    """label -> (c*, the protégé's payoff there) from a `footnote13` summary: the dots of `plot_over_c`."""
    return {row[column]: (row["c_star"], row["u_protege_at_c_star"]) for _, row in summary.iterrows()}


def label_axes(axes, payoff_title: str) -> None:
    """Axis labels and titles of the three panels: breakups, contribution, the protégé's payoff."""
    axes[0].set(xlabel="search cost c", ylabel="P(breakup)", title="breakups")
    axes[1].set(xlabel="search cost c", ylabel="E[contribution | alliance acts]", title="patron's contribution")
    axes[2].set(xlabel="search cost c", ylabel="protégé's expected payoff", title=payoff_title)


def write_table(df: pd.DataFrame, out: Path, name: str) -> Path:
    """``df`` as ``out/name`` (CSV, no index), creating ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / name, index=False)
    return out / name
