"""The plotting back end and style every output figure is drawn with."""

from __future__ import annotations


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg back end (files only, no window)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


#: What every figure shares on top of seaborn's white-grid notebook theme: legends that can be
#: read (not shrunk), framed over the grid; titles a little smaller than seaborn's.
RC = {
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "legend.frameon": True,
    "legend.framealpha": 0.92,
    "axes.titlesize": 12,
    "figure.titlesize": 13,
    "lines.linewidth": 1.8,
}


#: seaborn's white-grid notebook theme as matplotlib settings (what ``sns.set_theme(style="whitegrid",
#: context="notebook")`` sets, seaborn 0.13, but its colour map, which is seaborn's own), its "deep"
#: colour cycle, and :data:`RC` on top: the one style, with or without seaborn imported
#: (tests/test_plots.py checks it against seaborn's).
THEME = {
    "axes.axisbelow": True, "axes.edgecolor": ".8", "axes.grid": True, "axes.labelcolor": ".15",
    "axes.labelsize": 12.0, "axes.linewidth": 1.25,
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 12.0, "grid.color": ".8", "grid.linewidth": 1.0,
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False, "xtick.color": ".15", "xtick.labelsize": 11.0, "xtick.major.size": 6.0,
    "xtick.major.width": 1.25, "xtick.minor.size": 4.0, "xtick.minor.width": 1.0,
    "ytick.left": False, "ytick.color": ".15", "ytick.labelsize": 11.0, "ytick.major.size": 6.0,
    "ytick.major.width": 1.25, "ytick.minor.size": 4.0, "ytick.minor.width": 1.0,
    **RC,
}
#: seaborn's "deep" palette, the colour cycle of every figure (C0, C1, ... are these)
DEEP = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974",
        "#64B5CD")


def themed_pyplot():
    """``matplotlib.pyplot`` in the project's one style (:data:`THEME`, :data:`DEEP`) without
    importing seaborn (half a second): for figures drawn with matplotlib alone (a run's plots)."""
    import matplotlib as mpl

    plt = pyplot()
    mpl.rcParams.update(THEME)
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=list(DEEP))
    return plt


def seaborn_pyplot():
    """(pyplot, seaborn) in the project's one style (seaborn's white-grid notebook theme and
    :data:`RC`): for figures drawn with seaborn's functions (sweeps, the paper's figures, the
    extension studies)."""
    import seaborn as sns

    plt = pyplot()
    sns.set_theme(style="whitegrid", context="notebook", rc=RC)
    return plt, sns


def wrap(text: str, width: int = 30) -> str:
    """``text`` on lines of at most ``width`` characters (an axis label that fits its panel)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


#: The project's colours by name (matplotlib's tab10 order), for matplotlib and the dashboard alike.
PALETTE = {
    "blue": "#1f77b4", "orange": "#ff7f0e", "green": "#2ca02c", "red": "#d62728", "purple": "#9467bd",
    "brown": "#8c564b", "pink": "#e377c2", "grey": "#7f7f7f", "olive": "#bcbd22", "cyan": "#17becf",
    "navy": "#1f3b73",
}
#: matplotlib's viridis at nine stops (the colour of c in network views).
VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725")


def broken_at(x, y, x0: float):
    """(x, y) with a gap (nan) inserted at ``x0``: a curve with a jump there (the paper's at c = 1/32)
    is drawn as two pieces, not joined by a vertical line."""
    import numpy as np

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    i = int(np.searchsorted(x, x0, side="left"))  # x0 itself starts the second piece
    if i == 0 or i == x.size:
        return x, y
    return np.insert(x, i, x0), np.insert(y, i, np.nan)


def rate_dots(ax, rates, label: str) -> None:
    """Draw ``rates`` (columns c_mid, rate, lo, hi: a simulated rate per band of c with its
    interval) on ``ax`` as dots with error bars, in the second colour of the cycle."""
    # (arrays, not Series: matplotlib float()s a one-row Series, which pandas deprecates)
    x, rate, lo, hi = (rates[k].to_numpy(dtype=float) for k in ("c_mid", "rate", "lo", "hi"))
    ax.errorbar(x, rate, yerr=[rate - lo, hi - rate], fmt="o", ms=4, color="C1", label=label)
