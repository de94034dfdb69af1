"""Time a sweep on 1 and 2 workers, on the local process pool and on a Dask LocalCluster.

    python benchmarks/bench_sweep.py [--sweep search_costs] [--workers 1 2] [--repeat 1]

Each timing is one whole ``run_sweep`` into a fresh directory: pool or cluster
start-up, every run, writing the run folders and summary.parquet (no plots).
The bundled ``search_costs`` sweep has 64 runs. Prints the wall times and the
speed-ups over 1 worker; the summaries of all configurations must be identical.

"CPUs on average" is the runs' CPU time (time.process_time on the workers)
over the wall time: about 1 and 2 on an idle machine. Well below 2 on 2
workers means the machine did not give the sweep two cores (other load), and
the speed-up measures that contention, not the sweep.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default="search_costs", help="bundled sweep name or file (default: search_costs)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="timings per configuration (the best is kept)")
    ap.add_argument("--executors", nargs="+", default=["pool", "dask"], choices=["pool", "dask"])
    args = ap.parse_args()

    from scenarios.run.sweep import run_sweep
    from scenarios.sweep_spec import load_plan

    plan = load_plan(args.sweep)
    print(f"sweep {plan.name}: {len(plan.runs)} runs; {os.cpu_count()} CPUs; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    results: dict[tuple[str, int], float] = {}
    cpu: dict[tuple[str, int], float] = {}
    summaries = set()
    root = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        # configurations interleaved, so that a burst of other load hits all of them alike
        for i in range(args.repeat):
            for ex in args.executors:
                for w in args.workers:
                    out = root / f"{ex}-{w}-{i}"
                    t0 = time.perf_counter()
                    rep = run_sweep(plan, out, workers=w, dask="local" if ex == "dask" else None,
                                    progress=False, plots=False)
                    dt = time.perf_counter() - t0
                    assert rep.ok and rep.ran == len(plan.runs), rep.lines()
                    summaries.add((out / "summary.parquet").read_bytes())
                    shutil.rmtree(out)
                    print(f"  [{i + 1}/{args.repeat}] {ex:4s} {w} worker{'s' if w > 1 else ' '}: {dt:7.1f} s"
                          f"  ({len(plan.runs) / dt:.2f} runs/s; the runs used {rep.cpu_seconds:.1f} CPU s,"
                          f" {rep.cpu_seconds / dt:.2f} CPUs on average; load {os.getloadavg()[0]:.1f})",
                          flush=True)
                    if dt < results.get((ex, w), float("inf")):
                        results[(ex, w)], cpu[(ex, w)] = dt, rep.cpu_seconds
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("best of each:")
    for (ex, w), best in results.items():
        print(f"  {ex:4s} {w} worker{'s' if w > 1 else ' '}: {best:7.1f} s ({cpu[(ex, w)] / best:.2f} CPUs on average)")
    print(f"summaries identical across configurations: {len(summaries) == 1}")
    for ex in args.executors:
        base = results.get((ex, min(args.workers)))
        for w in args.workers:
            if w != min(args.workers):
                print(f"speed-up {ex} {w} workers over {min(args.workers)}: {base / results[(ex, w)]:.2f}x")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
