"""Time the alliance system's behaviours: learned beliefs, strategic offers, chosen integration.

    python benchmarks/bench_system_behaviour.py [--rounds 50] [--large-rounds 10]

1. The bundled scenarios system_learning, system_strategic and system_integration (150
   protégés, 12 powers), ``--rounds`` rounds each, no events: CPU seconds per round and
   protégé-rounds per CPU second (system_strategic's first round solves its equilibria once,
   so it is reported apart).
2. Learned beliefs at the issue's first speed goal's size (10,000 protégés, 100 powers, pool
   "all", 20 levels of c, strengths 1 or 0.6, load discount 0.01, memory 5): one believed F
   for all alliances, so a round solves only the distinct (phi, c) points; ``--large-rounds``
   timed rounds after one untimed one, protégé-rounds/s of wall and CPU time.
CPU time (``time.process_time``) is reported because the machine may be shared.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from agents.distributions import CostDistribution
from agents.model import AllianceModel
from agents.system import SystemSpec
from scenarios.scenario import load_scenario


def _time(model, rounds):
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        model.step()
    return time.process_time() - cpu, time.perf_counter() - wall


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--large-rounds", type=int, default=10)
    args = ap.parse_args(argv)
    print(f"{platform.machine()}, Python {platform.python_version()}, numpy {np.__version__},"
          f" {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    for name in ("system_learning", "system_strategic", "system_integration"):
        sc = load_scenario(name)
        model = AllianceModel(**{**sc.model_kwargs(), "record_events": False})
        first, _ = _time(model, 1)
        cpu, wall = _time(model, args.rounds)
        n = sc.n_proteges
        print(f"{name}: first round {first:.2f} s CPU; then {cpu / args.rounds * 1e3:.1f} ms CPU a round"
              f" ({n * args.rounds / cpu:,.0f} protégé-rounds per CPU second; wall {wall:.1f} s)")
    spec = SystemSpec(strength=CostDistribution("groups", values=(1.0, 0.6), weights=(1, 1)),
                      load_discount=0.01, pool="all", beliefs="learned", memory=5)
    c = CostDistribution("groups", values=tuple(np.linspace(0.001, 0.04, 20)), weights=(1,) * 20)
    model = AllianceModel(n_proteges=10_000, n_patrons=50, n_ad_hoc=50, c=c, delta=0.99, record_events=False,
                          rng=1, system=spec)
    _time(model, 1)
    cpu, wall = _time(model, args.large_rounds)
    n = 10_000 * args.large_rounds
    print(f"learned beliefs, 10,000 protégés, 100 powers: {n / wall:,.0f} protégé-rounds/s"
          f" ({n / cpu:,.0f} per CPU second), {args.large_rounds} rounds")


if __name__ == "__main__":
    main()
