"""Time ``analytic.piecewise.solve_many`` on batches of mixture-of-uniforms CDFs.

    python benchmarks/bench_piecewise.py [--cases a b c] [--repeat 3] [--seed 20261202]

Cases (20 levels of c in [0, 0.04], phi = 1.1, delta = 0.95, patron benefit b ~ U[0.8, 1.2]
per F; the components' v_j ~ U[0.05, 1], weights ~ U[0, 1]):
  (a) one F with 100 knots x 20 c levels (20 points);
  (b) 100 different F's with 100 knots each x 20 c levels (2,000 points);
  (c) 1,000 F's x 1,000 knots x 20 c levels (20,000 points);
  (d) like issue 11's population with 1,000 powers: power j has strength 0.6 or 1 and a
      load n_j ~ Poisson(100), v_j = strength / (1 + 0.01 n_j); the F of patron i's protégés
      is the mixture over the other 999 powers (weight 0 on i), so equal valuations share a
      knot (about 140 knots); 1,000 F's x 20 c levels (20,000 points).
With --strategies the strategy tables the agents play are built too.
Prints the best of ``--repeat`` wall-clock timings (after one untimed warm-up call) as
points/second, and the number of cells of x1 the solver needed per point.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from analytic import piecewise

CASES = {"a": (1, 100), "b": (100, 100), "c": (1000, 1000), "d": (1000, None)}
N_C = 20


def batch(n_f: int, n_knots: int, seed: int):
    """(F, c, b): n_f mixtures with n_knots - 1 components, each repeated for N_C levels of c."""
    rng = np.random.default_rng(seed)
    J = n_knots - 2  # knots: 0, the v_j, 1
    F = piecewise.mixture_of_uniforms(rng.uniform(0.05, 1.0, (n_f, J)), rng.random((n_f, J)))
    rows = np.repeat(np.arange(n_f), N_C)
    c = np.tile(np.linspace(0.0, 0.04, N_C), n_f)
    b = rng.uniform(0.8, 1.2, n_f)[rows]
    return F.take(rows), c, b


def population(n_powers: int, seed: int):
    """(F, c, b) for case (d): one F per patron (the others' valuations), N_C levels of c."""
    rng = np.random.default_rng(seed)
    v = rng.choice([0.6, 1.0], n_powers) / (1.0 + 0.01 * rng.poisson(100, n_powers))
    weights = 1.0 - np.eye(n_powers)  # row i: every power but patron i
    F = piecewise.mixture_of_uniforms(np.broadcast_to(v, (n_powers, n_powers)), weights)
    rows = np.repeat(np.arange(n_powers), N_C)
    c = np.tile(np.linspace(0.0, 0.04, N_C), n_powers)
    return F.take(rows), c, np.ones(rows.size)


def best_time(F, c, b, repeat: int, strategies: bool) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = piecewise.solve_many(F, 1.1, c, 0.95, b, strategies=strategies)
        best = min(best, time.perf_counter() - t0)
        assert len(out[0] if strategies else out) == len(c)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--strategies", action="store_true", help="also build the strategy tables")
    args = parser.parse_args()
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}")
    F, c, b = batch(2, 20, args.seed)
    piecewise.solve_many(F, 1.1, c, 0.95, b)  # warm-up
    print(f"{'case':>4}  {'F':>5}  {'knots':>5}  {'points':>7}  {'best s':>9}  {'points/s':>10}")
    for name in args.cases:
        n_f, n_knots = CASES[name]
        F, c, b = population(n_f, args.seed) if n_knots is None else batch(n_f, n_knots, args.seed)
        t = best_time(F, c, b, 1 if len(c) > 10_000 else args.repeat, args.strategies)
        print(f"{name:>4}  {n_f:>5}  {F.n_pieces + 1:>5}  {len(c):>7}  {t:>9.3f}  {len(c) / t:>10,.0f}")


if __name__ == "__main__":
    main()
