"""Protégé-rounds per second of the population model, against a one-agent-at-a-time Mesa model.

    python benchmarks/bench_model.py [--sizes 1000 10000 100000] [--steps 20] [--naive-steps 10 3 1]

Both models play the same round (phi = 1.1, delta = .99, c ~ 0.1 * Beta(2, 3)
fixed per protégé, as in scenarios/baseline.toml; one patron per 50 protégés, an
ad hoc pool of one per 10) and collect the same per-step metrics with a Mesa
DataCollector; events are not recorded.

* vectorized: ``agents.AllianceModel`` (arrays, one batch call per round).
* naive: ``agents.reference.ReferenceModel``, the readable specification of a
  round, where every ``ReferenceProtege`` plays its own round in ``step()`` with
  scalar calls to the same ``analytic`` strategy functions and the metrics are
  computed by looping over the agents.

Setup (creating the agents and solving each alliance's equilibrium once, which
both models share) is timed separately: it is paid once per run, not per round.
The first step of each model is not timed (warm-up). Results go in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from agents import AllianceModel, CostDistribution
from agents.reference import ReferenceModel

PHI, DELTA = 1.1, 0.99
C_DIST = CostDistribution("beta", low=0.0, high=0.1, a=2.0, b=3.0)


def population(n: int) -> dict:
    return dict(n_proteges=n, n_patrons=max(n // 50, 1), n_ad_hoc=max(n // 10, 3))


# ------------------------------------------------------------------- timing
def time_model(make, steps: int) -> tuple[float, float, float]:
    """(setup seconds, first-step seconds, seconds per timed step)."""
    t0 = time.perf_counter()
    model = make()
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.step()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    per_step = (time.perf_counter() - t0) / steps
    breakups = model.datacollector.get_model_vars_dataframe()["churn_rate"].mean()
    return setup, first, per_step, breakups


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--steps", type=int, default=20, help="timed steps of the vectorized model")
    ap.add_argument("--naive-steps", type=int, nargs="+", default=[10, 3, 1],
                    help="timed steps of the naive model, per size")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--scenario", default=None,
                    help="time the vectorized model on this bundled scenario's c, phi and investment "
                         "instead (population scaled to each size; no naive baseline)")
    args = ap.parse_args()
    if args.scenario:
        return scenario_bench(args)
    naive_steps = args.naive_steps + [args.naive_steps[-1]] * (len(args.sizes) - len(args.naive_steps))

    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores; mesa {__import__('mesa').__version__}, "
          f"numpy {np.__version__}")
    print("| protégés | vectorized: setup + 1st step (s) | vectorized (protégé-rounds/s) "
          "| naive (protégé-rounds/s) | ratio | churn vectorized / naive |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, ns in zip(args.sizes, naive_steps):
        pop = population(n)
        vs, vf, vstep, vchurn = time_model(
            lambda: AllianceModel(**pop, c=C_DIST, delta=DELTA, record_events=False, rng=args.seed), args.steps
        )
        _, _, nstep, nchurn = time_model(
            lambda: ReferenceModel(**pop, c=C_DIST, phi=PHI, delta=DELTA, rng=args.seed), ns
        )
        v_rate, n_rate = n / vstep, n / nstep
        print(f"| {n:,} | {vs:.2f} + {vf:.2f} | {v_rate:,.0f} | {n_rate:,.0f} | {v_rate / n_rate:,.0f}x "
              f"| {vchurn:.3f} / {nchurn:.3f} |", flush=True)


def scenario_bench(args) -> None:
    from dataclasses import replace

    from scenarios.scenario import load_scenario

    base = load_scenario(args.scenario)
    print(f"# {args.scenario}: {'; '.join(line.strip() for line in base.describe()[1:])}")
    print("| protégés | setup + 1st step (s) | protégé-rounds/s |")
    print("|---:|---:|---:|")
    for n in args.sizes:
        pop = population(n)
        sc = replace(base, n_proteges=pop["n_proteges"], n_patrons=pop["n_patrons"], n_ad_hoc=pop["n_ad_hoc"])
        s, f, step, _ = time_model(lambda: sc.build_model(record_events=False, rng=args.seed), args.steps)
        print(f"| {n:,} | {s:.2f} + {f:.2f} | {n / step:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
