"""``alliances sweep``: run a scenario's [sweep] (replications, grid or sampled design)."""

from __future__ import annotations

import argparse
import sys

from scenarios.cli.options import add_size_check, add_workers, workers_of


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="run a scenario's sweep (grid / Latin hypercube / Sobol / Saltelli / Morris x replications), resumable",
        description=(
            "Run every run of the [sweep] table of a scenario file (a bundled sweep such as "
            "search_costs, or a path) on a local process pool or a Dask cluster, with a progress "
            "bar. DIR gets manifest.json (every planned run), runs/<id>/ (each run's tables, "
            "written atomically), summary.parquet (one row per run: parameters, seed, outcome "
            "measures) and sweep_measures.png (and design.json for a Saltelli or Morris design, which "
            "alliances analyze reads). Running the same command again completes exactly "
            "the runs that are missing; a changed scenario file with the same DIR is refused."
        ),
    )
    p.add_argument("scenario", metavar="NAME_OR_PATH", help="bundled sweep name or scenario file with [sweep]")
    p.add_argument("--out", required=True, metavar="DIR", help="sweep directory (created; reused to resume)")
    add_workers(p, "with --dask local, its workers")
    p.add_argument("--dask", default=None, metavar="ADDRESS|local",
                   help="run on a Dask distributed cluster (tcp://host:8786) or a LocalCluster (local)")
    p.add_argument("--no-plots", "--no-plot", dest="no_plots", action="store_true", help="do not draw sweep_measures.png")
    add_size_check(p)
    p.set_defaults(handler=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    from scenarios.run.sensitivity import write_design
    from scenarios.run.sweep import SweepBusy, run_sweep
    from scenarios.sweep_spec import load_plan

    workers = workers_of(args)
    from scenarios.output.files import writable_dir
    from scenarios.run import budget

    plan = load_plan(args.scenario, size_check=args.size_check)
    budget.check(budget.sweep_estimate(plan, workers), enforce=args.size_check)
    writable_dir(args.out)
    n, points, reps = len(plan.runs), len(plan.runs) // plan.replications, plan.replications
    print(f"sweep {plan.name} ({plan.path}): {n} run{'s' * (n != 1)}"
          f" ({points} point{'s' * (points != 1)} x {reps} replication{'s' * (reps != 1)})"
          f" on {'Dask ' + args.dask if args.dask else f'{workers} local worker processes'}", flush=True)
    try:
        report = run_sweep(plan, args.out, workers=workers, dask=args.dask, progress=True,
                           plots=not args.no_plots)
        design = write_design(plan, args.out)  # a sensitivity design: what `alliances analyze` reads
    except SweepBusy as exc:
        print(f"alliances: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("alliances: interrupted; finished runs are kept, rerun the same command to resume",
              file=sys.stderr)
        return 130
    print("\n".join(report.lines()) + (f", {design.name} (alliances analyze {args.out})" if design else ""))
    return 0 if report.ok else 1
