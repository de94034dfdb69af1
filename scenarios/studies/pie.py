"""``alliances extension pie``: extension 3, dividing the pie (docs/extensions.md).

Solves the game with `analytic.bargaining` for several divisions of the good's value on a
grid of search costs c and draws breakups, the patron's contribution and the protégé's
payoff against c (with c* marked). A division is ``LABEL=ALLY/AD_HOC``, each side either
``nash:weight=W[,pie=P]`` or ``alternating:discount_protege=D,discount_partner=D,first=WHO[,pie=P]``
(``-`` for the paper's even split of a pie of 2). Writes ``pie.csv``, ``pie_summary.csv``
(c*, the exact switch to the offer accepted at once, the largest breakup probability) and
``pie.png``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.studies.extensions import add_c_grid_options, footnote13, plot_over_c, refine_switch, solve_over_c

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


def plot_pie(df: pd.DataFrame, path: Path, phi: float, delta: float) -> Path:
    ally = [d for d in df["division"].unique() if d.startswith("ally")]
    return plot_over_c(df, "division", path, f"Extension 3: dividing the pie (phi = {phi:g}, delta = {delta:g});"
                       " dashed: the ally's division changed (breakups and payoffs as the paper's, contribution"
                       " shifted)", "division of the pie (ally / ad hoc)", dashed=ally)


def run_pie(args: argparse.Namespace) -> int:
    specs = division_specs(args.division or list(DEFAULT_DIVISIONS), args.phi)
    df = pie_data(specs, phi=args.phi, delta=args.delta, c_max=args.c_max, points=args.points,
                  workers=args.workers)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "pie.csv", index=False)
    summary = footnote13(df, column="division")
    switch = refine_switch(specs, df, args.phi, args.delta, workers=args.workers, column="division")
    summary.insert(1, "B_protege_ad_hoc", summary["division"].map({k: s[1].protege_ad_hoc for k, s in specs.items()}))
    summary.insert(2, "c_switch_exact", summary["division"].map(switch))
    summary.to_csv(out / "pie_summary.csv", index=False)
    if not args.no_plot:
        plot_pie(df, out / "pie.png", args.phi, args.delta)
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 60):
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"wrote pie.csv, pie_summary.csv{'' if args.no_plot else ', pie.png'} to {out}")
    return 0


def add_parser(sub) -> None:
    """``alliances extension pie``."""
    p = sub.add_parser("pie", help="extension 3: the pie divided by bargaining (Nash, alternating offers)",
                       description=__doc__.split("\n\n")[1])
    p.add_argument("--division", action="append", metavar="LABEL=ALLY/AD_HOC",
                   help="a division, repeatable (default: six, from the paper's even split to harder bargains)")
    add_c_grid_options(p, c_max=0.06, points=41, out="out/extension_pie", cost="~0.4 s each per division")
    p.set_defaults(handler=run_pie)
