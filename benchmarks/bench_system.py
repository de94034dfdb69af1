"""Time the alliance system (agents.system): protégé-rounds per second of AllianceModel with a system.

    python benchmarks/bench_system.py [--proteges 10000] [--powers 100] [--rounds 10] [--pool all]
                                      [--load-discount 0.01] [--profile]

The issue's first speed goal: 10,000 protégés, 100 powers (half patrons at the start, half ad
hoc partners), 20 distinct levels of c in [0.001, 0.04], strengths 1 or 0.6, truthful offers,
known beliefs, phi = 1.1, delta = 0.99, no events recorded. One untimed warm-up round, then
``--rounds`` timed rounds; the options change every round with the loads, so every round is
re-solved. Prints protégé-rounds/s and where a round's time goes: the beliefs (building the
distinct F's), the piecewise solve of the round's distinct (F, phi, c, b) points, the
system's metrics, and the rest (partners, offers, the round, bookkeeping). ``--profile``
adds cProfile's top functions.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import time

import numpy as np

from agents.distributions import CostDistribution
from agents.game import distinct_points
from agents.model import AllianceModel
from agents.system import SystemSpec
from analytic import piecewise


def build(n_proteges: int, n_powers: int, pool: str, load_discount: float, seed: int = 1) -> AllianceModel:
    spec = SystemSpec(strength=CostDistribution("groups", values=(1.0, 0.6), weights=(1, 1)),
                      load_discount=load_discount, pool=pool)
    c = CostDistribution("groups", values=tuple(np.linspace(0.001, 0.04, 20)), weights=(1,) * 20)
    half = n_powers // 2
    return AllianceModel(n_proteges=n_proteges, n_patrons=half, n_ad_hoc=n_powers - half, c=c, delta=0.99,
                         record_events=False, rng=seed, system=spec)


def split(model: AllianceModel) -> dict[str, float]:
    """Seconds of one round's system work on the current state, by part (not advancing the model)."""
    system, out = model.system, {}
    t0 = time.perf_counter()
    load = system.loads(model.patron_of)
    F, row = system.beliefs(model.patron_of, load)
    out["beliefs"] = time.perf_counter() - t0
    n = model.n_proteges
    b = system.patron_benefits(model.patron_of, load)
    key = np.empty(n, dtype=[("f", np.int64), ("c", float), ("b", float)])
    key["f"], key["c"], key["b"] = row, model.c, b
    uk, _ = distinct_points(key)  # as PowerSystem.round_policy finds them
    t0 = time.perf_counter()
    piecewise.solve_many(F.take(uk["f"]), 1.1, uk["c"], model.delta, uk["b"], strategies=True)
    out["solve"] = time.perf_counter() - t0
    out["points"] = uk.size
    out["distinct_F"] = len(F)
    out["knots"] = F.knots.shape[1]
    t0 = time.perf_counter()
    system.round_metrics(model.patron_of, (F, row))
    out["metrics"] = time.perf_counter() - t0
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proteges", type=int, default=10_000)
    ap.add_argument("--powers", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--pool", default="all", choices=("ad_hoc", "all"))
    ap.add_argument("--load-discount", type=float, default=0.01)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    model = build(args.proteges, args.powers, args.pool, args.load_discount)
    model.step()  # warm-up
    prof = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    for _ in range(args.rounds):
        model.step()
    if prof:
        prof.disable()
    seconds = time.perf_counter() - t0
    parts = split(model)
    per_round = seconds / args.rounds
    rate = args.proteges * args.rounds / seconds
    print(f"{args.proteges:,} protégés, {args.powers} powers, pool {args.pool}, load discount {args.load_discount:g},"
          f" 20 c levels: {rate:,.0f} protégé-rounds/s ({per_round * 1e3:.0f} ms a round)")
    print(f"  a round's system work (the state at the end): {parts['distinct_F']} distinct F's of"
          f" {parts['knots']} knots, {parts['points']} points;"
          f" beliefs {parts['beliefs'] * 1e3:.0f} ms, piecewise solve {parts['solve'] * 1e3:.0f} ms,"
          f" metrics {parts['metrics'] * 1e3:.0f} ms;"
          f" the rest {max(per_round - parts['beliefs'] - parts['solve'] - parts['metrics'], 0) * 1e3:.0f} ms")
    steps = model.steps_table().to_pandas()
    print(f"  breakups per round {steps['breakups'].mean():.0f}, effective poles at the end"
          f" {steps['effective_poles'].iloc[-1]:.1f}")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
