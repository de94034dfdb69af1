"""Time a sweep on 1 and 2 workers, on the local process pool and on a Dask LocalCluster.

    python benchmarks/bench_sweep.py [--sweep search_costs] [--workers 1 2] [--repeat 1]
    python benchmarks/bench_sweep.py --throughput [--runs 1000] [--tables summary] [--workers 2]

``--throughput``: a sweep of ``--runs`` small runs (the ``search_costs`` scenario: 500
protégés, 80 rounds, events off; replications raised to make ``--runs`` runs; ``[output]
tables`` as given) on the local pool and on a Dask LocalCluster, against the in-process
model rate: ``--workers`` plain processes at once, each building and stepping models of the
same runs and nothing else (the sum of their runs/s). The in-process rate is measured before,
between and after the sweeps, so that the machine's other load hits both alike; each sweep's
ratio is its runs/s over the mean of the in-process rates measured next to it. Then where a
sweep's time went: the models (CPU on the workers), the rest of the runs' work on the workers
(scenario parsing, tables, measures), the driver's CPU, and what is left (start-up, waiting).

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


_MODEL_ONLY = r"""
import json, sys, time
from scenarios.sweep_spec import load_plan
plan = load_plan(sys.argv[1])
runs = [plan.runs[int(i)] for i in sys.argv[2].split(",")]
def one(r):
    sc = r.scenario()
    m = sc.build_model(record_events=False)
    for _ in range(sc.rounds):
        m.step()
one(runs[0])  # warm-up: imports and first-call costs
t0, c0 = time.perf_counter(), time.process_time()
for r in runs:
    one(r)
print(json.dumps({"runs": len(runs), "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))
"""


def in_process_rate(path: str, n_runs: int, per_process: int, procs: int) -> tuple[float, float]:
    """(runs/s, CPUs used): ``procs`` processes at once, each running ``per_process`` of the
    plan's runs (spread over the whole plan) through the model alone."""
    import json
    import subprocess
    import sys

    step = max(1, n_runs // (per_process * procs))
    picks = [list(range(i * step, n_runs, step * procs))[:per_process] for i in range(procs)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    ps = [subprocess.Popen([sys.executable, "-c", _MODEL_ONLY, path, ",".join(map(str, p))],
                           stdout=subprocess.PIPE, text=True, env=env) for p in picks]
    outs = [json.loads(p.communicate()[0]) for p in ps]
    return sum(o["runs"] / o["wall"] for o in outs), sum(o["cpu"] / o["wall"] for o in outs)


def throughput(args) -> None:
    import re

    from scenarios.run.sweep import run_sweep
    from scenarios.sweep_spec import SWEEP_DIR, load_plan

    text = (SWEEP_DIR / "search_costs.toml").read_text()
    reps = max(1, args.runs // 8)  # 8 design points
    text = re.sub(r"(?m)^replications = \d+", f"replications = {reps}", text)
    text = re.sub(r"(?m)^events = false", f'events = false\ntables = "{args.tables}"', text)
    root = Path(tempfile.mkdtemp(prefix="bench-thru-"))
    path = root / "throughput.toml"
    path.write_text(text)
    plan = load_plan(str(path))
    n = len(plan.runs)
    w = max(args.workers)
    print(f"throughput: {n} runs of search_costs (500 protégés, 80 rounds, no events, tables = {args.tables!r})"
          f" on {w} workers; {os.cpu_count()} CPUs; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
          flush=True)
    rates: list[float] = []
    rows = []
    summaries = set()

    def model_rate():
        r, cpus = in_process_rate(str(path), n, args.model_runs, w)
        rates.append(r)
        print(f"  in-process model rate ({w} processes at once, {args.model_runs} runs each): {r:.2f} runs/s"
              f" ({cpus:.2f} CPUs; load {os.getloadavg()[0]:.1f})", flush=True)

    try:
        model_rate()
        for ex in args.executors:
            out = root / ex
            t0, c0 = time.perf_counter(), time.process_time()
            rep = run_sweep(plan, out, workers=w, dask="local" if ex == "dask" else None, progress=False, plots=False)
            dt, driver = time.perf_counter() - t0, time.process_time() - c0
            assert rep.ok and rep.ran == n, rep.lines()
            summaries.add((out / "summary.parquet").read_bytes())
            shutil.rmtree(out)
            before = rates[-1]
            model_rate()
            ref = (before + rates[-1]) / 2
            rows.append((ex, dt, n / dt, ref, rep, driver))
            other = rep.cpu_seconds - rep.model_cpu_seconds
            print(f"  {ex:4s}: {dt:6.1f} s, {n / dt:.2f} runs/s = {n / dt / ref:.0%} of the in-process rate"
                  f" {ref:.2f} runs/s; CPU: models {rep.model_cpu_seconds:.1f} s, rest of the runs {other:.1f} s,"
                  f" driver {driver:.1f} s, of {w * dt:.1f} s on {w} cores (load {os.getloadavg()[0]:.1f})",
                  flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"summaries identical across executors: {len(summaries) == 1}")
    for ex, dt, rate, ref, rep, driver in rows:
        print(f"RESULT {ex}: {rate / ref:.0%} of the in-process model rate ({rate:.2f} vs {ref:.2f} runs/s)")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default="search_costs", help="bundled sweep name or file (default: search_costs)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="timings per configuration (the best is kept)")
    ap.add_argument("--executors", nargs="+", default=["pool", "dask"], choices=["pool", "dask"])
    ap.add_argument("--throughput", action="store_true", help="the many-small-runs benchmark (see above)")
    ap.add_argument("--runs", type=int, default=1000, help="--throughput: runs in the sweep (default 1000)")
    ap.add_argument("--tables", default="summary", choices=["all", "steps", "summary"],
                    help="--throughput: the sweep's [output] tables (default summary)")
    ap.add_argument("--model-runs", type=int, default=40,
                    help="--throughput: runs per process for each in-process rate (default 40)")
    args = ap.parse_args()
    if args.throughput:
        return throughput(args)

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
