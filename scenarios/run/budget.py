"""What a command will need, estimated before it starts: refuse what cannot fit in memory,
warn on what will take very long.

The rates below were measured on the development machine (2 cores, Python 3.11, the paper's
game; docs/performance.md) and rounded up; they are meant to catch sizes that are off by
orders of magnitude (10^7 grid points, 10^9 protégés), not to predict to the second. The
game variants with numeric solvers (strategic outsiders, other offer distributions) take
longer than the estimate.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

#: the flag every sized command takes to skip the memory check
OVERRIDE = "--no-size-check"
#: a command estimated to take longer than this is warned about (seconds)
LONG = 300.0
#: what an interpreter with numpy, pandas, mesa and matplotlib loaded takes before any work
BASE_BYTES = 300e6

# measured: 7 KB and 110 us a grid point for `alliances figure` (equilibria, the table, the plot)
FIGURE_BYTES_PER_POINT = 8e3
FIGURE_SECONDS_PER_POINT = 120e-6
# measured: 8 KB per protégé (arrays, Mesa agent, spells), 0.7-1.1 KB per patron or ad hoc
# partner, 300 B per recorded event (one alliance-round), 1-4 us per protégé-round
PROTEGE_BYTES = 10e3
PATRON_BYTES = 1.5e3
AD_HOC_BYTES = 1.5e3
EVENT_BYTES = 400.0
SECONDS_PER_PROTEGE_ROUND = 3e-6
SECONDS_PER_AGENT = 20e-6
# measured: 1.7 KB and 0.3 ms to plan one sweep run; its manifest and summary rows besides
PLAN_BYTES_PER_RUN = 4e3
PLAN_SECONDS_PER_RUN = 0.5e-3


@dataclass(frozen=True)
class Estimate:
    """What a piece of work asks for and what it is expected to need."""

    asked: str
    bytes: float
    seconds: float

    def __add__(self, other: "Estimate") -> "Estimate":
        return Estimate(f"{self.asked}; {other.asked}", self.bytes + other.bytes, self.seconds + other.seconds)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def human_seconds(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.0f} days"


def available_memory() -> float:
    """Bytes this process can still allocate: the system's available memory, capped by a cgroup limit."""
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = float(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if avail is None:
        try:
            avail = float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return float("inf")
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = float(f.read().strip())
        if limit != "max":
            avail = min(avail, float(limit) - used)
    except (OSError, ValueError):
        pass
    return avail


def check(est: Estimate, enforce: bool = True, warn: bool = True, available: float | None = None) -> None:
    """Refuse (ValueError, one line) what cannot fit in memory unless ``enforce`` is False;
    warn on stderr (if ``warn``) on what is expected to take longer than :data:`LONG`."""
    avail = available_memory() if available is None else available
    if enforce and est.bytes > avail:
        raise ValueError(f"{est.asked} needs about {human_bytes(est.bytes)} of memory, but"
                         f" {human_bytes(avail)} is available; make it smaller, or pass {OVERRIDE} to try anyway")
    if warn and est.seconds > LONG:
        print(f"alliances: warning: {est.asked} will take about {human_seconds(est.seconds)}"
              f" (estimated); Ctrl-C stops it", file=sys.stderr, flush=True)


def figure_estimate(points: int) -> Estimate:
    """``alliances figure --points N``."""
    return Estimate(f"--points {points}", BASE_BYTES + FIGURE_BYTES_PER_POINT * points,
                    FIGURE_SECONDS_PER_POINT * points)


def grid_estimate(points: int, curves: int, seconds_per_point: float) -> Estimate:
    """An extension study: ``curves`` curves of ``points`` search costs each."""
    return Estimate(f"--points {points} x {curves} curve{'s' * (curves != 1)}",
                    BASE_BYTES + FIGURE_BYTES_PER_POINT * points * curves,
                    seconds_per_point * points * curves)


def run_bytes(proteges: int, patrons: int, ad_hoc: int, rounds: int, events: bool) -> float:
    """Memory one run of a population of these sizes needs (without the interpreter's own)."""
    return (PROTEGE_BYTES * proteges + PATRON_BYTES * patrons + AD_HOC_BYTES * ad_hoc
            + (EVENT_BYTES * proteges * rounds if events else 0.0))


def run_seconds(proteges: int, patrons: int, ad_hoc: int, rounds: int) -> float:
    return SECONDS_PER_PROTEGE_ROUND * proteges * rounds + SECONDS_PER_AGENT * (proteges + patrons + ad_hoc)


def scenario_estimate(sc) -> Estimate:
    """One run of a :class:`~scenarios.scenario.Scenario`."""
    sizes = (sc.n_proteges, sc.n_patrons, sc.n_ad_hoc)
    return Estimate(
        f"scenario {sc.name}: {sc.n_proteges} protégés, {sc.n_patrons} patrons, {sc.n_ad_hoc} ad hoc partners,"
        f" {sc.rounds} rounds{' with events' if sc.record_events else ''}",
        BASE_BYTES + run_bytes(*sizes, sc.rounds, sc.record_events), run_seconds(*sizes, sc.rounds))


def plan_estimate(n_runs: int) -> Estimate:
    """Planning a sweep of ``n_runs`` runs (before any runs)."""
    return Estimate(f"a sweep of {n_runs} runs", BASE_BYTES + PLAN_BYTES_PER_RUN * n_runs,
                    PLAN_SECONDS_PER_RUN * n_runs)


def sweep_estimate(plan, workers: int) -> Estimate:
    """Running ``plan``'s runs on ``workers`` processes at once: the plan in the driver, the
    largest run on each worker (and its result once more in the driver)."""
    biggest, total = 0.0, 0.0
    for r in plan.runs:  # (from the runs' validated data: parsing every run again would be slow)
        pop = r.data["population"]
        sizes = (pop["proteges"], pop["patrons"], pop["ad_hoc_partners"])
        events = r.data.get("output", {}).get("events", True)
        biggest = max(biggest, run_bytes(*sizes, r.data["rounds"], events))
        total += run_seconds(*sizes, r.data["rounds"])
    n = len(plan.runs)
    return Estimate(
        f"sweep {plan.name}: {n} runs on {workers} worker{'s' * (workers != 1)}",
        BASE_BYTES + PLAN_BYTES_PER_RUN * n + workers * (BASE_BYTES + 2 * biggest),
        total / max(1, workers))


def calibration_estimate(sc, workers: int) -> Estimate:
    """``alliances calibrate`` of a scenario with a [calibration] table: every stage's design
    points and the final point, each run ``replications`` times (with the scenario's sizes: a
    fit may not move them) on ``workers`` processes, the runs' spells kept in the driver."""
    fit = sc.calibration
    runs = ((fit["refine"] + 1) * fit["points"] + 1) * fit["replications"]
    sizes = (sc.n_proteges, sc.n_patrons, sc.n_ad_hoc)
    one = run_bytes(*sizes, sc.rounds, sc.record_events)
    return Estimate(
        f"calibration of {sc.name}: {runs} runs ({fit['refine'] + 1} stages of {fit['points']} points and the"
        f" estimate, x {fit['replications']} replications) on {workers} worker{'s' * (workers != 1)}",
        BASE_BYTES + PLAN_BYTES_PER_RUN * runs + workers * (BASE_BYTES + 2 * one),
        runs * run_seconds(*sizes, sc.rounds) / max(1, workers))


__all__ = ["Estimate", "check", "available_memory", "figure_estimate", "grid_estimate", "scenario_estimate",
           "plan_estimate", "sweep_estimate", "calibration_estimate", "OVERRIDE", "LONG"]
