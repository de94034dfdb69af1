"""`alliances atop ...`: the model meets the ATOP alliance data (docs/validation.md).

`alliances atop summarize DATA_DIR --out DIR [--run RUN_DIR]`: reads the ATOP 5.1 files
in DATA_DIR (atop5_1a.csv and atopinst5_1.csv, downloaded from atopdata.org) as alliance
spells and writes spells.parquet, the Kaplan-Meier curves by milinst and for bilateral
alliances (km.parquet, km_milinst.png, km_bilat.png), the median survival times
(medians.parquet), the life-table hazard by age (hazard.parquet, hazard_milinst.png) and
the competing risks of the ending types (competing.parquet, competing.png) to DIR. With
--run, the spells of that `alliances run` folder (rounds -> years by the scenario's
[calibration] years_per_round) get the same summaries, in the same files and plots.

`alliances atop synthesize SCENARIO --out DATA_DIR [--seed N]`: runs the scenario and
writes its alliance spells as ATOP-format files (atop5_1a.csv, atopinst5_1.csv: the
columns the reader uses, ATOP's names and codes) to DATA_DIR, to be read like ATOP.
"""
from __future__ import annotations

import argparse

SUMMARIZE_DESCRIPTION, SYNTHESIZE_DESCRIPTION = __doc__.split("\n\n")[1:3]


def register(subparsers) -> None:
    p = subparsers.add_parser("atop", help="survival of real alliances (ATOP 5.1) and of a model run",
                              description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="atop_command", metavar="ACTION", required=True)
    s = sub.add_parser("summarize", help="survival, hazard and competing risks of ATOP (and a run)",
                       description=SUMMARIZE_DESCRIPTION)
    s.add_argument("data", metavar="DATA_DIR", help="folder with the ATOP 5.1 files")
    s.add_argument("--out", required=True, metavar="DIR", help="output directory")
    s.add_argument("--run", default=None, metavar="RUN_DIR", help="an `alliances run` output folder to draw beside ATOP")
    s.add_argument("--width", type=float, default=5.0, metavar="YEARS",
                   help="the life table's interval in years (default: 5)")
    s.add_argument("--no-plots", action="store_true", help="write the tables only")
    s.set_defaults(handler=_summarize)
    y = sub.add_parser("synthesize", help="ATOP-format files from a simulated population",
                       description=SYNTHESIZE_DESCRIPTION)
    y.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or scenario file")
    y.add_argument("--out", required=True, metavar="DATA_DIR", help="folder for the ATOP-format files")
    y.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    y.set_defaults(handler=_synthesize)


def _summarize(args: argparse.Namespace) -> int:
    import pandas as pd

    from scenarios.studies.survival import summarize

    tables, files = summarize(args.data, args.out, run_dir=args.run, width=args.width, plots=not args.no_plots)
    medians = tables["medians"]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("median survival in years (95% interval; inf: the curve or its band stays above 1/2)")
        print(medians.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    print(f"wrote {', '.join(f.name for f in files)} to {args.out}")
    return 0


def _synthesize(args: argparse.Namespace) -> int:
    from scenarios.data.synthetic import synthesize
    from scenarios.scenario import load_scenario

    scenario = load_scenario(args.scenario).with_overrides(seed=args.seed)
    spells, files = synthesize(scenario, args.out, progress=True)
    ended = int((~spells["censored"]).sum())
    print(f"{scenario.name}: {len(spells):,} alliance spells ({ended:,} ended in violation, "
          f"{len(spells) - ended:,} in force at the end), {scenario.rounds} rounds of "
          f"{scenario.years_per_round:g} years ending 2018-12-31")
    print(f"wrote {', '.join(f.name for f in files)} to {args.out}")
    return 0
