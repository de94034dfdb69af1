"""Protégé-rounds per second of the population model, against a one-agent-at-a-time Mesa model.

    python benchmarks/bench_model.py [--sizes 1000 10000 100000] [--steps 20] [--naive-steps 10 3 1]

Both models play the same round (phi = 1.1, delta = .99, c ~ 0.1 * Beta(2, 3)
fixed per protégé, as in scenarios/baseline.toml; one patron per 50 protégés, an
ad hoc pool of one per 10) and collect the same per-step metrics with a Mesa
DataCollector; events are not recorded.

* vectorized: ``agents.AllianceModel`` (arrays, one batch call per round).
* naive: ``NaiveModel`` below, where every ``NaiveProtege`` plays its own round
  in ``step()`` with scalar calls to the same ``analytic`` strategy functions and
  the metrics are computed by looping over the agents.

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
from mesa import Agent, Model
from mesa.datacollection import DataCollector

import analytic
from agents import AllianceModel, CostDistribution
from agents.model import METRICS

PHI, DELTA = 1.1, 0.99
C_DIST = CostDistribution("beta", low=0.0, high=0.1, a=2.0, b=3.0)


def population(n: int) -> dict:
    return dict(n_proteges=n, n_patrons=max(n // 50, 1), n_ad_hoc=max(n // 10, 3))


# --------------------------------------------------------------- the naive model
class NaivePower(Agent):
    """A patron or ad hoc partner; it only keeps score."""

    def __init__(self, model, outsider: bool):
        super().__init__(model)
        self.outsider = outsider
        self.contributions = 0.0


class NaiveProtege(Agent):
    """A protégé that plays its own round of the game in step()."""

    def __init__(self, model, c: float, patron: NaivePower, r1: float, first_move: str):
        super().__init__(model)
        self.c_start = self.c = c
        self.patron = patron
        self.r1, self.first_move = r1, first_move
        self.age = 0
        self.outcome = self.contribution = self.searched = self.payoff = None

    def draw_partner(self, exclude):
        while True:
            p = self.model.outsiders[int(self.model.rng.integers(len(self.model.outsiders)))]
            if p not in exclude:
                return p

    def step(self):
        m, phi, c, d = self.model, PHI, self.c, DELTA
        rng = m.rng
        self.age += 1
        self.searched = False
        taken, source, period, cost = None, None, 1, 0.0
        x1, p1 = 0.0, None
        if self.first_move == "accept":
            taken, source = self.r1, "patron"
        else:
            if self.first_move == "search":
                self.searched, cost = True, c
                p1 = self.draw_partner({self.patron})
                x1 = float(rng.random())
                g = float(analytic.protege_reservation_period1(x1, phi, c, d))
                if max(self.r1, x1) >= g:
                    taken, source = (x1, p1) if x1 >= self.r1 else (self.r1, "patron")
            if taken is None:
                period = 2
                r2 = float(analytic.patron_offer_period2(x1, phi, c, d))
                s_bar = max(x1, r2, phi - 1)
                taken, source = (r2, "patron") if r2 >= x1 else (x1, p1)
                if bool(analytic.protege_searches_period2(s_bar, c)):
                    self.searched, cost = True, cost + d * c
                    p2 = self.draw_partner({self.patron, p1})
                    x2 = float(rng.random())
                    if x2 >= taken:
                        taken, source = x2, p2
                if taken < phi - 1:
                    taken, source = None, None
        disc = d if period == 2 else 1.0
        self.contribution = taken if source == "patron" else None
        self.payoff = (disc * (1 - phi + taken) if taken is not None else 0.0) - cost
        self.patron_payoff = disc * (1 - taken) if source == "patron" else 0.0
        if source == "patron":
            self.outcome = "alliance"
            self.patron.contributions += taken
        elif source is None:
            self.outcome = "none"
        else:
            self.outcome = "breakup"
            self.patron, self.c, self.age = source, self.c_start, 0


class NaiveModel(Model):
    """The same round, one protégé at a time."""

    def __init__(self, n_proteges, n_patrons, n_ad_hoc, rng=None):
        super().__init__(rng=rng)
        patrons = [NaivePower(self, False) for _ in range(n_patrons)]
        self.outsiders = [NaivePower(self, True) for _ in range(n_ad_hoc)]
        c = C_DIST.draw(n_proteges, self.rng)
        eq = analytic.solve_many(phi=PHI, c=c, delta=DELTA)  # setup, shared with the fast model
        self.proteges = [
            NaiveProtege(self, float(ci), patrons[i % n_patrons], float(r1), str(mv))
            for i, (ci, r1, mv) in enumerate(zip(c, eq["r1"], eq["first_move"]))
        ]
        self.datacollector = DataCollector(model_reporters={k: (lambda m, k=k: m.metrics[k]) for k in METRICS})

    def step(self):
        for p in self.proteges:
            p.step()
        ps = self.proteges
        n = len(ps)
        contr = [p.contribution for p in ps if p.contribution is not None]
        cs = sorted(p.c for p in ps)
        self.metrics = {
            "alliances": n,
            "acted": len(contr),
            "breakups": sum(p.outcome == "breakup" for p in ps),
            "none": sum(p.outcome == "none" for p in ps),
            "churn_rate": sum(p.outcome == "breakup" for p in ps) / n,
            "phi": PHI,
            "c_mean": sum(cs) / n,
            "c_q25": cs[(n - 1) // 4],
            "c_median": cs[(n - 1) // 2],
            "c_q75": cs[3 * (n - 1) // 4],
            "mean_alliance_age": sum(p.age for p in ps) / n,
            "share_searching": sum(p.searched for p in ps) / n,
            "share_accept": sum(p.first_move == "accept" for p in ps) / n,
            "share_search": sum(p.first_move == "search" for p in ps) / n,
            "share_delay": sum(p.first_move == "delay" for p in ps) / n,
            "mean_contribution": sum(contr) / len(contr) if contr else float("nan"),
            "free_riding_gap": sum(x - (PHI - 1) for x in contr) / len(contr) if contr else float("nan"),
            "mean_protege_payoff": sum(p.payoff for p in ps) / n,
            "mean_patron_payoff": sum(p.patron_payoff for p in ps) / n,
        }
        self.datacollector.collect(self)


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
        _, _, nstep, nchurn = time_model(lambda: NaiveModel(**pop, rng=args.seed), ns)
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
