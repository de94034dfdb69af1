"""Time one parameter point of each extension's numeric solver (seconds per point).

    python benchmarks/bench_extension_solvers.py [--points 5] [--seed 20261123]

Solves ``--points`` seeded points (phi = 1.1, delta = .99, c drawn from the range given
per row) with a fresh solver per row (its tables built once, untimed), and prints the mean
and the worst wall-clock time per point. Record results in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from scipy import stats


def rows():
    from analytic.bargaining import Benefits, pie_solver
    from analytic.general import GeneralSolver
    from analytic.outsiders import StrategicOutsiders

    return [
        ("extension 4: GeneralSolver, Beta(2, 5) offers", lambda: GeneralSolver(stats.beta(2, 5)), (0.0, 0.02)),
        ("extension 3: PieSolver, B_H = 0.9", lambda: pie_solver(Benefits(1.0, 1.0, 0.9)), (0.0, 0.03)),
        ("extension 1: 2 strategic outsiders, c >= 0.002", lambda: StrategicOutsiders(2), (0.002, 0.04)),
        ("extension 1: 2 strategic outsiders, gap region c < 0.0005", lambda: StrategicOutsiders(2), (0.0, 0.0005)),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
          f" load {os.getloadavg()[0]:.2f}")
    print("| solver | c range | mean s/point | worst s/point |")
    print("|---|---|---|---|")
    for label, make, (lo, hi) in rows():
        solver = make()
        cs = np.random.default_rng(args.seed).uniform(lo, hi, args.points)
        times = []
        for c in cs:
            t = time.perf_counter()
            solver.solve(1.1, float(c), 0.99)
            times.append(time.perf_counter() - t)
        print(f"| {label} | [{lo:g}, {hi:g}] | {np.mean(times):.2f} | {np.max(times):.2f} |")


if __name__ == "__main__":
    main()
