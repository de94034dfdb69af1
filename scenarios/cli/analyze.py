"""``alliances analyze DIR``: Sobol indices or Morris screening of a finished sensitivity sweep."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze",
        help="sensitivity of a sweep's measures to its parameters (Sobol indices / Morris, SALib)",
        description=(
            "Read a finished sweep made with [sweep.sample] method = \"saltelli\" (for --method sobol) "
            "or \"morris\" (--method morris) and compute, for every outcome measure of its summary, "
            "the first-order and total Sobol indices with bootstrap confidence intervals, or Morris' "
            "mu*, its interval, and sigma. Each design point's value is the mean over its "
            "replications. Writes DIR/sensitivity.parquet and DIR/sensitivity.png and prints the table."
        ),
    )
    p.add_argument("dir", metavar="DIR", help="the sweep directory (alliances sweep ... --out DIR)")
    p.add_argument("--method", choices=("sobol", "morris"), default=None,
                   help="sobol (needs a saltelli design) or morris (a morris design); default: the design's")
    p.add_argument("--measure", action="append", default=None, metavar="NAME",
                   help="analyze only this measure (repeatable; default: every measure of the summary)")
    p.add_argument("--resamples", type=int, default=1000, metavar="N",
                   help="bootstrap resamples for the intervals, an integer >= 10 (default: 1000)")
    p.add_argument("--no-plot", "--no-plots", dest="no_plot", action="store_true",
                   help="do not draw sensitivity.png")
    p.set_defaults(handler=_analyze)


def _analyze(args: argparse.Namespace) -> int:
    from pathlib import Path

    import pandas as pd

    from scenarios.run.sensitivity import PLOT, analyze, read_design, write_result

    if isinstance(args.resamples, bool) or args.resamples < 10:
        raise ValueError(f"--resamples: must be an integer >= 10, got {args.resamples!r}")
    out = Path(args.dir)
    design = read_design(out)
    summary_path = out / "summary.parquet"
    if not summary_path.is_file():
        raise ValueError(f"{out}: no summary.parquet; run (or resume) the sweep first")
    summary = pd.read_parquet(summary_path)
    result = analyze(summary, design, method=args.method, measures=args.measure, resamples=args.resamples,
                     where=str(out))
    files = [write_result(result, out)]
    if not args.no_plot:
        from scenarios.output.sensitivity_plots import sensitivity_plot

        files.append(sensitivity_plot(result, out / PLOT, title=design.get("scenario")))
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_rows", 500):
        shown = result.drop(columns=["method", "points", "runs"])
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"{result['method'].iloc[0]} indices of {result['measure'].nunique()} measures over"
          f" {result['points'].iloc[0]} design points; wrote {', '.join(str(f) for f in files)}")
    return 0
