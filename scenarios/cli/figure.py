"""``alliances figure 3|4``: the paper's Figures 3 and 4 redrawn (``scenarios.output.figures``)."""

from __future__ import annotations

import argparse

from scenarios.cli.options import add_param, add_size_check
from scenarios.output.figures import DEFAULTS, FIGURES, write_figure


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "figure",
        help="redraw the paper's Figure 3 or 4 (PNG + CSV)",
        description="Figure 3: probability that the alliance acts against the search cost c. "
                    "Figure 4: the protégé's expected utility against c, with c* marked. "
                    "Writes figureN.png and the plotted curve as figureN.csv into --out.",
    )
    p.add_argument("number", type=int, choices=sorted(FIGURES), help="figure number (3 or 4)")
    p.add_argument("--out", default="out", metavar="DIR",
                   help="output directory, created if missing (default: out)")
    add_param(p, "phi", DEFAULTS["phi"], "production cost, in (1, 2)")
    add_param(p, "delta", DEFAULTS["delta"], "discount factor, in (0, 1]")
    add_param(p, "c_max", DEFAULTS["c_max"], "largest search cost on the grid")
    p.add_argument("--points", type=int, default=DEFAULTS["points"], metavar="N",
                   help=f"grid points on [0, c_max] (default: {DEFAULTS['points']})")
    add_size_check(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scenarios.output.files import writable_dir
    from scenarios.run import budget

    if args.points >= 2:  # (smaller: c_grid's own message)
        budget.check(budget.figure_estimate(args.points), enforce=args.size_check)
    writable_dir(args.out)
    paths = write_figure(args.number, args.out, phi=args.phi, delta=args.delta,
                         c_max=args.c_max, points=args.points)
    for path in paths:
        print(path)
    return 0
