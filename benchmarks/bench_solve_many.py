"""Time ``analytic.solve_many`` on random points over the whole parameter domain.

    python benchmarks/bench_solve_many.py [--sizes 10000 100000] [--repeat 3] [--seed 20261123]

Draws phi ~ U(1, 2), c ~ U[0, 1/2] and delta ~ U(0, 1] (seeded; open ends kept
open), calls ``solve_many`` once untimed to warm up, then reports the best of
``--repeat`` wall-clock timings per size as points/second. Record results in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

import analytic


def random_points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    tiny = np.finfo(float).eps
    phi = rng.uniform(1.0 + tiny, 2.0, n)          # phi in (1, 2)
    c = rng.uniform(0.0, 0.5, n)                   # c >= 0; r* = 1 - sqrt(2c) reaches 0 at 1/2
    delta = 1.0 - rng.uniform(0.0, 1.0 - tiny, n)  # delta in (0, 1]
    return phi, c, delta


def best_time(n: int, repeat: int, seed: int) -> float:
    phi, c, delta = random_points(n, seed)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        df = analytic.solve_many(phi=phi, c=c, delta=delta)
        best = min(best, time.perf_counter() - t0)
        assert len(df) == n
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()

    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}")
    phi, c, delta = random_points(100, args.seed)
    analytic.solve_many(phi=phi, c=c, delta=delta)  # warm-up (imports, caches)
    print(f"{'points':>8}  {'best s':>9}  {'points/s':>12}")
    for n in args.sizes:
        t = best_time(n, args.repeat, args.seed)
        print(f"{n:>8}  {t:>9.4f}  {n / t:>12,.0f}")


if __name__ == "__main__":
    main()
