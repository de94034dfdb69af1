"""Time ``alliances run`` of a small scenario, and say where the time beyond the model goes.

    python benchmarks/bench_run.py [--repeat 5] [--no-plots]

The small scenario is the bundled ``search_costs`` sweep's base scenario without its
``[sweep]`` (500 protégés, 80 rounds, events off), the run a sweep of small runs is made of.
Prints the median wall time of ``alliances run`` as a user runs it (a fresh process each time,
tables and plots written), the model's own time (building and stepping it, in the same process
as the parts below) and their difference, the goal of issue 13 being under 2 s; then the parts,
timed one after the other in a fresh process as ``alliances run`` does them: Python's start,
the CLI's imports and parser, the scenario's imports and file, the model, the tables and
run.json, the plotting imports, the plots and the summary lines (medians over ``--repeat``
processes); what is left of the wall time is the budget check, the progress bar, printing and
Python's shutdown.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: the parts of a run, timed one after the other in a fresh process (argv: scenario, out, plots)
_PARTS = r"""
import json, sys, time
t = [time.perf_counter()]
def mark():
    t.append(time.perf_counter())
import scenarios.cli
scenarios.cli.build_parser()
mark()
from scenarios.run.runner import RunResult, summary_lines, write_outputs
from scenarios.scenario import load_scenario
sc = load_scenario(sys.argv[1])
mark()
model = sc.build_model()
for _ in range(sc.rounds):
    model.step()
mark()
from pathlib import Path
result = RunResult(scenario=sc, out=Path(sys.argv[2]), model=model, seconds=t[-1] - t[-2])
write_outputs(result, plots=False)
mark()
plots = sys.argv[3] == "1"
if plots:
    from scenarios.output.run_plots import make_plots
    from scenarios.output.style import themed_pyplot
    themed_pyplot()
mark()
if plots:
    from scenarios.run.runner import run_tables
    make_plots(Path(sys.argv[2]), sc, run_tables(model))
mark()
summary_lines(result)
mark()
names = ["CLI imports and parser", "scenario imports and file", "model (build and step)",
         "tables and run.json", "plotting imports", "plots", "summary lines"]
print(json.dumps(dict(zip(names, [b - a for a, b in zip(t, t[1:])]))))
"""


def small_scenario(root: Path) -> Path:
    """The ``search_costs`` sweep's base scenario, without its ``[sweep]``, as a file in ``root``."""
    text = (ROOT / "scenarios" / "sweeps" / "search_costs.toml").read_text()
    path = root / "small.toml"
    path.write_text(re.split(r"(?m)^\[sweep", text)[0])
    return path


def wall(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="processes per figure (medians; default 5)")
    ap.add_argument("--no-plots", action="store_true", help="time `alliances run --no-plots`")
    args = ap.parse_args()
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    root = Path(tempfile.mkdtemp(prefix="bench-run-"))
    try:
        path = small_scenario(root)
        out = root / "out"
        cli = [sys.executable, "-m", "scenarios.cli", "run", str(path), "--out", str(out), "--force"]
        cli += ["--no-plots"] if args.no_plots else []
        print(f"alliances run of {path.name} (500 protégés, 80 rounds, events off, "
              f"{'no plots' if args.no_plots else 'plots'}); {os.cpu_count()} CPUs, Python "
              f"{sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}", flush=True)
        wall(cli, env)  # warm the file cache and the bytecode
        walls = [wall(cli, env) for _ in range(args.repeat)]
        starts = [wall([sys.executable, "-c", "pass"], env) for _ in range(args.repeat)]
        parts = []
        for _ in range(args.repeat):
            p = subprocess.run([sys.executable, "-c", _PARTS, str(path), str(out), "0" if args.no_plots else "1"],
                               check=True, env=env, capture_output=True, text=True)
            parts.append(json.loads(p.stdout.strip().splitlines()[-1]))
        med = {k: statistics.median(p[k] for p in parts) for k in parts[0]}
        total, model = statistics.median(walls), med["model (build and step)"]
        print(f"  alliances run: {total:.2f} s wall (median of {args.repeat}; "
              f"{min(walls):.2f}-{max(walls):.2f}); the model {model:.2f} s")
        print(f"RESULT beyond the model: {total - model:.2f} s (goal < 2 s)")
        start = statistics.median(starts)
        print("  where it goes (medians, s):")
        print(f"    {'Python start':28s} {start:.2f}")
        for name, sec in med.items():
            print(f"    {name:28s} {sec:.2f}")
        print(f"    {'the rest':28s} {total - start - sum(med.values()):.2f}"
              "  (budget check, progress bar, printing, Python's shutdown; the parts are medians"
              " of other processes, so this is good to a few hundredths of a second)")
        print(f"  load average after: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
