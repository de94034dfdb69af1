"""Extension 3: the good's value divided by bargaining, with the ally and with an ad hoc partner.

The game is solved with ``analytic.bargaining`` for several divisions on a grid of
search costs c: breakups, the patron's contribution and the protégé's payoff against
c (with c* marked). A division is ``LABEL=ALLY/AD_HOC``, each side either
``nash:weight=W[,pie=P]`` or ``alternating:discount_protege=D,discount_partner=D,first=WHO[,pie=P]``
(``-`` for the paper's even split of a pie of 2).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.studies.over_c import c_star_points, c_stars, coarse_grid_warnings, footnote13, plot_over_c, refine_switch, solve_over_c, write_table

DEFAULT_DIVISIONS = (
    "paper: even split=-/-",
    "ally: protégé's Nash weight .53=nash:weight=0.53/-",
    "ad hoc: protégé's Nash weight .45=-/nash:weight=0.45",
    "ad hoc: protégé's Nash weight .54=-/nash:weight=0.54",
    "ad hoc: Rubinstein, partner first, discounts .9=-/alternating:discount_protege=0.9,discount_partner=0.9,first=partner",
    "ad hoc: pie 1.6, even split=-/nash:weight=0.5,pie=1.6",
)


def parse_side(text: str):
    """``nash:weight=0.4`` / ``alternating:...`` / ``-`` -> an `analytic.bargaining` division (None: even split)."""
    from analytic.bargaining import AlternatingOffers, NashBargaining

    text = text.strip()
    if text in ("", "-"):
        return None
    protocol, _, rest = text.partition(":")
    kinds = {"nash": NashBargaining, "alternating": AlternatingOffers}
    if protocol not in kinds:
        raise ValueError(f"--division: protocol must be nash or alternating, got {protocol!r}")
    kw = {}
    for item in filter(None, rest.split(",")):
        k, eq, v = (s.strip() for s in item.partition("="))
        if not eq:
            raise ValueError(f"--division {text!r}: {item!r} is not key=value")
        kw[k] = v if k == "first" else _float(text, item, v)
    try:
        return kinds[protocol](**kw)
    except TypeError:
        raise ValueError(f"--division {text!r}: unknown key; {protocol} takes "
                         f"{', '.join(kinds[protocol].__dataclass_fields__)}") from None


def _float(text, item, v):
    try:
        return float(v)
    except ValueError:
        raise ValueError(f"--division {text!r}: {item!r} is not key=number") from None


def division_specs(divisions, phi: float) -> dict:
    """Label -> ("pie", Benefits) for ``LABEL=ALLY/AD_HOC`` strings, checked at phi."""
    from analytic.bargaining import Benefits

    specs = {}
    for d in divisions:
        label, eq, sides = d.partition("=")
        ally, slash, ad_hoc = sides.partition("/")
        if not eq or not slash or not label:
            raise ValueError(f"--division {d!r}: expected LABEL=ALLY/AD_HOC, e.g. 'weak=-/nash:weight=0.45'")
        benefits = Benefits.from_divisions(parse_side(ally), parse_side(ad_hoc))
        benefits.check(phi)
        specs[label] = ("pie", benefits)
    return specs


def pie_data(specs: dict, phi=1.1, delta=0.99, c_max=0.06, points=41, workers=1) -> pd.DataFrame:
    """One row per (division, c): the equilibrium's outcome measures and the benefits."""
    if not (0.0 < delta <= 1.0 and c_max > 0.0):
        raise ValueError(f"--delta must be in (0, 1] and --c-max > 0, got {delta:g} and {c_max:g}")
    if int(points) != points or points < 3:
        raise ValueError(f"--points must be an integer >= 3, got {points}")
    c = np.linspace(0.0, float(c_max), int(points))
    df = solve_over_c(specs, phi, delta, c, workers, column="division")
    for name in ("patron", "protege_ally", "protege_ad_hoc"):
        df.insert(1, f"B_{name}", df["division"].map({k: getattr(s[1], name) for k, s in specs.items()}))
    return df


def plot_pie(df: pd.DataFrame, path: Path, phi: float, delta: float, c_star: dict | None = None) -> Path:
    ally = [d for d in df["division"].unique() if d.startswith("ally")]
    return plot_over_c(df, "division", path, f"Extension 3: dividing the pie (phi = {phi:g}, delta = {delta:g});"
                       " dashed: the ally's division changed (breakups and payoffs as the paper's, contribution"
                       " shifted)", "division of the pie (ally / ad hoc)", dashed=ally, c_star=c_star)


def pie_study(out, divisions=DEFAULT_DIVISIONS, phi=1.1, delta=0.99, c_max=0.06, points=41, workers=1,
              plot=True) -> pd.DataFrame:
    """Write ``pie.csv`` (one row per division and c), ``pie_summary.csv`` (c*, the exact
    switch to the offer accepted at once, the largest breakup probability) and, if ``plot``,
    ``pie.png`` into ``out``; return the summary."""
    specs = division_specs(list(divisions), phi)
    df = pie_data(specs, phi=phi, delta=delta, c_max=c_max, points=points, workers=workers)
    write_table(df, out, "pie.csv")
    summary = footnote13(df, column="division", optima=c_stars(specs, df, phi, delta, workers=workers,
                                                               column="division"))
    for line in coarse_grid_warnings(summary, "division", points):
        print(line, file=sys.stderr, flush=True)
    switch = refine_switch(specs, df, phi, delta, workers=workers, column="division")
    summary.insert(1, "B_protege_ad_hoc", summary["division"].map({k: s[1].protege_ad_hoc for k, s in specs.items()}))
    summary.insert(2, "c_switch_exact", summary["division"].map(switch))
    write_table(summary, out, "pie_summary.csv")
    if plot:
        plot_pie(df, Path(out) / "pie.png", phi, delta, c_star=c_star_points(summary, "division"))
    return summary
