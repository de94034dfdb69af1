"""Seaborn plots of the survival summaries (``scenarios.studies.survival``): ATOP and a model run
in the same axes (colour: the group, line style: the source)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.output.files import save_figure
from scenarios.output.style import seaborn_pyplot

#: resolution of the survival plots (PNG)
DPI = 120
#: line style of each source; other sources get dotted lines
SOURCE_STYLES = {"ATOP": "-", "model": "--"}
ENDPOINT_TITLES = {"any": "any ending", "violated": "violation (other endings censored)"}
GROUP_TITLES = {"milinst": "milinst", "bilat": "bilateral", "all": "all"}


def plot_survival(km: pd.DataFrame, group_by: str, path: Path) -> Path:
    """Kaplan-Meier curves with 95% bands per group of ``group_by``, one panel per endpoint."""
    plt, sns = seaborn_pyplot()
    endpoints = [e for e in ENDPOINT_TITLES if e in set(km["endpoint"])]
    fig, axes = plt.subplots(1, len(endpoints), figsize=(6.0 * len(endpoints), 4.4), sharey=True, squeeze=False)
    part = km[km["group_by"] == group_by]
    groups = sorted(part["group"].unique())
    colours = dict(zip(groups, sns.color_palette("colorblind", len(groups))))
    for ax, endpoint in zip(axes[0], endpoints):
        for (source, group), curve in part[part["endpoint"] == endpoint].groupby(["source", "group"], sort=True):
            style = SOURCE_STYLES.get(source, ":")
            ax.step(curve["time"], curve["survival"], where="post", color=colours[group], linestyle=style,
                    label=f"{source}, {GROUP_TITLES.get(group_by, group_by)} {group}")
            ax.fill_between(curve["time"], curve["lo"], curve["hi"], step="post", color=colours[group], alpha=0.15,
                            linewidth=0)
        ax.set_title(ENDPOINT_TITLES[endpoint])
        ax.set_xlabel("years since formation")
        ax.set_ylim(0, 1.02)
    axes[0][0].set_ylabel("in force (Kaplan-Meier, 95% band)")
    axes[0][-1].legend(fontsize="small", loc="upper right")
    fig.tight_layout()
    return save_figure(fig, path, DPI)


def plot_hazard(hazard: pd.DataFrame, group_by: str, path: Path) -> Path:
    """The life-table hazard per year by age, +- 1.96 SE, per group of ``group_by``."""
    plt, sns = seaborn_pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    part = hazard[(hazard["group_by"] == group_by) & (hazard["events"] > 0)]
    groups = sorted(part["group"].unique())
    colours = dict(zip(groups, sns.color_palette("colorblind", len(groups))))
    for (source, group), rows in part.groupby(["source", "group"], sort=True):
        mid = (rows["start"] + rows["end"]) / 2
        ax.errorbar(mid, rows["hazard"], yerr=1.96 * rows["se"].fillna(0), color=colours[group],
                    linestyle=SOURCE_STYLES.get(source, ":"), marker="o", markersize=3, capsize=2,
                    label=f"{source}, {GROUP_TITLES.get(group_by, group_by)} {group}")
    ax.set_xlabel("age of the alliance (years, interval midpoints)")
    ax.set_ylabel("hazard of any ending per year (life table)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return save_figure(fig, path, DPI)


def plot_competing(competing: pd.DataFrame, path: Path) -> Path:
    """Aalen-Johansen cumulative incidence of each ending (all spells), with 95% bands."""
    plt, sns = seaborn_pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    part = competing[competing["group_by"] == "all"]
    endings = [e for e in ("violated", "renegotiated", "fulfilled") if e in set(part["ending"])]
    colours = dict(zip(endings, sns.color_palette("colorblind", len(endings))))
    for (source, ending), curve in part.groupby(["source", "ending"], sort=True):
        ax.step(curve["time"], curve["cif"], where="post", color=colours[ending],
                linestyle=SOURCE_STYLES.get(source, ":"), label=f"{source}: {ending}")
        ax.fill_between(curve["time"], np.nan_to_num(curve["lo"]), np.nan_to_num(curve["hi"]), step="post",
                        color=colours[ending], alpha=0.15, linewidth=0)
    ax.set_xlabel("years since formation")
    ax.set_ylabel("cumulative incidence (95% band)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return save_figure(fig, path, DPI)


def survival_plots(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """All survival plots of ``tables`` into ``out``: km_milinst.png, km_bilat.png,
    hazard_milinst.png, competing.png."""
    out = Path(out)
    return [
        plot_survival(tables["km"], "milinst", out / "km_milinst.png"),
        plot_survival(tables["km"], "bilat", out / "km_bilat.png"),
        plot_hazard(tables["hazard"], "milinst", out / "hazard_milinst.png"),
        plot_competing(tables["competing"], out / "competing.png"),
    ]


__all__ = ["plot_survival", "plot_hazard", "plot_competing", "survival_plots"]
