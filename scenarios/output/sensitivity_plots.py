"""The sensitivity indices of a sweep (``alliances analyze``): one panel per measure, one row
per swept parameter, each index with its bootstrap interval."""

from __future__ import annotations

from pathlib import Path

from scenarios.output.files import save_figure
from scenarios.output.run_plots import DPI
from scenarios.output.style import PALETTE, seaborn_pyplot, wrap

#: per analysis: (column, its interval's half-width column or None, legend label, colour, marker)
SERIES = {
    "sobol": (("S1", "S1_conf", "first order S1", PALETTE["blue"], "o"),
              ("ST", "ST_conf", "total ST", PALETTE["orange"], "s")),
    "morris": (("mu_star", "mu_star_conf", "mu* (mean |effect|)", PALETTE["blue"], "o"),
               ("sigma", None, "sigma (interactions, nonlinearity)", PALETTE["orange"], "s")),
}
COLS = 3


def sensitivity_plot(result, path: str | Path, title: str | None = None) -> Path:
    """Draw ``result`` (``scenarios.run.sensitivity.analyze``'s table) to ``path`` (PNG)."""
    import numpy as np

    plt, _ = seaborn_pyplot()
    method = str(result["method"].iloc[0])
    measures = list(dict.fromkeys(result["measure"]))
    ncols = min(COLS, len(measures))
    nrows = -(-len(measures) // ncols)
    params = list(dict.fromkeys(result["parameter"]))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 0.5 + (0.55 * len(params) + 1.2) * nrows),
                             squeeze=False, sharey=True)
    y = np.arange(len(params))
    for ax, measure in zip(axes.flat, measures):
        part = result[result["measure"] == measure].set_index("parameter").loc[params]
        status = str(part["status"].iloc[0])
        for i, (col, conf, label, colour, marker) in enumerate(SERIES[method]):
            off = (i - 0.5) * 0.28
            xerr = part[conf].to_numpy(dtype=float) if conf else None
            ax.errorbar(part[col].to_numpy(dtype=float), y + off, xerr=xerr, fmt=marker, color=colour,
                        capsize=3, label=label, markersize=6)
        if method == "sobol":
            ax.axvline(0, color="grey", lw=0.8)
            ax.set_xlim(min(-0.05, ax.get_xlim()[0]), max(1.05, ax.get_xlim()[1]))
        ax.set_title(wrap(measure.replace("_", " ") + ("" if status == "ok" else f" ({status})"), 38))
        ax.set_yticks(y, [wrap(p, 22) for p in params])
    axes.flat[0].invert_yaxis()  # (shared) the first parameter on top
    for ax in list(axes.flat)[len(measures):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, 0.0))
    what = ("Sobol indices, 95% bootstrap intervals" if method == "sobol"
            else "Morris screening, 95% bootstrap intervals of mu*")
    fig.suptitle(f"{title}: {what}" if title else what)
    fig.tight_layout(rect=(0, 0.06 if nrows == 1 else 0.035, 1, 1))
    return save_figure(fig, path, DPI)


__all__ = ["sensitivity_plot"]
