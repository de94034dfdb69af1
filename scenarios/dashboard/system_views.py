"""The views of a scenario with a ``[system]`` table (issue 11): the market and concentration.

* **market**: the quantiles (10%, median, 90%) of the true offer distribution F_t over rounds,
  its mean and the mean offer the alliances believe (``agents.system.SYSTEM_METRICS``, measured
  at the start of each round);
* **concentration**: the effective number of poles 1 / HHI of the protégés' shares, the
  largest power's share and the powers leading at least one protégé, over rounds;
* **loads**: each power's load (the protégés it leads now) against its strength.

The ``*_series`` / ``load_points`` functions are the data (plain arrays read from the model's
DataCollector and its system); the ``*_option`` functions draw them as ECharts options.
"""

from __future__ import annotations

import numpy as np

from scenarios.dashboard.options import (
    CHART_HEIGHT,
    base_option,
    empty_note,
    line,
    metric,
    nice_max,
    points,
    round_axis,
    rounded,
    rounds_label,
    subtitle,
)
from scenarios.output.style import PALETTE

BLUE, ORANGE, RED, GREY, NAVY = (PALETTE[k] for k in ("blue", "orange", "red", "grey", "navy"))

MARKET = ("offer_q10", "offer_q50", "offer_q90", "true_mean_offer", "believed_mean_offer")
CONCENTRATION = ("effective_poles", "largest_share", "powers_leading")


# ------------------------------------------------------------------ the data
def _series(model, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    values = {k: np.asarray(metric(model, k), dtype=float) for k in names}
    n = len(values[names[0]])
    return {"round": np.arange(1, n + 1), **values}


def market_series(model) -> dict[str, np.ndarray]:
    """Per round (1, 2, ...): F_t's quantiles offer_q10 / q50 / q90, its mean ``true_mean_offer``
    and the alliances' mean believed offer ``believed_mean_offer``."""
    return _series(model, MARKET)


def concentration_series(model) -> dict[str, np.ndarray]:
    """Per round (1, 2, ...): ``effective_poles`` (1 / HHI), ``largest_share`` and ``powers_leading``."""
    return _series(model, CONCENTRATION)


def load_points(model) -> dict[str, np.ndarray]:
    """Every power now: ``power`` (its index), ``strength`` b_j, ``load`` (the protégés it leads)
    and ``started_as_patron``."""
    system = model.system
    n = system.n_powers
    return {"power": np.arange(n), "strength": np.asarray(system.strength, dtype=float),
            "load": np.asarray(system.loads(model.patron_of), dtype=float),
            "started_as_patron": np.arange(n) < model.n_patrons}


# ------------------------------------------------------------------ the charts
def market_option(model) -> dict:
    """F_t's 10-90% band and median over rounds, its mean against the believed mean offer."""
    d = market_series(model)
    n = d["round"].size
    x, few = d["round"], n <= 30
    opt = base_option(f"Market of outside offers ({rounds_label(n)})", "round", "offer", ymax=1.0)
    opt["series"] = [  # the band: q90's area, covered below q10 by q10's white area
        line("10-90%", points(x, d["offer_q90"]), BLUE, width=1.0, symbols=False, areaStyle={"opacity": 0.15}),
        line("10-90%", points(x, d["offer_q10"]), BLUE, width=1.0, symbols=False,
             areaStyle={"color": "#fff", "opacity": 1.0}),
        line("median", points(x, d["offer_q50"]), BLUE, width=1.5, symbols=few),
        line("mean (true F_t)", points(x, d["true_mean_offer"]), "#000", width=1.5, symbols=few),
        line("mean believed", points(x, d["believed_mean_offer"]), ORANGE, width=1.5, dash="dashed",
             symbols=few),
    ]
    subtitle(opt, "the offer a search meets, at the start of each round (F_t over the pool)")
    round_axis(opt, n)
    return opt if n else empty_note(opt)


def concentration_option(model) -> dict:
    """The effective number of poles (1 / HHI) and the powers leading protégés (left axis), the
    largest power's share (right axis), over rounds."""
    d = concentration_series(model)
    n = d["round"].size
    x, few = d["round"], n <= 30
    top = nice_max(max(float(np.nanmax(d["powers_leading"])) if n else 1.0, 1.0) * 1.05)
    opt = base_option(f"Concentration ({rounds_label(n)}, {model.system.n_powers} powers)", "round",
                      "powers", ymax=top)
    opt["yAxis"] = [opt["yAxis"], {"type": "value", "name": "largest power's share", "nameLocation": "middle",
                                   "nameGap": 40, "min": 0.0, "max": 1.0, "splitLine": {"show": False}}]
    opt["grid"]["right"] = 62
    opt["series"] = [
        line("effective poles 1/HHI", points(x, d["effective_poles"]), BLUE, symbols=few),
        line("powers leading protégés", points(x, d["powers_leading"]), GREY, width=1.2, dash="dashed",
             symbols=few),
        line("largest share (right)", points(x, d["largest_share"]), RED, width=1.5, symbols=few, yAxisIndex=1),
    ]
    round_axis(opt, n)
    return opt if n else empty_note(opt)


def loads_option(model) -> dict:
    """Each power's load now against its strength (patrons at the start and the others apart)."""
    d = load_points(model)
    top = nice_max(max(float(d["load"].max()) if d["load"].size else 1.0, 1.0) * 1.05)
    when = "at the start" if model.steps == 0 else f"after round {model.steps}"
    opt = base_option(f"Load against strength ({when})", "strength b_j", "protégés led (load)",
                      xmin=0.0, xmax=1.05, ymax=top)
    opt["xAxis"]["axisLabel"] = {"showMaxLabel": False}
    opt["tooltip"] = {"trigger": "item"}
    series = []
    for name, mask, color, symbol in (("patron at the start", d["started_as_patron"], NAVY, "rect"),
                                      ("ad hoc partner at the start", ~d["started_as_patron"], ORANGE, "diamond")):
        data = rounded(np.column_stack([d["strength"][mask], d["load"][mask]])).tolist()
        for row, p in zip(data, d["power"][mask].tolist()):
            row.append(p)  # the power's index, for the tooltip
        series.append({"type": "scatter", "name": name, "data": data, "color": color, "symbol": symbol,
                       "symbolSize": 9, "itemStyle": {"opacity": 0.75}})
    opt["series"] = series
    return subtitle(opt, f"{model.n_proteges:,} protégés, mean load of a leading power "
                         f"{d['load'][d['load'] > 0].mean():.1f}" if d["load"].any() else "no loads")


#: view name -> (the function building its option, its height): shown when the model has a system.
SYSTEM_CHARTS = {
    "market": (market_option, CHART_HEIGHT),
    "concentration": (concentration_option, CHART_HEIGHT),
    "loads": (loads_option, CHART_HEIGHT),
}
