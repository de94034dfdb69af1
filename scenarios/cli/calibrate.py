"""``alliances calibrate``: fit a scenario's [calibration] parameters to ATOP (or synthetic ATOP) spells."""

from __future__ import annotations

import argparse
import sys

from scenarios.cli.options import add_size_check, add_workers, workers_of

DESCRIPTION = (
    "Fit the parameters a scenario's [calibration] table names (KEY = [low, high]) to the alliance spells of an "
    "ATOP folder by simulation: a Latin-hypercube design of candidate points (and refinements around the best), "
    "every point run with the same seeds (common random numbers) on the sweep machinery (DIR/stage-S, "
    "DIR/final: resumable, local pool or Dask), the simulated likelihood of the observed spells per milinst "
    "group, estimates with bootstrap 95% intervals over alliances. Writes DIR/fit.json, points.parquet, "
    "fit_hazard.parquet, fit_km.parquet and fit_survival.png (docs/validation.md). Rerun the same command to resume."
)


def register(subparsers) -> None:
    p = subparsers.add_parser("calibrate", help="fit a scenario's [calibration] parameters to ATOP spells",
                              description=DESCRIPTION)
    p.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or scenario file with [calibration]")
    p.add_argument("--data", required=True, metavar="DATA_DIR", help="folder with the ATOP 5.1 files (or synthetic ones)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created; reused to resume)")
    add_workers(p, "with --dask local, its workers")
    p.add_argument("--dask", default=None, metavar="ADDRESS|local",
                   help="run on a Dask distributed cluster (tcp://host:8786) or a LocalCluster (local)")
    add_size_check(p)
    p.set_defaults(handler=_calibrate)


def _calibrate(args: argparse.Namespace) -> int:
    from scenarios.run import budget
    from scenarios.run.sweep import SweepBusy
    from scenarios.scenario import load_scenario
    from scenarios.studies.calibration import FIT_FILE, calibrate

    workers = workers_of(args)
    sc = load_scenario(args.scenario)
    if sc.calibration:  # (without one, calibrate says what is missing)
        budget.check(budget.calibration_estimate(sc, workers), enforce=args.size_check)
    try:
        fit = calibrate(args.scenario, args.data, args.out, workers=workers, dask=args.dask, progress=True)
    except SweepBusy as exc:
        print(f"alliances: error: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        print(f"alliances: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("alliances: interrupted; finished runs are kept, rerun the same command to resume", file=sys.stderr)
        return 130
    print(f"{fit['scenario']}: fitted to {fit['data']} ({fit['design_points']} design points x "
          f"{fit['replications']} replications, {fit['bootstrap']} bootstrap replicates)")
    for key, p in fit["parameters"].items():
        edge = f"; at the {p['at_edge']} end of its range {p['range']}" if p["at_edge"] else ""
        print(f"  {key} = {p['estimate']:.5g}  (95% interval {p['ci'][0]:.5g} - {p['ci'][1]:.5g}{edge})")
    print(f"  distance {fit['distance']:.2f} ({fit['distance_kind']})")
    if not fit["converged"]:
        best = fit["best_point"]
        print(f"  NOT CONVERGED: the best design point has distance {best['distance']:.2f}, below the estimate's by"
              f" more than the surface's noise allows (residual SD {fit['surface']['residual_sd']:.2f}); read the best"
              f" point ({', '.join(f'{k} = {v:.5g}' for k, v in best['parameters'].items())}), not the intervals")
    print(f"wrote {FIT_FILE}, points.parquet, fit_hazard.parquet, fit_km.parquet, fit_survival.png to {args.out}")
    return 0
