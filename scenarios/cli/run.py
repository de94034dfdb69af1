"""``alliances run`` and ``alliances report``: run a scenario, report on a run."""

from __future__ import annotations

import argparse

from scenarios.cli.options import add_size_check


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "run",
        help="run a population scenario and write its tables and plots",
        description=(
            "Run a scenario (a bundled name such as baseline, or a path to a TOML file) with a "
            "progress bar, then write events.parquet, steps.parquet, alliances.parquet and the "
            "plots to DIR and print a short summary."
        ),
    )
    p.add_argument("scenario", metavar="NAME_OR_PATH", help="bundled scenario name or scenario file")
    p.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    p.add_argument("--rounds", "--steps", dest="rounds", type=int, default=None, metavar="T",
                   help="override the scenario's rounds (--steps is the same)")
    p.add_argument("--out", default=None, metavar="DIR", help="output directory (default: out/NAME)")
    p.add_argument("--no-events", action="store_true", help="do not record events.parquet (faster)")
    p.add_argument("--no-plots", "--no-plot", dest="no_plots", action="store_true", help="write the tables only")
    p.add_argument("--force", action="store_true", help="replace the files of a previous run in DIR")
    add_size_check(p)
    p.set_defaults(handler=_run)

    r = subparsers.add_parser(
        "report",
        help="the protégé's bargaining moves in a run, and what they won, by search-cost band",
        description=(
            "Read DIR/events.parquet (written by `alliances run`) and print how often the protégés "
            "cooperated, delayed, courted outsiders or exited, and what each move extracted, by "
            "band of the search cost c."
        ),
    )
    r.add_argument("out", metavar="DIR", help="output directory of an `alliances run`")
    r.add_argument("--bands", type=int, default=4, help="number of equal-width bands of c, split at c = 1/32 (default: 4)")
    r.set_defaults(handler=_report)


def _run(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from scenarios.output.files import clean_run_dir, safe_component
    from scenarios.run import budget
    from scenarios.run.runner import run_scenario, summary_lines
    from scenarios.scenario import load_scenario

    sc = load_scenario(args.scenario).with_overrides(seed=args.seed, rounds=args.rounds)
    budget.check(budget.scenario_estimate(replace(sc, record_events=sc.record_events and not args.no_events)),
                 enforce=args.size_check)
    out = Path(args.out) if args.out is not None else Path("out") / safe_component(sc.name)
    clean_run_dir(out, force=args.force)
    result = run_scenario(
        sc, out=out, progress=True, plots=not args.no_plots,
        record_events=False if args.no_events else None,
    )
    print("\n".join(summary_lines(result)))
    return 0


def _report(args: argparse.Namespace) -> int:
    from scenarios.output.report import report_lines

    if args.bands < 1:
        raise ValueError(f"--bands: must be an integer >= 1, got {args.bands}")
    print("\n".join(report_lines(args.out, bands=args.bands)))
    return 0
