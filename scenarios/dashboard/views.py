"""The dashboard's views: ECharts charts (drawn by the browser) and the equilibrium panel.

Each chart is an ECharts ``option`` (a plain dict of small summaries: the
DataCollector's per-round metrics, histograms of the model's arrays, the running
breakup counts per band of c, the fixed network sample), built by a
``*_option(model)`` function in a few milliseconds whatever the population, and
drawn by the browser's ECharts (shipped offline by ``solara-assets``). A view
rebuilds its option only when what it shows changed (its key: the model and
the round, or the c values for the distribution of c), so a step sends a few
kilobytes and redraws nothing that did not change.
"""

from __future__ import annotations

import html

import numpy as np
import solara

from analytic.paper import C_PROP1
from scenarios.dashboard.chart_widget import FigureChart, option_json
from scenarios.dashboard.options import (
    CHART_HEIGHT,
    base_option,
    c_marker,
    empty_note,
    line,
    metric,
    nice_max,
    num,
    points,
    round_axis,
    rounded,
    rounds_label,
    subtitle,
)
from scenarios.dashboard.model import DashboardModel
from scenarios.dashboard.system_views import SYSTEM_CHARTS
from scenarios.output.style import PALETTE, VIRIDIS, broken_at

BLUE, ORANGE, GREEN, RED, GREY, NAVY = (PALETTE[k] for k in ("blue", "orange", "green", "red", "grey", "navy"))
NETWORK_HEIGHT = "470px"
RING = 2.15  # radius of the ad hoc partners' ring in the network view


# ---------------------------------------------------------------- the charts
def churn_option(model: DashboardModel) -> dict:
    """Breakups per alliance and the share of protégés searching outside, per round."""
    churn, searching = metric(model, "churn_rate"), metric(model, "share_searching")
    n = len(churn)
    opt = base_option(f"Alliance churn ({rounds_label(n)}, {model.total_breakups:,} breakups)", "round",
                      "share of alliances", ymax=1.0)
    x = np.arange(1, n + 1)
    opt["series"] = [
        line("breakups / alliances", points(x, churn), RED, symbols=n <= 30),
        line("protégés searching outside", points(x, searching), BLUE, width=1.5, symbols=n <= 30),
    ]
    round_axis(opt, n)
    return opt if n else empty_note(opt)


def c_distribution_option(model: DashboardModel) -> dict:
    """The distribution of c across alliances now against the starting levels (shares of alliances)."""
    hi = model.c_view_max
    edges = np.linspace(0.0, hi, 31)
    w = 1.0 / max(model.n_proteges, 1)

    def steps(values):
        h = np.histogram(np.clip(values, 0.0, hi), bins=edges)[0] * w
        return points(edges, np.append(h, h[-1]))

    opt = base_option("Distribution of c across alliances", "search cost c (institutional integration)",
                      "share of alliances", xmin=0.0, xmax=nice_max(hi))
    opt["tooltip"] = {"trigger": "axis", "valueFormatter": None}
    opt["series"] = [
        line("starting levels", steps(model.c_start), GREY, width=1.0, symbols=False, step="end",
              areaStyle={"opacity": 0.3}),
        line(f"now (median {np.median(model.c):.3f})" if model.n_proteges else "now", steps(model.c), GREEN,
              width=1.5, symbols=False, step="end", areaStyle={"opacity": 0.45}, markLine=c_marker()),
    ]
    return opt


def breakup_option(model: DashboardModel) -> dict:
    """Simulated breakups per alliance-round per band of c (95% intervals) under the analytic curve."""
    opt = base_option(f"Breakup rate against c ({rounds_label(model.steps)})", "search cost c",
                      "breakups per alliance-round", xmin=0.0, xmax=nice_max(model.c_view_max))
    grid, curve = model.analytic_curve()
    series = []
    if curve.size:  # the curve jumps at c = 1/32: no line across the jump
        x, y = broken_at(grid, curve, C_PROP1)
        series.append(line("analytic P(breakup)", points(x, y), "#000", symbols=False, connectNulls=False))
    mid, rate, half, n = model.breakup_bands()
    bars = []
    for m, r, h in zip(mid, rate, half):
        bars += [[num(m), num(max(r - h, 0.0))], [num(m), num(r + h)], None]
    series.append({"type": "scatter", "name": f"simulated, 95% CI ({int(n.sum()):,} alliance-rounds)",
                   "data": points(mid, rate), "color": ORANGE, "symbolSize": 7, "markLine": c_marker()})
    series.append({"type": "line", "name": "95% interval", "data": bars, "color": ORANGE, "showSymbol": False,
                   "connectNulls": False, "lineStyle": {"width": 1.5}, "legendHoverLink": False,
                   "tooltip": {"show": False}})
    opt["series"] = series
    opt["legend"]["data"] = [s["name"] for s in series if s["name"] != "95% interval"]
    top = max(float(np.nanmax(curve)) if curve.size else 0.0, float(np.nanmax(rate + half)) if mid.size else 0.0)
    opt["yAxis"]["max"] = num(round(min(1.0, max(0.05, top * 1.15)), 2))
    if not curve.size:
        subtitle(opt, "no analytic curve: the paper's game only")
    return opt if mid.size else empty_note(opt)


def burden_option(model: DashboardModel) -> dict:
    """The patron's mean contribution in alliances that acted, against the free-riding minimum phi - 1."""
    contrib, phi = metric(model, "mean_contribution"), metric(model, "phi")
    n = len(contrib)
    opt = base_option(f"Burden-sharing ({rounds_label(n)})", "round", "contribution (alliances that acted)", ymax=1.0)
    x = np.arange(1, n + 1)
    floor = np.asarray(phi, dtype=float) - 1.0
    few = n <= 30
    # the shaded gap: the contribution's area, covered below the minimum by the minimum's white area
    opt["series"] = [
        line("patron's mean contribution", points(x, contrib), BLUE, symbols=few, areaStyle={"opacity": 0.18}),
        line("free-riding minimum phi - 1", points(x, floor), "#000", width=1.2, dash="dashed", symbols=few,
              areaStyle={"color": "#fff", "opacity": 1.0}),
    ]
    subtitle(opt, "shaded: the contribution above the minimum (what protégés extract)")
    round_axis(opt, n)
    return opt if n else empty_note(opt)


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
    for p in np.unique(powers):
        p = int(p)
        if p not in pos:  # an ad hoc partner on the ring (a patron outside the hubs cannot hold a sampled protégé)
            pos[p] = _ring_position(model, p) if p >= model.n_patrons else (0.0, 0.0)
    xy = np.zeros((prot.size, 2))
    order = np.argsort(powers, kind="stable")
    sp = powers[order]
    rank = np.arange(sp.size) - np.searchsorted(sp, sp, side="left")
    counts = np.bincount(sp, minlength=int(sp.max()) + 1 if sp.size else 1)[sp]
    for i, o in enumerate(order):
        p = int(sp[i])
        cx, cy = pos[p]
        inner = p < model.n_patrons
        r = 0.30 if inner else 0.16
        a = 2 * np.pi * rank[i] / max(counts[i], 1) + (0.0 if inner else np.arctan2(cy, cx))
        xy[o] = (cx + r * np.cos(a), cy + r * np.sin(a))
    return pos, xy, powers


def _ring_position(model: DashboardModel, power: int) -> tuple[float, float]:
    a = np.pi / 2 + 2 * np.pi * (power - model.n_patrons + 0.5) / model.n_ad_hoc
    return RING * np.cos(a), RING * np.sin(a)


def network_option(model: DashboardModel) -> dict:
    """A fixed sample of the network: hub patrons, their starting protégés (coloured by c), the
    ad hoc partners that now hold some of them, and last round's breakups as red arrows."""
    pos, xy, powers = network_layout(model)
    prot = model.net_proteges
    hubs = [int(h) for h in model.net_hubs]
    all_counts = np.bincount(model.patron_of, minlength=len(model.powers))
    ring = np.array([_ring_position(model, model.n_patrons + j) for j in range(model.n_ad_hoc)]).reshape(-1, 2)
    centers = np.array([pos[int(p)] for p in powers]).reshape(-1, 2)
    ties = []  # one polyline, a protégé to its patron, then a gap (cheaper to draw than a "lines" series)
    for e in rounded(np.column_stack([xy, centers])).tolist():
        ties += [e[:2], e[2:], None]
    idx = {int(p): i for i, p in enumerate(prot)}
    arrows, ringed = [], []
    for q, old, new in model.last_moves:
        ox, oy = pos.get(old) or (_ring_position(model, old) if old >= model.n_patrons else (0.0, 0.0))
        tx, ty = xy[idx[q]]
        arrows.append({"coords": [[num(ox), num(oy)], [num(tx), num(ty)]]})
        ringed.append([num(tx), num(ty)])
    adhoc = [p for p in pos if p >= model.n_patrons]
    hidden_axis = {"type": "value", "min": -2.5, "max": 2.5, "show": False}
    series = [
        {"type": "scatter", "name": "ad hoc partners (the pool)", "data": points(ring[:, 0], ring[:, 1]),
         "symbolSize": 3, "itemStyle": {"color": GREY, "opacity": 0.35}, "silent": True,
         "large": True, "largeThreshold": 0},  # drawn as one path
        {"type": "line", "name": "ties", "data": ties, "silent": True, "showSymbol": False, "connectNulls": False,
         "lineStyle": {"color": GREY, "width": 0.6, "opacity": 0.6}, "z": 1},
        {"type": "scatter", "name": "patron (hub)", "symbol": "rect", "itemStyle": {"color": NAVY},
         "data": [{"value": [num(pos[h][0]), num(pos[h][1]), int(all_counts[h])],
                   "symbolSize": num(8 + 1.6 * np.sqrt(all_counts[h]))} for h in hubs]},
        {"type": "scatter", "name": "ad hoc partner, now a patron", "symbol": "diamond", "symbolSize": 11,
         "itemStyle": {"color": ORANGE, "borderColor": "#000", "borderWidth": 0.5},
         "data": [[num(pos[p][0]), num(pos[p][1])] for p in adhoc]},
        {"type": "scatter", "name": "protégé", "symbolSize": 6, "itemStyle": {"borderColor": "#fff", "borderWidth": 0.5},
         "data": rounded(np.column_stack([xy, model.c[prot]])).tolist()},
        {"type": "lines", "name": "breakup arrows", "coordinateSystem": "cartesian2d", "data": arrows,
         "symbol": ["none", "arrow"], "symbolSize": 7, "silent": True,
         "lineStyle": {"color": RED, "width": 1.2, "opacity": 0.85, "curveness": 0.15}},
        {"type": "scatter", "name": "broke up last round", "symbolSize": 11, "data": ringed, "silent": True,
         "itemStyle": {"color": "rgba(0,0,0,0)", "borderColor": RED, "borderWidth": 1.5}},
    ]
    return {
        "animation": False,
        "title": {"text": f"Alliance network (sample: {len(hubs)} patrons, {prot.size} of "
                          f"{model.n_proteges:,} protégés)", "left": "center", "top": 2,
                  "textStyle": {"fontSize": 14}},
        "legend": {"bottom": 0, "textStyle": {"fontSize": 11},
                   "data": ["patron (hub)", "ad hoc partner, now a patron", "protégé", "broke up last round"]},
        "grid": {"left": 10, "right": 80, "top": 34, "bottom": 40},
        "xAxis": hidden_axis, "yAxis": dict(hidden_axis),
        "visualMap": {"type": "continuous", "seriesIndex": 4, "dimension": 2, "min": 0.0,
                      "max": num(model.c_view_max), "inRange": {"color": list(VIRIDIS)}, "calculable": False,
                      "right": 6, "top": "middle", "itemHeight": 200, "precision": 3,
                      "text": ["search cost c", ""], "textStyle": {"fontSize": 11}},
        "series": series,
    }


#: view name -> (the function building its option, its height).
CHARTS = {
    "churn": (churn_option, CHART_HEIGHT),
    "c-distribution": (c_distribution_option, CHART_HEIGHT),
    "breakup": (breakup_option, CHART_HEIGHT),
    "burden": (burden_option, CHART_HEIGHT),
    "network": (network_option, NETWORK_HEIGHT),
}
ALL_CHARTS = {**CHARTS, **SYSTEM_CHARTS}


def system_chart_names(model: DashboardModel) -> list[str]:
    """The system's views (market, concentration, loads) if the model has a [system] table, else none."""
    return list(SYSTEM_CHARTS) if model.system is not None else []


def chart_key(name: str, model: DashboardModel, rounds: int) -> tuple:
    """What a chart's picture depends on: the model and its round, or for the distribution of c, its c values."""
    if name == "c-distribution":
        return (id(model), hash(model.c.tobytes()))
    return (id(model), rounds)


@solara.component
def Chart(name: str, model: DashboardModel, rounds: int):
    """One chart, its option rebuilt (and sent, as one JSON string) only when its key changes."""
    build, height = ALL_CHARTS[name]
    text = solara.use_memo(lambda: option_json(build(model)), [chart_key(name, model, rounds)])
    with solara.Column(classes=[f"alliances-view alliances-{name}"], style={"width": "100%"}):
        FigureChart(text, height)


# ------------------------------------------------------- analytic equilibrium
def _fmt(v, digits=4):
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    return f"{v:.{digits}f}"


def equilibrium_rows(phi: float, c: float, delta: float, solver=None) -> list[tuple[str, str]]:
    """The equilibrium's thresholds, offer and outcome probabilities as (label, text) rows
    (``solver``: default the paper's game)."""
    if solver is None:
        from analytic import PAPER_GAME as solver

    e = solver.solve(phi=phi, c=c, delta=delta)

    def f(name):  # fields another variant does not report (None) show as a dash
        return _fmt(getattr(e, name))

    return [
        ("r* (eq. 3): protégé's period-2 search threshold", f("r_star")),
        ("r̃ (eq. 5; only when c < 1/32)", f("r_tilde")),
        ("r1* (3.2.1)", f("r1_star")),
        ("patron's first offer r1", f("r1")),
        ("protégé's first move", f("first_move")),
        ("P(alliance acts)", f("p_alliance")),
        ("P(breakup)", f("p_breakup")),
        ("P(nothing produced)", f("p_none")),
        ("E[patron's contribution], when the alliance acts", f("expected_contribution")),
        ("  above the minimum phi - 1", f("contribution_excess")),
        ("payoffs: patron / protégé", f"{_fmt(e.u_patron, 3)} / {_fmt(e.u_protege, 3)}"),
        ("regime", {"prop1": "Prop. 1 (c ≥ 1/32)", "prop2": "Prop. 2 (c < 1/32)"}.get(e.regime, "–")),
        ("paper's assumptions hold", {True: "yes", False: "no"}.get(e.paper_assumptions_hold, "–")),
    ]


def equilibrium_html(phi: float, c: float, delta: float, solver=None) -> str:
    """The equilibrium as an HTML table headed by its parameters (plain HTML: no math renderer to fetch)."""
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{html.escape(v)}</td></tr>"
                   for k, v in equilibrium_rows(phi, c, delta, solver))
    return (f"<p><b>phi = {phi:.3f}, c = {c:.4f}, delta = {delta:.3f}</b></p>"
            f"<table class='alliances-equilibrium'>{rows}</table>")


def model_summary(model: DashboardModel) -> str:
    """One line with what the running model was built with."""
    sc = model.alliance_scenario
    inv = model.investment.describe()
    if sc.system is not None:
        outsiders = f"made by the powers ({sc.system.describe().removeprefix('system: ')})"
    else:
        # the solver's description includes the division of the pie
        outsiders = "U[0, 1] offers (the paper's)" if model.paper_game else model.solver.describe()
    return (f"{sc.n_proteges:,} protégés, {sc.n_patrons:,} patrons, {sc.n_ad_hoc:,} ad hoc partners; "
            f"{sc.search_cost.describe()}; {sc.phi.describe()}; delta = {sc.delta:g}; investment {inv}; "
            f"outsiders: {outsiders}; seed {sc.seed}")


def panel_title(model: DashboardModel) -> str:
    """The equilibrium panel's heading: the paper's game, another game, or the paper's for comparison."""
    if model.system is not None:
        return "The paper's equilibrium (U[0, 1] offers), for comparison: the powers' offers differ"
    return "Analytic equilibrium" if model.paper_game else "Equilibrium of this game"


@solara.component
def AnalyticPanel(model: DashboardModel, rounds: int):
    """The exact equilibrium for the model's phi and delta and a chosen c (default: the median starting c)."""
    start = float(np.round(np.median(model.c_start), 4)) if model.n_proteges else 0.0
    c, set_c = solara.use_state(start)
    with solara.Column(classes=["alliances-view alliances-analytic"], style={"padding": "4px 12px"}):
        solara.Text(f"Rounds played: {rounds}", classes=["alliances-rounds"], style={"font-weight": "bold"})
        solara.HTML("p", unsafe_innerHTML=f"<b>Model now:</b> {html.escape(model_summary(model))}",
                    style="font-size: 0.9em", classes=["alliances-summary"])
        solara.HTML("h3", unsafe_innerHTML=html.escape(panel_title(model)))
        solara.Text(f"c for this panel: {c:.4f}", style={"font-size": "0.9em"})
        solara.SliderFloat("c for this panel", value=c, on_value=set_c, min=0.0, max=max(0.1, model.c_view_max), step=0.0005,
                           thumb_label=False)
        solver = None if model.paper_game or model.system is not None else model.solver
        text = solara.use_memo(lambda: equilibrium_html(model.phi_center, float(c), model.delta, solver),
                               [id(model), float(c)])
        solara.HTML("div", unsafe_innerHTML=text, classes=["alliances-equilibrium-table"])
        if not model.phi_process.constant:
            solara.Text("phi varies from round to round; the panel uses the middle of its range.",
                        style={"font-size": "0.85em", "color": GREY})


#: The views in the order they are laid out (two per row): the charts, the panel, then (with a
#: [system] table) the system's views.
VIEWS = [*CHARTS, "analytic", *SYSTEM_CHARTS]
