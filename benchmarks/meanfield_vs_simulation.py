"""The mean-field stationary state against a simulation's time averages, per group of powers.

    python benchmarks/meanfield_vs_simulation.py [SCENARIO] [--rounds 800] [--burn 200] [--batches 6]
                                                 [--seed S] [--load-discount L] [--c-nodes 24]

Runs the scenario (a bundled name or a file with a [system] table; ``--load-discount`` replaces
its system's) for ``--rounds`` rounds and prints, per group of powers (starting role, strength),
the mean-field mean load (agents.meanfield, from the same initial state) beside the simulated
load per power averaged over the rounds after ``--burn``, with a batch-means SE (``--batches``
equal batches of those rounds) and z; then the breakups per round, and the frozen frontier.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from agents.meanfield import meanfield_of
from scenarios.scenario import load_scenario


def main(argv=None) -> None:
    from tqdm import tqdm

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default="system_balancing")
    ap.add_argument("--rounds", type=int, default=800)
    ap.add_argument("--burn", type=int, default=200)
    ap.add_argument("--batches", type=int, default=6)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--load-discount", type=float, default=None)
    ap.add_argument("--c-nodes", type=int, default=24)
    args = ap.parse_args(argv)
    sc = load_scenario(args.scenario).with_overrides(seed=args.seed)
    if args.load_discount is not None:
        sc = replace(sc, system=replace(sc.system, load_discount=args.load_discount))
    model = sc.build_model(record_events=False)
    t0 = time.perf_counter()
    mf, group, roles = meanfield_of(model, c_nodes=args.c_nodes)
    st = mf.solve()
    _, lambda_f = meanfield_of(model, c_nodes=model.n_proteges)[0].frozen_frontier()
    t_mf = time.perf_counter() - t0
    loads, breakups = [], []
    t0 = time.perf_counter()
    for _ in tqdm(range(args.rounds), desc=sc.name, unit="round"):
        loads.append(model.system.loads(model.patron_of))
        model.step()
        breakups.append(model.datacollector.model_vars["breakups"][-1])
    t_sim = time.perf_counter() - t0
    loads = np.array(loads[args.burn:], dtype=float)
    usable = loads.shape[0] // args.batches * args.batches
    print(f"{sc.name}, seed {sc.seed}, load discount {sc.system.load_discount:g}: mean-field {t_mf:.1f} s"
          f" ({st.rounds} mean-field rounds{', chattering at a threshold' if st.chattering else ''}),"
          f" simulation {args.rounds} rounds {t_sim:.1f} s; averages over rounds {args.burn}..{args.rounds - 1},"
          f" SE from {args.batches} batch means")
    print(f"{'role':>7} {'strength':>8} {'powers':>6} {'mean-field':>10} {'simulated':>10} {'SE':>7} {'z':>6}")
    for g in range(st.load.size):
        per_round = loads[:usable, group == g].mean(axis=1)
        batch = per_round.reshape(args.batches, -1).mean(axis=1)
        se = batch.std(ddof=1) / np.sqrt(args.batches)
        z = (per_round.mean() - st.load[g]) / se if se > 1e-9 else float("nan")  # nan: nothing moved
        print(f"{roles[g]:>7} {st.strength[g]:>8.3g} {st.count[g]:>6} {st.load[g]:>10.3f} {per_round.mean():>10.3f}"
              f" {se:>7.3f} {z:>+6.1f}")
    b = np.array(breakups[args.burn:], dtype=float)[:usable].reshape(args.batches, -1).mean(axis=1)
    print(f"breakups per round: mean-field {st.breakups_per_round:.3f}, simulated {b.mean():.3f}"
          f" (SE {b.std(ddof=1) / np.sqrt(args.batches):.3f}); frozen frontier lambda_f = {lambda_f:.4g}")


if __name__ == "__main__":
    main()
