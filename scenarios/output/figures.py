"""The paper's Figures 3 and 4, redrawn from the analytic solution.

* Figure 3: the probability that the alliance acts (``p_alliance``) against the
  search cost c. By Prop. 1 it is 1 for c >= 1/32; below 1/32 it dips.
* Figure 4: the protégé's expected utility (``u_protege``) against c, with the
  welfare-maximising search cost c* (``analytic.optimal_search_cost``) marked;
  at phi = 1.1, delta = .99 the paper finds c* = 1/32.

``figure3_data`` / ``figure4_data`` return the curves as DataFrames (no
plotting); ``plot_figure3`` / ``plot_figure4`` draw them with seaborn;
``write_figure`` writes ``figureN.png`` and ``figureN.csv`` into a directory
(``alliances figure``, ``scenarios.cli.figure``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # (pandas is imported where a table is made: `alliances --help` imports this module)
    import pandas as pd

from scenarios.output.files import save_figure
from scenarios.output.style import seaborn_pyplot

#: resolution of the figures (PNG)
DPI = 150
DEFAULTS = {"phi": 1.1, "delta": 0.99, "c_max": 0.06, "points": 481}


def c_grid(c_max: float = DEFAULTS["c_max"], points: int = DEFAULTS["points"]) -> np.ndarray:
    """``points`` evenly spaced search costs on [0, c_max]."""
    if not (isinstance(c_max, (int, float)) and math.isfinite(c_max) and c_max > 0):
        raise ValueError(f"c_max must be a finite number > 0, got {c_max}")
    if int(points) != points or points < 2:
        raise ValueError(f"points must be an integer >= 2, got {points}")
    return np.linspace(0.0, float(c_max), int(points))


def _check(phi: float, delta: float) -> None:
    import analytic

    analytic.validate(phi=phi, c=0.0, delta=delta)


def figure3_data(phi: float = DEFAULTS["phi"], delta: float = DEFAULTS["delta"],
                 c_max: float = DEFAULTS["c_max"], points: int = DEFAULTS["points"]
                 ) -> pd.DataFrame:
    """Outcome probabilities against c.

    Columns c, p_alliance, p_breakup, p_none, first_move (the protégé's), phi, delta.
    """
    import pandas as pd

    import analytic

    _check(phi, delta)
    c = c_grid(c_max, points)
    eq = analytic.solve_many(phi=phi, c=c, delta=delta)
    df = pd.DataFrame({
        "c": c,
        "p_alliance": np.asarray(eq["p_alliance"], dtype=float),
        "p_breakup": np.asarray(eq["p_breakup"], dtype=float),
        "p_none": np.asarray(eq["p_none"], dtype=float),
        "first_move": np.asarray(eq["first_move"]),
    })
    df["phi"] = float(phi)
    df["delta"] = float(delta)
    return df


def figure4_data(phi: float = DEFAULTS["phi"], delta: float = DEFAULTS["delta"],
                 c_max: float = DEFAULTS["c_max"], points: int = DEFAULTS["points"]
                 ) -> pd.DataFrame:
    """The protégé's (and patron's) expected utility against c.

    Columns c, u_protege, u_patron, first_move, is_c_star, phi, delta. The grid is the even
    grid of ``c_grid`` plus c* itself (the one row with ``is_c_star`` True; an
    even-grid point within 1e-12 of c* is replaced by it), so the grid reaches
    c* even when c* > c_max.
    """
    import pandas as pd

    import analytic

    _check(phi, delta)
    c_star = float(analytic.optimal_search_cost(phi=phi, delta=delta).c_star)
    c = c_grid(c_max, points)
    c = c[np.abs(c - c_star) > 1e-12]
    c = np.sort(np.append(c, c_star))
    eq = analytic.solve_many(phi=phi, c=c, delta=delta)
    df = pd.DataFrame({
        "c": c,
        "u_protege": np.asarray(eq["u_protege"], dtype=float),
        "u_patron": np.asarray(eq["u_patron"], dtype=float),
        "first_move": np.asarray(eq["first_move"]),
        "is_c_star": c == c_star,
    })
    df["phi"] = float(phi)
    df["delta"] = float(delta)
    return df


def _draw_curve(sns, ax, df: pd.DataFrame, y: str, label: str) -> None:
    """Draw y against c, one segment per run of the protégé's first move.

    The curves jump where the equilibrium changes (e.g. at c = 1/32, where the
    patron's first offer starts to be accepted at once); drawing the runs apart
    keeps the plot from suggesting a continuous, vertical rise.
    """
    run = (df["first_move"] != df["first_move"].shift()).cumsum()
    for i, (_, part) in enumerate(df.groupby(run, sort=True)):
        sns.lineplot(data=part, x="c", y=y, ax=ax, color="C0", linewidth=2,
                     label=label if i == 0 else None)


def plot_figure3(df: pd.DataFrame, path: str | Path) -> Path:
    """Draw Figure 3 from ``figure3_data``'s frame to a PNG at ``path``."""
    from analytic.paper import C_PROP1  # here: the CLI imports this module at every start

    plt, sns = seaborn_pyplot()
    phi, delta = float(df["phi"].iloc[0]), float(df["delta"].iloc[0])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    _draw_curve(sns, ax, df, "p_alliance", "alliance acts")
    if C_PROP1 <= df["c"].max():
        ax.axvline(C_PROP1, color="0.4", linestyle=":", linewidth=1.2,
                   label="c = 1/32 (Prop. 1 for c ≥ 1/32)")
    ax.set_xlabel("search cost $c$")
    ax.set_ylabel("Pr(alliance acts)")
    ax.set_xlim(df["c"].min(), df["c"].max())
    low = float(np.nanmin(df["p_alliance"]))
    ax.set_ylim(min(low, 1.0) - 0.05 * max(1.0 - low, 0.02), 1.0 + 0.05 * max(1.0 - low, 0.02))
    ax.set_title("Figure 3: probability that the alliance acts against the search cost\n"
                 f"$\\phi$ = {phi:g}, $\\delta$ = {delta:g}")
    ax.legend(loc="best")
    fig.tight_layout()
    return save_figure(fig, path, DPI)


def plot_figure4(df: pd.DataFrame, path: str | Path) -> Path:
    """Draw Figure 4 from ``figure4_data``'s frame to a PNG at ``path``."""
    plt, sns = seaborn_pyplot()
    phi, delta = float(df["phi"].iloc[0]), float(df["delta"].iloc[0])
    star = df[df["is_c_star"]].iloc[0]
    c_star, u_star = float(star["c"]), float(star["u_protege"])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    _draw_curve(sns, ax, df, "u_protege", "protégé's expected utility")
    ax.axvline(c_star, color="C3", linestyle="--", linewidth=1.2)
    ax.plot([c_star], [u_star], "o", color="C3", label=f"$c^*$ = {c_star:.5g}")
    ax.annotate(f"$c^*$ = {c_star:.5g}\n$u_2$ = {u_star:.4f}", xy=(c_star, u_star),
                xytext=(12, -30), textcoords="offset points", color="C3",
                arrowprops={"arrowstyle": "-", "color": "C3"})
    ax.set_xlabel("search cost $c$")
    ax.set_ylabel("protégé's expected utility $u_2$")
    ax.set_xlim(df["c"].min(), df["c"].max())
    ax.set_title("Figure 4: protégé's (player 2's) expected utility against the search cost\n"
                 f"$\\phi$ = {phi:g}, $\\delta$ = {delta:g}")
    ax.legend(loc="best")
    fig.tight_layout()
    return save_figure(fig, path, DPI)


FIGURES = {3: (figure3_data, plot_figure3), 4: (figure4_data, plot_figure4)}


def write_figure(number: int, out: str | Path, **params) -> list[Path]:
    """Write ``figureN.csv`` and ``figureN.png`` into ``out``; return the two paths."""
    if number not in FIGURES:
        raise ValueError(f"figure must be one of {sorted(FIGURES)}, got {number}")
    data_fn, plot_fn = FIGURES[number]
    df = data_fn(**params)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"figure{number}.csv"
    df.to_csv(csv_path, index=False)
    png_path = plot_fn(df, out / f"figure{number}.png")
    return [png_path, csv_path]
