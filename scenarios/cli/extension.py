"""``alliances extension ...``: figures and tables for the paper's extensions (docs/extensions.md).

``alliances extension offers``: extension 4 (footnote 13). For each outside-offer
distribution F (``uniform`` or ``NAME:k=v,k=v`` for any continuous ``scipy.stats``
distribution with support in [0, 1], e.g. ``beta:a=2,b=5``), solves the game with
``analytic.general`` on a grid of search costs c and draws the breakup probability,
the patron's expected contribution and the protégé's expected payoff against c
(with c* marked). Writes ``offers.png`` and ``offers.csv`` and prints, per F, c* and
whether footnote 13's non-monotonicity holds (breakups rise, then fall, as c falls
towards 0 below the value where the patron switches to the offer accepted at once).

Solves the game with `analytic.bargaining` for several divisions of the good's value on a
grid of search costs c and draws breakups, the patron's contribution and the protégé's
payoff against c (with c* marked). A division is ``LABEL=ALLY/AD_HOC``, each side either
``nash:weight=W[,pie=P]`` or ``alternating:discount_protege=D,discount_partner=D,first=WHO[,pie=P]``
(``-`` for the paper's even split of a pie of 2). Writes ``pie.csv``, ``pie_summary.csv``
(c*, the exact switch to the offer accepted at once, the largest breakup probability) and
``pie.png``.

The studies themselves are library functions in ``scenarios.studies``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scenarios.cli.options import add_param, add_size_check, add_workers, workers_of
from scenarios.studies.offers import DEFAULT_DISTS

#: measured seconds per search cost and curve of each study (docs/extensions.md): for the size check
SECONDS_PER_POINT = {"offers": 0.025, "outsiders": 0.18, "pie": 0.01}


def check_size(args: argparse.Namespace, study: str, curves: int) -> None:
    """Refuse a grid that cannot fit in memory (warn on one that will take very long) and an
    ``--out`` that cannot be written, before any work."""
    from scenarios.output.files import writable_dir
    from scenarios.run import budget

    args.workers = workers_of(args)
    if isinstance(args.points, int) and args.points >= 1:
        est = budget.grid_estimate(args.points, curves, SECONDS_PER_POINT[study] / max(1, args.workers))
        budget.check(est, enforce=args.size_check)
        if sys.stderr.isatty():  # progress, as the bars of run and sweep: only on a terminal
            print(f"alliances: extension {study}: {curves} curve{'s' * (curves != 1)} x {args.points} search costs"
                  f" on {args.workers} process{'es' * (args.workers != 1)}, then c* and the plot ...",
                  file=sys.stderr, flush=True)
    writable_dir(args.out)

OFFERS_DESCRIPTION, PIE_DESCRIPTION = (part.replace("``", "") for part in __doc__.split("\n\n")[1:3])


def print_summary(summary, *display_options) -> None:
    """A study's summary table, numbers to 4 decimals (``display_options``: pandas option, value, ...)."""
    import pandas as pd

    with pd.option_context("display.max_columns", 20, *display_options):
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


def wrote(names: list[str], args: argparse.Namespace, plot: str) -> None:
    """The closing line: which files went where (the plot unless ``--no-plot``)."""
    print(f"wrote {', '.join(names + ([] if args.no_plot else [plot]))} to {Path(args.out)}")


def run_offers(args: argparse.Namespace) -> int:
    from scenarios.studies.offers import offers_study

    check_size(args, "offers", len(args.dist or DEFAULT_DISTS))
    summary = offers_study(args.out, args.dist or DEFAULT_DISTS, phi=args.phi, delta=args.delta,
                           c_max=args.c_max, points=args.points, workers=args.workers, plot=not args.no_plot)
    print_summary(summary, "display.width", 200)
    wrote(["offers.csv", "offers_summary.csv"], args, "offers.png")
    return 0


def run_outsiders(args: argparse.Namespace) -> int:
    import numpy as np

    from scenarios.studies.outsiders import DEFAULT_KS, outsiders_study

    check_size(args, "outsiders", len(args.k or DEFAULT_KS))
    df = outsiders_study(args.out, args.k or DEFAULT_KS, phi=args.phi, delta=args.delta, c_min=args.c_min,
                         c_max=args.c_max, points=args.points, workers=args.workers, plot=not args.no_plot)
    cols = ["outsiders", "c", "first_move", "r1", "p_breakup", "expected_contribution", "u_protege", "u_patron"]
    pick = df[np.isclose(df["c"], df["c"].min()) | np.isclose(df["c"], df["c"].max())][cols]
    print(pick.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    wrote(["outsiders.csv"], args, "outsiders.png")
    return 0


def run_pie(args: argparse.Namespace) -> int:
    from scenarios.studies.pie import DEFAULT_DIVISIONS, pie_study

    check_size(args, "pie", len(args.division or DEFAULT_DIVISIONS))
    summary = pie_study(args.out, args.division or DEFAULT_DIVISIONS, phi=args.phi, delta=args.delta,
                        c_max=args.c_max, points=args.points, workers=args.workers, plot=not args.no_plot)
    print_summary(summary, "display.width", 250, "display.max_colwidth", 60)
    wrote(["pie.csv", "pie_summary.csv"], args, "pie.png")
    return 0


def add_c_grid_options(p, c_max: float, points: int, out: str, cost: str) -> None:
    """phi, delta, the grid of search costs, workers, output directory: the options every
    ``alliances extension`` subcommand shares."""
    add_param(p, "phi", 1.1, "production cost")
    add_param(p, "delta", 0.99, "discount factor")
    add_param(p, "c_max", c_max, "largest search cost on the grid")
    p.add_argument("--points", type=int, default=points, help=f"search costs on the grid (default: {points}; {cost})")
    add_workers(p)
    p.add_argument("--out", default=out, help=f"output directory (default: {out})")
    p.add_argument("--no-plots", "--no-plot", dest="no_plot", action="store_true", help="tables only")
    add_size_check(p)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "extension", help="the paper's extensions: figures and tables (docs/extensions.md)",
        description="Figures and tables for the paper's extensions (docs/extensions.md).")
    sub = p.add_subparsers(dest="extension", metavar="EXTENSION", required=True)
    o = sub.add_parser(
        "offers", help="extension 4: outside offers from any distribution on [0, 1] (footnote 13)",
        description=OFFERS_DESCRIPTION)
    o.add_argument("--dist", action="append", metavar="NAME[:k=v,...]",
                   help="an outside-offer distribution, repeatable (default: " + ", ".join(DEFAULT_DISTS) + ")")
    add_c_grid_options(o, c_max=0.04, points=41, out="out/extension_offers", cost="~1 s each per F")
    o.set_defaults(handler=run_offers)

    s = sub.add_parser(
        "outsiders", help="extension 1: k strategic outsiders per search vs the paper's draws",
        description="Solve the game with k strategic outsiders per search (U[0, 1] valuations, "
                    "analytic.outsiders) on a grid of c and draw breakups, the patron's contribution "
                    "and the protégé's payoff against the paper's non-strategic U[0, 1] draws. "
                    "Writes outsiders.csv and outsiders.png.")
    s.add_argument("--k", type=int, action="append", help="outsiders per search, repeatable (default: 1, 2, 3)")
    add_param(s, "c_min", 0.0, "smallest search cost")
    add_c_grid_options(s, c_max=0.04, points=20, out="out/extension_outsiders", cost="0.2-3.5 s each per k")
    s.set_defaults(handler=run_outsiders)

    p = sub.add_parser("pie", help="extension 3: the pie divided by bargaining (Nash, alternating offers)",
                       description=PIE_DESCRIPTION)
    p.add_argument("--division", action="append", metavar="LABEL=ALLY/AD_HOC",
                   help="a division, repeatable (default: six, from the paper's even split to harder bargains)")
    add_c_grid_options(p, c_max=0.06, points=41, out="out/extension_pie", cost="~0.4 s each per division")
    p.set_defaults(handler=run_pie)
