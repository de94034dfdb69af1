"""The plots of a run: churn, breakup rate against c (with the analytic curve), survival of
alliance spells, the distribution of c over time and burden-sharing.

Drawn with matplotlib alone in the project's style (``style.themed_pyplot``): every `alliances
run` draws them, and importing seaborn would cost it half a second."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analytic.paper import C_PROP1
from scenarios.output.files import save_figure
from scenarios.output.style import broken_at, rate_dots, themed_pyplot
from scenarios.run.measures import band_edges, band_index, breakup_rate


#: resolution of the run plots (PNG)
DPI = 120
#: rounds averaged in the burden-sharing plot's moving average (runs of at least SMOOTH_FROM rounds)
SMOOTH_WINDOW, SMOOTH_FROM = 5, 20
#: a legend under the axes (for plots whose curves may lie anywhere)
LEGEND_BELOW = dict(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, frameon=False)


def kaplan_meier(duration: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival: times t (0 first) and S(t) = P(spell lasts more than t rounds)."""
    duration = np.asarray(duration, dtype=np.int64)
    event = np.asarray(event, dtype=bool)
    if duration.size == 0:
        return np.array([0]), np.array([1.0])
    times = np.unique(duration[event])
    srt = np.sort(duration)
    at_risk = srt.size - np.searchsorted(srt, times, side="left")
    ended = np.bincount(duration[event])[times] if times.size else np.array([], dtype=np.int64)
    surv = np.cumprod(1.0 - ended / at_risk)
    t, s = np.r_[0, times], np.r_[1.0, surv]
    if duration.max() > t[-1]:  # carry the curve on to the longest (censored) spell
        t, s = np.r_[t, duration.max()], np.r_[s, s[-1]]
    return t, s


def breakup_by_c(events, max_bands: int = 24):
    """Simulated breakup frequency per band of c: DataFrame c_mid, rounds, breakups, rate, lo, hi."""
    import pandas as pd

    c = events["search_cost"].to_numpy()
    broke = (events["outcome"] == "breakup").to_numpy()
    uniq = np.unique(c)
    if uniq.size <= 30:
        key, mids = np.searchsorted(uniq, c), uniq
    else:
        edges = band_edges(c, max_bands)  # (split at c = 1/32: no band mixes the two sides of the jump)
        key = band_index(c, edges)
        mids = (edges[:-1] + edges[1:]) / 2
    n = np.bincount(key, minlength=mids.size)
    k = np.bincount(key, weights=broke, minlength=mids.size)
    cm = np.bincount(key, weights=c, minlength=mids.size)
    keep = n > 0
    rate, half = breakup_rate(n, k)
    return pd.DataFrame(
        {
            "c_mid": (cm / np.maximum(n, 1))[keep],
            "rounds": n[keep],
            "breakups": k[keep].astype(int),
            "rate": rate[keep],
            "lo": (rate - half)[keep],
            "hi": (rate + half)[keep],
        }
    )


def analytic_breakup_curve(c_grid: np.ndarray, phis: np.ndarray, delta: float, solver=None) -> np.ndarray:
    """analytic's p_breakup on ``c_grid``, averaged over the phi values in ``phis``.

    ``solver``: the scenario's solver (default the paper's game, ``analytic.PAPER_GAME``; e.g.
    ``analytic.general``'s for another outside-offer distribution)."""
    if solver is None:
        from analytic import PAPER_GAME as solver

    phis = np.unique(np.asarray(phis, dtype=float))
    if phis.size > 25:  # a varying phi: average over 25 of its quantiles
        phis = np.quantile(phis, (np.arange(25) + 0.5) / 25)
    P, C = np.meshgrid(phis, c_grid, indexing="ij")
    df = solver.solve_many(phi=P.ravel(), c=C.ravel(), delta=delta)
    return np.asarray(df["p_breakup"], dtype=float).reshape(P.shape).mean(axis=0)


def make_plots(out: Path, scenario, tables: dict) -> list[Path]:
    """Write the five plots into ``out``; returns their paths. With a ``[system]`` table the
    breakup-rate plot is left out: the system's own (`scenarios.output.system_plots`) draws it
    against the equilibrium of the system's final state, not of U[0, 1]."""
    plt = themed_pyplot()
    out = Path(out)
    steps = tables["steps.parquet"].to_pandas()
    spells = tables["alliances.parquet"].to_pandas()
    events = tables["events.parquet"].to_pandas() if "events.parquet" in tables else None
    files = []
    title = scenario.name

    # 1. churn over time
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps["step"], steps["churn_rate"], label="breakups / alliances")
    ax.plot(steps["step"], steps["share_searching"], label="protégés searching")
    ax.legend(**LEGEND_BELOW)
    ax.set(xlabel="round", ylabel="share of alliances", title=f"{title}: alliance churn", ylim=(0, None))
    files.append(save_figure(fig, out / "churn.png", DPI, bbox_inches="tight"))

    # 2. breakup rate against c, with the analytic curve (a system's is among its own plots)
    system = getattr(scenario, "system", None) is not None
    if events is not None and len(events) and not system:
        sim = breakup_by_c(events)
        c_lo, c_hi = float(events["search_cost"].min()), float(events["search_cost"].max())
        solver = scenario.solver()
        fine = solver.vectorized  # the numeric solvers take ~1 s a point
        grid = np.linspace(c_lo, max(c_hi, c_lo + 1e-3), 241 if fine else 41)
        curve = analytic_breakup_curve(grid, events["phi"].to_numpy(), scenario.delta, solver=solver)
        fig, ax = plt.subplots(figsize=(7, 4))
        gx, gy = broken_at(grid, curve, C_PROP1)  # no line across the jump at c = 1/32
        ax.plot(gx, gy, color="k", lw=1.5, label="analytic P(breakup)")
        rate_dots(ax, sim, "simulated (95% CI)")
        ax.axvline(C_PROP1, ls=":", color="grey", label="c = 1/32")
        ax.set(xlabel="search cost c", ylabel="breakups per alliance-round", ylim=(0, None),
               title=f"{title}: breakup rate against c")
        ax.legend()
        files.append(save_figure(fig, out / "breakup_vs_c.png", DPI, bbox_inches="tight"))

    # 3. survival curve of alliance spells (Kaplan-Meier; running alliances censored)
    fig, ax = plt.subplots(figsize=(7, 4))
    groups = [("all alliances", np.ones(len(spells), dtype=bool))]
    low = spells["c_start"].to_numpy() < C_PROP1
    if low.any() and (~low).any():
        groups += [("c < 1/32 at formation", low), ("c >= 1/32 at formation", ~low)]
    for label, mask in groups:
        sub = spells[mask]
        t, s = kaplan_meier(sub["duration"].to_numpy(), (sub["ended"] == "breakup").to_numpy())
        ax.step(t, s, where="post", label=f"{label} (n = {mask.sum():,})")
    # room above 1 so that a curve that stays at 1 is not drawn on the frame; the legend under the
    # plot, where no curve is
    ax.set(xlabel="rounds", ylabel="share of alliances still together", ylim=(0, 1.08),
           title=f"{title}: survival of alliances")
    ax.legend(**LEGEND_BELOW)
    files.append(save_figure(fig, out / "survival.png", DPI, bbox_inches="tight"))

    # 4. distribution of c over time
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(steps["step"], steps["c_q25"], steps["c_q75"], alpha=0.3, label="interquartile range")
    ax.plot(steps["step"], steps["c_median"], label="median")
    ax.plot(steps["step"], steps["c_mean"], label="mean", linestyle="--")
    ax.axhline(C_PROP1, ls=":", color="grey", label="c = 1/32")
    # from 0, and at least up to 1/32: a wiggle of a fraction of a percent is not blown up to full height
    top = max(float(steps["c_q75"].max()), float(steps["c_mean"].max()), C_PROP1) * 1.25
    ax.set(xlabel="round", ylabel="search cost c", title=f"{title}: institutional integration", ylim=(0, top))
    ax.legend(loc="lower right")
    files.append(save_figure(fig, out / "c_distribution.png", DPI, bbox_inches="tight"))

    # 5. burden-sharing over time
    # a long run: each round faint, a centred moving average over it (phi redrawn each round is noisy)
    fig, ax = plt.subplots(figsize=(7, 4))
    window = SMOOTH_WINDOW if len(steps) >= SMOOTH_FROM else 1
    note = f" ({window}-round average)" if window > 1 else ""
    x = steps["step"]
    for col, label, color in (("mean_contribution", "patron's contribution", "C0"),
                              ("free_riding_gap", "above the free-riding minimum", "C1"),
                              ("phi", "free-riding minimum phi - 1", "grey")):
        y = steps[col] - 1.0 if col == "phi" else steps[col]
        if window > 1:
            ax.plot(x, y, color=color, lw=0.8, alpha=0.3)
            y = y.rolling(window, center=True, min_periods=1).mean()
        ax.plot(x, y, color=color, ls=":" if col == "phi" else "-", label=label + note)
    ax.set(xlabel="round", ylabel="mean over alliances that acted", title=f"{title}: burden-sharing",
           ylim=(0, None))
    ax.legend(**LEGEND_BELOW)
    files.append(save_figure(fig, out / "burden_sharing.png", DPI, bbox_inches="tight"))
    return files
