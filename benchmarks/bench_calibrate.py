"""Parameter recovery at a larger size than the test suite's, timed.

    python benchmarks/bench_calibrate.py [--seeds 5 6 7] [--workers 2] [--keep DIR]

For each seed: synthesize ATOP-format data from a scenario with known parameters (three
search-cost groups c = 0, 0.018, 0.04 with weights 0.6, 0.3, 0.1; 2,000 protégés for 30
rounds of 4 years), calibrate two parameters (the second group's search cost and the years per
round) from a larger simulation (4,000 protégés, 40 rounds, 2 replications, 24 points x 4
stages), and print each estimate, its 95% interval, whether the truth is inside, and the wall
time. Over seeds, the share of intervals holding the truth estimates their coverage (with few
seeds, roughly).

Only p(c_g) / years_per_round is identified per group (the model's hazard is constant within a
group), so the first group's c is known (0) here: fitting every group's c and the years per
round leaves a ridge of equally good fits (docs/validation.md).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

TRUTH = {"search_cost.values.1": 0.018, "calibration.years_per_round": 4.0}
RANGES = {"search_cost.values.1": [0.0, 0.025], "calibration.years_per_round": [1.0, 10.0]}


def scenario(name: str, seed: int, rounds: int, proteges: int, calibration: str = "") -> str:
    return f"""
name = "{name}"
seed = {seed}
rounds = {rounds}
[population]
proteges = {proteges}
patrons = 40
ad_hoc_partners = 120
[search_cost]
dist = "groups"
values = [0.0, 0.018, 0.04]
weights = [0.6, 0.3, 0.1]
[game]
delta = 0.99
phi = 1.1
[output]
events = false
[calibration]
years_per_round = 4.0
{calibration}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[5])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", default=None, help="keep the folders here (default: a temporary folder)")
    args = ap.parse_args()

    from scenarios import cli

    base = Path(args.keep or tempfile.mkdtemp(prefix="bench-calibrate-"))
    base.mkdir(parents=True, exist_ok=True)
    params = ", ".join(f'"{k}" = {v}' for k, v in RANGES.items())
    fit_table = f"parameters = {{ {params} }}\npoints = 24\nrefine = 3\nreplications = 2\nbootstrap = 400\n"
    print(f"{os.cpu_count()} CPUs; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    inside = total = 0
    for seed in args.seeds:
        folder = base / f"seed-{seed}"
        (folder / "truth.toml").parent.mkdir(parents=True, exist_ok=True)
        (folder / "truth.toml").write_text(scenario("truth", seed, 30, 2000))
        (folder / "fit.toml").write_text(scenario("fit", 1000 + seed, 40, 4000, fit_table))
        assert cli.main(["atop", "synthesize", str(folder / "truth.toml"), "--out", str(folder / "data")]) == 0
        t0 = time.perf_counter()
        code = cli.main(["calibrate", str(folder / "fit.toml"), "--data", str(folder / "data"),
                         "--out", str(folder / "fit"), "--workers", str(args.workers)])
        seconds = time.perf_counter() - t0
        assert code == 0
        fit = json.loads((folder / "fit" / "fit.json").read_text())
        print(f"seed {seed}: {seconds:.1f} s, {fit['design_points']} points x {fit['replications']} replications")
        for key, truth in TRUTH.items():
            p = fit["parameters"][key]
            ok = p["ci"][0] <= truth <= p["ci"][1]
            inside += ok
            total += 1
            print(f"  {key}: truth {truth:g}, estimate {p['estimate']:.4g}, 95% interval"
                  f" {p['ci'][0]:.4g} - {p['ci'][1]:.4g} {'(inside)' if ok else '(OUTSIDE)'}")
    print(f"{inside} of {total} intervals hold the truth")
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
