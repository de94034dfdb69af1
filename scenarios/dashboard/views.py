"""The dashboard's views: solara components drawing matplotlib figures of a DashboardModel.

Every view reads summaries (the DataCollector's per-round metrics, histograms of
the model's arrays, the running breakup counts per band of c) or the model's
fixed network sample, never every agent, so a step costs the same whatever the
population. Each view calls ``update_counter.get()`` (Mesa's redraw signal) so
that it is drawn again after every step.
"""

from __future__ import annotations

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from analytic.paper import C_PROP1
from scenarios.dashboard.model import DashboardModel

FIGSIZE = (6.4, 3.7)
BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f"
RC = {
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10.5,
    "legend.fontsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _figure(figsize=FIGSIZE, margins=(0.11, 0.97, 0.14, 0.9)):
    """A figure with one axes and fixed margins (left, right, bottom, top): faster than a layout engine."""
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=figsize, dpi=100)
        fig.subplots_adjust(left=margins[0], right=margins[1], bottom=margins[2], top=margins[3])
        ax = fig.add_subplot()
    return fig, ax


def _show(fig, model: DashboardModel, name: str):
    """Draw ``fig`` as a PNG; the wrapper's class names the view for tests."""
    with solara.Column(classes=[f"alliances-view alliances-{name}"], style={"width": "100%"}):
        solara.FigureMatplotlib(fig, format="png", dependencies=[id(model), model.steps, update_counter.value])


def _steps(model: DashboardModel):
    return model.datacollector.get_model_vars_dataframe()


def _empty(ax, text="press Step or ▶ to play rounds"):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=GREY, fontsize=11)


# ---------------------------------------------------------------- churn
def churn_figure(model: DashboardModel) -> Figure:
    import matplotlib

    fig, ax = _figure()
    df = _steps(model)
    with matplotlib.rc_context(RC):
        if len(df):
            x = np.arange(1, len(df) + 1)
            ax.plot(x, df["churn_rate"], color=RED, lw=1.8, label="breakups / alliances")
            ax.plot(x, df["share_searching"], color=BLUE, lw=1.3, alpha=0.8, label="protégés searching outside")
            ax.set_xlim(0.5, max(len(df), 10) + 0.5)
            ax.legend(loc="upper right", frameon=True)
        else:
            _empty(ax)
        ax.set_ylim(0, 1.03)
        ax.set(xlabel="round", ylabel="share of alliances",
               title=f"Alliance churn (round {model.steps}, {model.total_breakups:,} breakups)")
    return fig


@solara.component
def ChurnView(model: DashboardModel):
    update_counter.get()
    _show(churn_figure(model), model, "churn")


# ----------------------------------------------------- distribution of c
def c_distribution_figure(model: DashboardModel) -> Figure:
    import matplotlib

    fig, ax = _figure()
    with matplotlib.rc_context(RC):
        hi = model.c_view_max
        bins = np.linspace(0, hi, 31)
        ax.hist(np.clip(model.c_start, 0, hi), bins=bins, color=GREY, alpha=0.35,
                label="starting levels", weights=np.full(model.n_proteges, 1 / model.n_proteges))
        ax.hist(np.clip(model.c, 0, hi), bins=bins, color=GREEN, alpha=0.75, histtype="stepfilled",
                label=f"now (median {np.median(model.c):.3f})",
                weights=np.full(model.n_proteges, 1 / model.n_proteges))
        ax.axvline(C_PROP1, ls=":", color="k", lw=1)
        ax.text(C_PROP1, 0.5, "c = 1/32 ", transform=ax.get_xaxis_transform(), va="center", ha="right",
                rotation=90, fontsize=8.5, color="k")
        ax.set(xlabel="search cost c (institutional integration)", ylabel="share of alliances",
               title=f"Distribution of c across alliances (round {model.steps})", xlim=(0, hi))
        ax.legend(loc="upper right")
    return fig


@solara.component
def CDistributionView(model: DashboardModel):
    update_counter.get()
    _show(c_distribution_figure(model), model, "c-distribution")


# --------------------------------------------------- breakup rate against c
def breakup_figure(model: DashboardModel) -> Figure:
    import matplotlib

    fig, ax = _figure()
    with matplotlib.rc_context(RC):
        grid, curve = model.analytic_curve()
        if curve.size:
            ax.plot(grid, curve, color="k", lw=1.8, label="analytic p_breakup", zorder=3)
        else:
            ax.text(0.98, 0.6, "analytic curve: U[0, 1] outsiders only", transform=ax.transAxes,
                    ha="right", color=GREY, fontsize=9)
        mid, rate, half, n = model.breakup_bands()
        if mid.size:
            ax.errorbar(mid, rate, yerr=half, fmt="o", ms=4.5, color=ORANGE, ecolor=ORANGE, alpha=0.9,
                        capsize=2, label=f"simulated, 95% CI ({int(n.sum()):,} alliance-rounds)", zorder=4)
        else:
            _empty(ax)
        ax.axvline(C_PROP1, ls=":", color=GREY, lw=1)
        top = max(float(np.nanmax(curve)) if curve.size else 0.0, float(np.nanmax(rate + half)) if mid.size else 0.0)
        ax.set_ylim(0, min(1.0, max(0.05, top * 1.15)))
        ax.set(xlim=(0, model.c_view_max), xlabel="search cost c",
               ylabel="breakups per alliance-round", title=f"Breakup rate against c (rounds 1-{model.steps})")
        ax.legend(loc="upper right")
    return fig


@solara.component
def BreakupView(model: DashboardModel):
    update_counter.get()
    _show(breakup_figure(model), model, "breakup")


# -------------------------------------------------------------- burden sharing
def burden_figure(model: DashboardModel) -> Figure:
    import matplotlib

    fig, ax = _figure()
    df = _steps(model)
    with matplotlib.rc_context(RC):
        if len(df):
            x = np.arange(1, len(df) + 1)
            floor = df["phi"] - 1.0
            ax.fill_between(x, floor, df["mean_contribution"], color=BLUE, alpha=0.15,
                            label="above the minimum (the protégé's gain)")
            ax.plot(x, df["mean_contribution"], color=BLUE, lw=1.8, label="patron's mean contribution")
            ax.plot(x, floor, color="k", ls="--", lw=1.2, label="free-riding minimum phi - 1")
            ax.set_xlim(0.5, max(len(df), 10) + 0.5)
            ax.set_ylim(0, 1)
            ax.legend(loc="upper right")
        else:
            _empty(ax)
            ax.set_ylim(0, 1)
        ax.set(xlabel="round", ylabel="contribution (alliances that acted)", title=f"Burden-sharing (round {model.steps})")
    return fig


@solara.component
def BurdenView(model: DashboardModel):
    update_counter.get()
    _show(burden_figure(model), model, "burden")


# ---------------------------------------------------------------- network
def network_layout(model: DashboardModel):
    """Positions of the sampled network: hub patrons on an inner circle, ad hoc partners on an outer ring.

    Returns (power positions dict {power index: (x, y)}, protégé positions array, their powers).
    """
    hubs = model.net_hubs
    pos = {}
    for k, h in enumerate(hubs):
        a = np.pi / 2 + 2 * np.pi * k / max(len(hubs), 1)
        pos[int(h)] = (np.cos(a), np.sin(a))
    prot = model.net_proteges
    powers = model.patron_of[prot]
    m = model.n_ad_hoc
    for p in np.unique(powers):
        p = int(p)
        if p in pos:
            continue
        if p >= model.n_patrons:
            j = p - model.n_patrons
            a = np.pi / 2 + 2 * np.pi * (j + 0.5) / m
            pos[p] = (2.15 * np.cos(a), 2.15 * np.sin(a))
        else:  # a patron outside the hubs (cannot happen: breakups go to ad hoc partners)
            pos[p] = (0.0, 0.0)
    xy = np.zeros((prot.size, 2))
    order = np.argsort(powers, kind="stable")
    sp = powers[order]
    starts = np.searchsorted(sp, sp, side="left")
    rank = np.arange(sp.size) - starts
    counts = np.bincount(sp, minlength=int(sp.max()) + 1 if sp.size else 1)[sp]
    for i, o in enumerate(order):
        p = int(sp[i])
        cx, cy = pos[p]
        inner = p < model.n_patrons
        r = 0.30 if inner else 0.16
        a = 2 * np.pi * rank[i] / max(counts[i], 1) + (0.0 if inner else np.arctan2(cy, cx))
        xy[o] = (cx + r * np.cos(a), cy + r * np.sin(a))
    return pos, xy, powers


def network_figure(model: DashboardModel) -> Figure:
    import matplotlib

    fig, ax = _figure(figsize=(6.4, 5.6), margins=(0.01, 0.99, 0.08, 0.94))
    with matplotlib.rc_context(RC):
        pos, xy, powers = network_layout(model)
        prot = model.net_proteges
        # the pool, faintly
        m = model.n_ad_hoc
        a = np.pi / 2 + 2 * np.pi * (np.arange(m) + 0.5) / m
        ax.scatter(2.15 * np.cos(a), 2.15 * np.sin(a), s=4, color=GREY, alpha=0.25, lw=0, zorder=1)
        # ties protégé - patron
        for (x, y), p in zip(xy, powers):
            px, py = pos[int(p)]
            ax.plot([x, px], [y, py], color=GREY, lw=0.5, alpha=0.6, zorder=2)
        # powers
        hubs = [int(h) for h in model.net_hubs]
        all_counts = np.bincount(model.patron_of, minlength=len(model.powers))
        if hubs:
            hx = np.array([pos[h] for h in hubs])
            ax.scatter(hx[:, 0], hx[:, 1], s=60 + 12 * np.sqrt(all_counts[hubs]), marker="s", color="#1f3b73",
                       zorder=4, label="patron (hub)")
        adhoc = [p for p in pos if p >= model.n_patrons]
        if adhoc:
            axy = np.array([pos[p] for p in adhoc])
            ax.scatter(axy[:, 0], axy[:, 1], s=45, marker="D", color=ORANGE, edgecolor="k", lw=0.4,
                       zorder=4, label="ad hoc partner, now a patron")
        # protégés, coloured by c
        sc = ax.scatter(xy[:, 0], xy[:, 1], s=22, c=model.c[prot], cmap="viridis", vmin=0,
                        vmax=model.c_view_max, edgecolor="white", lw=0.3, zorder=5, label="protégé")
        # last round's breakups: the protégé ringed red, an arrow from the old patron to the new
        idx = {int(p): i for i, p in enumerate(prot)}
        for q, old, new in model.last_moves:
            i = idx[q]
            if old in pos:
                ox, oy = pos[old]
            else:
                ox, oy = (0.0, 0.0) if old < model.n_patrons else (
                    2.15 * np.cos(np.pi / 2 + 2 * np.pi * (old - model.n_patrons + 0.5) / m),
                    2.15 * np.sin(np.pi / 2 + 2 * np.pi * (old - model.n_patrons + 0.5) / m))
            ax.annotate("", xy=tuple(xy[i]), xytext=(ox, oy),
                        arrowprops=dict(arrowstyle="->", color=RED, lw=1.1, alpha=0.85,
                                        connectionstyle="arc3,rad=0.15"), zorder=6)
        if model.last_moves:
            mv = np.array([idx[q] for q, _, _ in model.last_moves])
            ax.scatter(xy[mv, 0], xy[mv, 1], s=70, facecolor="none", edgecolor=RED, lw=1.4, zorder=7,
                       label="broke up last round")
        cb = fig.colorbar(sc, ax=ax, shrink=0.7, pad=0.01)
        cb.set_label("search cost c")
        ax.set_aspect("equal")
        ax.set_xlim(-2.55, 2.55)
        ax.set_ylim(-2.55, 2.55)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for s in ax.spines.values():
            s.set_visible(False)
        ax.set_title(f"Alliance network (sample: {len(hubs)} patrons, {prot.size} of "
                     f"{model.n_proteges:,} protégés)", fontsize=11)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8.5, frameon=False)
    return fig


@solara.component
def NetworkView(model: DashboardModel):
    update_counter.get()
    _show(network_figure(model), model, "network")


# ------------------------------------------------------- analytic equilibrium
def _fmt(v, digits=4):
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    return f"{v:.{digits}f}"


def equilibrium_markdown(phi: float, c: float, delta: float, solver=None) -> str:
    """The equilibrium's thresholds, offer and outcome probabilities (``solver``: default the paper's game)."""
    if solver is None:
        from analytic import PAPER_GAME as solver

    e = solver.solve(phi=phi, c=c, delta=delta)

    class _Eq:  # fields another variant does not report (None) show as nan
        def __getattr__(self, name):
            value = getattr(e, name)
            return float("nan") if value is None else value

    eq = _Eq()
    rows = [
        ("r* (eq. 3): protégé's period-2 search threshold", eq.r_star),
        ("r̃ (eq. 5; only when c < 1/32)", eq.r_tilde),
        ("r1* (3.2.1)", eq.r1_star),
        ("patron's first offer r1", eq.r1),
        ("protégé's first move", eq.first_move),
        ("P(alliance acts)", eq.p_alliance),
        ("P(breakup)", eq.p_breakup),
        ("P(nothing produced)", eq.p_none),
        ("E[patron's contribution], when the alliance acts", eq.expected_contribution),
        ("  above the minimum phi - 1", eq.contribution_excess),
        ("payoffs: patron / protégé", f"{_fmt(eq.u_patron, 3)} / {_fmt(eq.u_protege, 3)}"),
        ("regime", {"prop1": "Prop. 1 (c ≥ 1/32)", "prop2": "Prop. 2 (c < 1/32)"}.get(eq.regime, "–")),
        ("paper's assumptions hold", {True: "yes", False: "no"}.get(eq.paper_assumptions_hold, "–")),
    ]
    lines = [f"**phi = {phi:.3f}, c = {c:.4f}, delta = {delta:.3f}**", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {_fmt(v)} |" for k, v in rows]
    return "\n".join(lines)


def model_summary(model: DashboardModel) -> str:
    """One line with what the running model was built with (Mesa's sliders do not show their values)."""
    sc = model.alliance_scenario
    inv = model.investment.describe()
    outsiders = "U[0, 1] offers (the paper's)" if model.paper_game else model.solver.describe()  # incl. the division
    return (f"{sc.n_proteges:,} protégés, {sc.n_patrons:,} patrons, {sc.n_ad_hoc:,} ad hoc partners; "
            f"{sc.search_cost.describe()}; {sc.phi.describe()}; delta = {sc.delta:g}; investment {inv}; "
            f"outsiders: {outsiders}; seed {sc.seed}")


@solara.component
def AnalyticPanel(model: DashboardModel):
    """The exact equilibrium for the model's phi and delta and a chosen c (default: the median c now)."""
    update_counter.get()
    start = float(np.round(np.median(model.c_start), 4))
    c, set_c = solara.use_state(start)
    with solara.Column(classes=["alliances-view alliances-analytic"], style={"padding": "4px 12px"}):
        solara.Text(f"Rounds played: {model.steps}", classes=["alliances-rounds"],
                    style={"font-weight": "bold"})
        solara.Markdown(f"**Model now:** {model_summary(model)}", style={"font-size": "0.9em"})
        solara.Markdown("### Analytic equilibrium" if model.paper_game
                        else "### Equilibrium of this game")
        solara.SliderFloat("c for this panel", value=c, on_value=set_c, min=0.0,
                           max=max(0.1, model.c_view_max), step=0.0005, thumb_label=False)
        solver = None if model.paper_game else model.solver
        text = solara.use_memo(lambda: equilibrium_markdown(model.phi_center, float(c), model.delta, solver),
                               [id(model), float(c)])
        solara.Markdown(text)
        if not model.phi_process.constant:
            solara.Text("phi varies from round to round; the panel uses the middle of its range.",
                        style={"font-size": "0.85em", "color": GREY})


#: The views in the order they are laid out (two per row).
VIEWS = [ChurnView, CDistributionView, BreakupView, BurdenView, NetworkView, AnalyticPanel]
