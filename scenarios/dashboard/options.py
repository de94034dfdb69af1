"""The common parts of the dashboard's ECharts options: numbers as JSON, titles, axes, lines."""

from __future__ import annotations

import math

import numpy as np

from analytic.paper import C_PROP1
from scenarios.output.style import PALETTE

GREY = PALETTE["grey"]
CHART_HEIGHT = "330px"  # of every chart but the network

DIGITS = 5  # significant digits of the numbers sent to the browser (a chart shows fewer)


def num(x) -> float | None:
    """A JSON number with DIGITS significant digits (None for nan / inf: ECharts leaves a gap)."""
    x = float(x)
    return float(f"{x:.{DIGITS}g}") if math.isfinite(x) else None


def rounded(a) -> np.ndarray:
    """``a`` (an array) rounded to DIGITS significant digits (nan and inf kept)."""
    a = np.asarray(a, dtype=float)
    out = a.copy()
    ok = np.isfinite(a) & (a != 0)
    decimals = DIGITS - 1 - np.floor(np.log10(np.abs(a[ok]))).astype(int)
    pos = decimals >= 0
    v = a[ok]
    p = 10.0 ** np.abs(decimals)
    out[ok] = np.where(pos, np.round(v * p) / p, np.round(v / p) * p)
    return out


def points(x, y) -> list:
    """[[x, y], ...] as JSON numbers (rounded; None where not finite)."""
    xy = np.column_stack([rounded(np.asarray(x, dtype=float).ravel()), rounded(np.asarray(y, dtype=float).ravel())]) \
        if len(x) else np.zeros((0, 2))
    rows = xy.tolist()
    if not np.isfinite(xy).all():
        rows = [[a if math.isfinite(a) else None, b if math.isfinite(b) else None] for a, b in rows]
    return rows


def base_option(title: str, xname: str, yname: str, *, xmin=None, xmax=None, ymin=0.0, ymax=None) -> dict:
    """An option with a title, a legend under it, value axes with names and no animation."""
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "top": 2, "textStyle": {"fontSize": 14, "lineHeight": 18}},
        "legend": {"top": 26, "textStyle": {"fontSize": 11}, "itemGap": 14},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 62, "right": 24, "top": 64, "bottom": 46},
        "xAxis": {"type": "value", "name": xname, "nameLocation": "middle", "nameGap": 26,
                  "min": xmin, "max": xmax, "splitLine": {"lineStyle": {"opacity": 0.4}}},
        "yAxis": {"type": "value", "name": yname, "nameLocation": "middle", "nameGap": 44,
                  "min": ymin, "max": ymax, "splitLine": {"lineStyle": {"opacity": 0.4}}},
        "series": [],
    }


def line(name, data, color, *, width=2.0, dash="solid", symbols=True, **extra) -> dict:
    return {"type": "line", "name": name, "data": data, "color": color, "showSymbol": symbols, "symbolSize": 5,
            "lineStyle": {"width": width, "type": dash}, **extra}


def c_marker(label: str = "c = 1/32") -> dict:
    """A dotted vertical line at c = 1/32 (above it Prop. 1 holds), for a series' markLine."""
    return {"symbol": "none", "silent": True, "lineStyle": {"type": "dotted", "color": "#000", "width": 1},
            "label": {"formatter": label, "position": "insideEndTop", "fontSize": 10},
            "data": [{"xAxis": C_PROP1}]}


def subtitle(option: dict, text: str) -> dict:
    """A second, smaller title line (the legend and the plot move down to make room)."""
    option["title"].update(subtext=text, itemGap=6, subtextStyle={"fontSize": 11, "lineHeight": 14})
    option["legend"]["top"] = 44
    option["grid"]["top"] = 80
    return option


def nice_max(x: float) -> float:
    """``x`` rounded up to two significant digits (an axis end with a short label)."""
    if x <= 0:
        return 1.0
    scale = 10.0 ** (math.floor(math.log10(x)) - 1)
    return float(f"{math.ceil(round(x / scale, 9)) * scale:.12g}")  # 6.3, not 6.300000000000001


def empty_note(option: dict, text: str = "press Step or ▶ to play rounds") -> dict:
    option["graphic"] = [{"type": "text", "left": "center", "top": "middle",
                          "style": {"text": text, "fill": GREY, "fontSize": 13}}]
    return option


def round_axis(option: dict, rounds: int) -> dict:
    option["xAxis"].update(min=0.5 if rounds < 10 else 1, max=max(rounds, 10) + (0.5 if rounds < 10 else 0),
                           minInterval=1, axisLabel={"formatter": "{value}"})
    return option


def metric(model, name: str) -> list:
    """The DataCollector's per-round values of ``name`` (rounds 1, 2, ...)."""
    return model.datacollector.model_vars.get(name, [])


def rounds_label(rounds: int) -> str:
    """'no rounds yet', 'round 1' or 'rounds 1-N'."""
    return "no rounds yet" if rounds == 0 else ("round 1" if rounds == 1 else f"rounds 1-{rounds}")
