"""Seaborn plots across a sweep: each outcome measure against the mean search cost
(or another swept parameter), one line per value of another swept key (e.g. the
investment rule), with 95% Student-t confidence bands over the replications.
A sweep of a ``[system]`` scenario also gets its system measures in ``sweep_system.png``."""

from __future__ import annotations

from pathlib import Path

from scenarios.output.files import save_figure
from scenarios.output.run_plots import DPI
from scenarios.output.style import seaborn_pyplot, wrap

#: measure -> axis label
PLOTTED = {
    "mean_churn": "churn (breakups per alliance-round)",
    "breakup_rate": "share of spells ending in a breakup",
    "final_c": "mean search cost c at the end",
    "mean_spell_length": "mean length of broken spells (rounds)",
    "mean_contribution": "mean patron contribution",
    "free_riding_gap": "contribution above the free-riding minimum",
    "mean_protege_payoff": "protégé payoff per round",
    "mean_patron_payoff": "patron payoff per round",
}
#: system measure -> axis label (sweep_system.png, for sweeps whose summary has them)
SYSTEM_PLOTTED = {
    "late_churn": "churn in the last quarter of the rounds",
    "late_effective_poles": "effective poles 1 / HHI (last quarter)",
    "late_largest_share": "the largest power's share (last quarter)",
    "late_load_strength_corr": "corr(load, strength) (last quarter)",
    "late_true_mean_offer": "mean outside offer of the market (last quarter)",
}
MAX_HUE = 8
#: measures with a bounded range: their panels' y limits (an interval may reach beyond)
BOUNDED = {"late_load_strength_corr": (-1.05, 1.05)}
#: decades of a numeric x beyond which the system panels use a symmetric-log axis
WIDE = 1


def t_interval(values) -> tuple[float, float]:
    """95% Student-t confidence interval of the mean over replications (the point itself if n = 1)."""
    import numpy as np
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan")
    m = float(x.mean())
    if x.size < 2:
        return m, m
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return m - half, m + half


MEAN_C = "mean starting search cost c"
#: swept key -> its name in a legend's title
KEY_NAMES = {"investment": "investment rule", "outsiders": "outsider model", "bargaining": "division of the pie",
             "system.strength.values": "strengths of the two groups", "system.load_discount": "load discount"}


def in_words(value) -> str:
    """A swept value as a legend shows it: a table (``{rule = "accumulate", step = 0.005}``)
    as its kind and its parameters (``accumulate (step 0.005, cap 0.05)``), a number or a
    word as itself."""
    import tomllib

    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            return value
    if not isinstance(value, dict):
        return str(value)
    head_key = next((k for k in ("rule", "kind", "dist", "model", "rule_ad_hoc") if k in value), None)
    head = str(value[head_key]) if head_key else ""
    rest = ", ".join(f"{k} {in_words(v)}" for k, v in value.items() if k != head_key)
    return f"{head} ({rest})" if head and rest else (head or rest)


def redundant(done, measures: list[str]) -> set[str]:
    """Measures that repeat another up to a constant (the gap above the free-riding minimum is the
    contribution minus phi - 1: the same panel when phi is not swept)."""
    import numpy as np

    out = set()
    if {"mean_contribution", "free_riding_gap"} <= set(measures):
        d = (done["mean_contribution"] - done["free_riding_gap"]).to_numpy(dtype=float)
        d = d[np.isfinite(d)]
        if d.size and np.ptp(d) < 1e-9:
            out.add("free_riding_gap")
    return out


def choose_axes(df, keys) -> tuple[str | None, str | None]:
    """x and hue for the plots.

    x: the mean search cost of each design point (the mean over its
    replications of the protégés' mean starting c) when the sweep moves the
    search-cost distribution; else the first numeric swept key that varies.
    hue: the first other swept key with few values (e.g. the investment rule).
    """
    import pandas as pd

    varying = [k for k in keys if df[k].nunique() > 1]
    numeric = [k for k in varying if pd.api.types.is_numeric_dtype(df[k])]
    cost_keys = [k for k in varying if k == "search_cost" or k.startswith("search_cost.")]
    if cost_keys and MEAN_C in df:
        x = MEAN_C
    else:
        x = numeric[0] if numeric else (varying[0] if varying else None)
    hue = next((k for k in varying if k != x and k not in cost_keys and df[k].nunique() <= MAX_HUE), None)
    return x, hue


def sweep_plots(df, plan, out: Path, x: str | None = None, hue: str | None = None) -> list[Path]:
    """Write ``sweep_measures.png`` (one panel per measure) into ``out``, and ``sweep_system.png``
    (the system measures) if the summary has them; return the files written."""
    done = df[df["status"] == "done"].copy()
    done[MEAN_C] = done.groupby("point")["c_start_mean"].transform("mean")
    if x is None and hue is None:
        x, hue = choose_axes(done, plan.keys)
    if x is None or done.empty:
        return []
    if hue is not None:
        done[hue] = done[hue].map(in_words)
    measures = [m for m in PLOTTED if done[m].notna().any()]
    files = [measure_panels(done, plan, x, hue, [m for m in measures if m not in redundant(done, measures)],
                            PLOTTED, Path(out) / "sweep_measures.png")]
    system = [m for m in SYSTEM_PLOTTED if m in done and done[m].notna().any()]
    if system:
        files.append(measure_panels(done, plan, x, hue, system, SYSTEM_PLOTTED, Path(out) / "sweep_system.png",
                                    wide_x=True))
    return files


def measure_panels(done, plan, x: str, hue: str | None, measures: list[str], labels: dict, path: Path,
                   wide_x: bool = False) -> Path:
    """One panel per measure (titled by ``labels``) against ``x``, a line per ``hue``, to ``path``.
    ``wide_x``: a numeric x whose values span more than WIDE decades (from its least positive
    value) is drawn on a symmetric-log axis (linear through 0)."""
    plt, sns = seaborn_pyplot()
    import pandas as pd

    numeric_x = pd.api.types.is_numeric_dtype(done[x])
    ncol = max(1, min(4, len(measures)))
    slots = len(measures) + (hue is not None)  # the legend takes a free panel, or a row of its own
    nrow = (max(slots, len(measures)) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.3 * ncol, 3.6 * nrow), squeeze=False)
    for ax, m in zip(axes.flat, measures):
        kw = dict(data=done, x=x, y=m, hue=hue, ax=ax, errorbar=t_interval)
        if numeric_x:
            sns.lineplot(marker="o", **kw)
        else:
            sns.pointplot(**kw)
        ax.set_title(wrap(labels[m], 34), fontsize=11)  # the measure as the panel's title: no long y-labels
        ax.set_ylabel("")
        ax.set_xlabel(wrap(x, 34))
        if wide_x and numeric_x:
            pos = done[x][done[x] > 0]
            if len(pos) and done[x].min() >= 0 and pos.max() / pos.min() > 10**WIDE:
                ax.set_xscale("symlog", linthresh=float(pos.min()))
                ax.set_xlim(-0.3 * float(pos.min()), None)  # no negative decades
        if m in BOUNDED:
            ax.set_ylim(*BOUNDED[m])
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    spare = list(axes.flat)[len(measures):]
    for ax in spare:
        ax.set_visible(False)
    reps = plan.replications
    title = f"sweep {plan.name}: {len(done)} runs, {reps} replication{'s' if reps > 1 else ''} per point (95% CI)"
    if hue is not None:
        handles, names = axes.flat[0].get_legend_handles_labels()
        spare[0].set_visible(True)
        spare[0].axis("off")
        spare[0].legend(handles, [wrap(t, 34) for t in names], title=KEY_NAMES.get(hue, hue), loc="center")
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path, DPI, bbox_inches="tight")


__all__ = ["sweep_plots", "measure_panels", "choose_axes", "in_words", "PLOTTED", "SYSTEM_PLOTTED", "MEAN_C"]
