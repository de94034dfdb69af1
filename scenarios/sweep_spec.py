"""The ``[sweep]`` table of a scenario file: parse, validate, expand into runs.

A sweep file is a scenario file (see ``scenarios/scenario.py``) plus a table::

    [sweep]
    replications = 4                  # runs per design point (integer >= 1)

    [sweep.grid]                      # full factorial over these values
    "search_cost.high" = [0.02, 0.04, 0.06]             # a list of values
    "game.delta" = { low = 0.9, high = 0.99, num = 4 }  # a range: num evenly spaced values
    investment = [ { rule = "none" }, { rule = "accumulate", step = 0.0025, cap = 0.05 } ]

    [sweep.sample]                    # a sampled design (scipy.stats.qmc)
    method = "lhs"                    # "lhs" (Latin hypercube) or "sobol"
    n = 16                            # points (a power of 2 for sobol)
    [sweep.sample.ranges]
    "game.phi" = [1.05, 1.4]          # [low, high]; integers if both bounds are integers

A sensitivity design (SALib; not crossed with a grid) instead of lhs/sobol::

    [sweep.sample]
    method = "saltelli"               # Saltelli's scheme for Sobol indices: n * (d + 2) points
    n = 64                            # the base sample, a power of 2
    calc_second_order = false         # true: n * (2d + 2) points (default false)
    # or: method = "morris", trajectories = 10, levels = 4   (trajectories * (d + 1) points)

Keys are the scenario file's dotted key names (quoted, or as nested tables).
Grid and sample may be combined: every grid combination is crossed with the
sampled points. With neither, the sweep is ``replications`` runs of the file's
scenario as it stands.

Seeds: ``SeedSequence(seed).spawn(2)`` gives one stream for the sampled design
and one for the runs; the runs' stream is spawned once per design point and
that once per replication, so a run's seed depends only on the root seed, its
point and its replication. Every expanded run is validated by
``scenarios.scenario.parse_scenario``, the scenario files' own validator.
Bad input raises ``ValueError`` with one line naming the file and the key.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.run import budget

from scenarios.scenario import (
    is_number,
    SCENARIO_DIR,
    Scenario,
    bundled_scenarios,
    find_toml,
    parse_scenario,
    read_toml,
    resolve,
    scenario_keys,
)

#: where bundled sweep files live (``alliances sweep NAME`` looks here first)
SWEEP_DIR = SCENARIO_DIR / "sweeps"
SWEEP_KEYS = ("replications", "grid", "sample")
#: the keys of [sweep.sample] for each method
SAMPLE_KEYS = {"lhs": ("method", "n", "ranges"), "sobol": ("method", "n", "ranges"),
               "saltelli": ("method", "n", "calc_second_order", "ranges"),
               "morris": ("method", "trajectories", "levels", "ranges")}
METHODS = tuple(SAMPLE_KEYS)
#: the designs made for sensitivity indices (``alliances analyze``), each with its SALib sampler
SENSITIVITY_METHODS = ("saltelli", "morris")
RANGE_KEYS = ("low", "high", "num")
FORMAT = 1  # bump when the meaning of a run spec changes


# ------------------------------------------------------------------ the schema
def _schema() -> dict[str, tuple[str, ...]]:
    """Dotted table name -> the keys a sweep may set under it: the scenario file's, but the
    name and the seed."""
    keys = scenario_keys()
    keys[""] = tuple(k for k in keys[""] if k not in ("name", "seed"))
    return keys


def check_key(path: str, where: str, key: str) -> None:
    """Raise ValueError unless ``key`` (dotted) names something a scenario file can hold.

    Checked against the loader's own key lists down to the tables this module
    knows; anything deeper (e.g. a free-form parameter table) is left to
    ``parse_scenario``, which validates every expanded run anyway.
    """
    if key in ("seed",):
        raise ValueError(f"{path}: {where}: seed: cannot be swept; every run's seed derives from the "
                         f"scenario's seed (use sweep.replications for more runs per point)")
    if key == "name":
        raise ValueError(f"{path}: {where}: name: cannot be swept")
    schema = _schema()
    parts = key.split(".")
    prefix = ""
    for part in parts:
        if prefix not in schema:
            return
        allowed = schema[prefix]
        if part not in allowed:
            under = f" under {prefix}" if prefix else ""
            raise ValueError(f"{path}: {where}: {key}: unknown scenario key; allowed{under}: {', '.join(allowed)}")
        prefix = f"{prefix}.{part}" if prefix else part


# ------------------------------------------------------------------ values
def _is_range(v) -> bool:
    """A ``{low, high, num}`` table of plain values (a table of lists is a nested table of keys)."""
    return (isinstance(v, dict) and bool(v) and set(v) <= set(RANGE_KEYS)
            and not any(isinstance(x, (list, dict)) for x in v.values()))


def _flatten(table: dict, prefix: str = "") -> dict[str, Any]:
    """Nested tables -> dotted keys; a ``{low, high, num}`` range or a list is a leaf."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and not _is_range(v):
            out.update(_flatten(v, key))
        else:
            out[key] = v
    return out


def _grid_values(path: str, key: str, v) -> list:
    where = f"sweep.grid.{key}"
    if isinstance(v, list):
        if not v:
            raise ValueError(f"{path}: {where}: empty list; give at least one value")
        return list(v)
    if _is_range(v):
        missing = [k for k in RANGE_KEYS if k not in v]
        if missing:
            raise ValueError(f"{path}: {where}: a range needs low, high and num; missing {', '.join(missing)}")
        lo, hi, num = v["low"], v["high"], v["num"]
        if not (is_number(lo) and is_number(hi)):
            raise ValueError(f"{path}: {where}: low and high must be numbers, got {lo!r} and {hi!r}")
        if isinstance(num, bool) or not isinstance(num, int) or num < 1:
            raise ValueError(f"{path}: {where}: empty range; num must be an integer >= 1, got {num!r}")
        if hi < lo:
            raise ValueError(f"{path}: {where}: empty range; high ({hi}) is below low ({lo})")
        if num == 1 and hi != lo:
            raise ValueError(f"{path}: {where}: num = 1 needs low = high; give num >= 2 for a range")
        values = np.linspace(lo, hi, num) if num > 1 else np.array([lo], dtype=float)
        if isinstance(lo, int) and isinstance(hi, int) and np.all(values == np.round(values)):
            return [int(round(x)) for x in values]
        return [float(x) for x in values]
    raise ValueError(f"{path}: {where}: must be a list of values or a range {{ low, high, num }}, got {v!r}")


def _sample_range(path: str, key: str, v) -> tuple:
    where = f"sweep.sample.ranges.{key}"
    if isinstance(v, dict) and set(v) == {"low", "high"}:
        v = [v["low"], v["high"]]
    if not (isinstance(v, list) and len(v) == 2 and all(is_number(x) for x in v)):
        raise ValueError(f"{path}: {where}: must be [low, high] (two numbers), got {v!r}")
    lo, hi = v
    if not hi > lo:
        raise ValueError(f"{path}: {where}: empty range; high ({hi}) must be above low ({lo})")
    return lo, hi


def format_value(v) -> Any:
    """A parameter value as a summary-table cell: scalars as they are, tables/lists as compact text."""
    if isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {format_value(x) if not isinstance(x, str) else json.dumps(x)}"
                               for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(str(format_value(x)) for x in v) + "]"
    return str(v)


def canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str, allow_nan=False)


def sha256_of(obj) -> str:
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def _set(data: dict, key: str, value, path: str) -> None:
    parts = key.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        elif not isinstance(nxt, dict):
            where = ".".join(parts[: i + 1])
            raise ValueError(f"{path}: sweep: {key}: {where} is {nxt!r} in the scenario, not a table;"
                             f" sweep {where} as a whole instead")
        node = nxt
    node[parts[-1]] = copy.deepcopy(value)


def apply_params(data: dict, params: dict, path: str, where: str = "overrides") -> dict:
    """A copy of the parsed scenario file ``data`` with ``params`` (dotted key -> value) set,
    every key checked as a swept key is (``where`` names them in the one-line error)."""
    keys = list(params)
    for k in keys:
        check_key(path, where, k)
    for a, b in itertools.combinations(keys, 2):
        if a.startswith(b + ".") or b.startswith(a + "."):
            raise ValueError(f"{path}: {where}: {b}: overlaps {a}; set one of them")
    out = copy.deepcopy(data)
    for k, v in params.items():
        _set(out, k, v, path)
    return out


# ------------------------------------------------------------------ the plan
@dataclass(frozen=True)
class RunSpec:
    """One planned run: its design point, replication, seed and full scenario table."""

    run_id: str
    index: int
    point: int
    replication: int
    seed: int
    params: dict
    data: dict
    spec_hash: str

    @property
    def label(self) -> str:
        """The scenario 'path' the run is built with (not a file: nothing is copied from it)."""
        return f"{self.data.get('name', 'sweep')}[run {self.run_id}]"

    def scenario(self) -> Scenario:
        return parse_scenario(copy.deepcopy(self.data), self.label)


@dataclass(frozen=True)
class SweepPlan:
    name: str
    path: str
    scenario_hash: str
    root_seed: int
    replications: int
    keys: tuple[str, ...]
    design: dict
    runs: tuple[RunSpec, ...]


def _seeds(root_seed: int, n_points: int, reps: int) -> tuple[np.random.SeedSequence, list[list[int]]]:
    design_ss, runs_ss = np.random.SeedSequence(root_seed).spawn(2)
    seeds = []
    for pss in runs_ss.spawn(n_points):
        row = []
        for rss in pss.spawn(reps):
            hi, lo = (int(x) for x in rss.generate_state(2, dtype=np.uint32))
            row.append(((hi << 32) | lo) & (2**63 - 1))
        seeds.append(row)
    return design_ss, seeds


def _power_of_two(n) -> bool:
    return n >= 1 and not n & (n - 1)


def _positive_int(path: str, key: str, v, what: str, lo: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ValueError(f"{path}: sweep.sample.{key}: must be an integer >= {lo} ({what}), got {v!r}")
    return v


def _sample_points(path: str, spec, root_seed: int) -> tuple[list[str], list[dict], dict]:
    if not isinstance(spec, dict):
        raise ValueError(f"{path}: sweep.sample: must be a table (method, n, ranges), got {spec!r}")
    method = spec.get("method", "lhs")
    if method not in METHODS:
        raise ValueError(f"{path}: sweep.sample.method: must be one of {', '.join(METHODS)}, got {method!r}")
    for k in spec:
        if k not in SAMPLE_KEYS[method]:
            raise ValueError(f"{path}: sweep.sample.{k}: unknown key for method = {method!r}; allowed:"
                             f" {', '.join(SAMPLE_KEYS[method])}")
    meta: dict = {"method": method}
    if method == "morris":
        meta["trajectories"] = _positive_int(path, "trajectories", spec.get("trajectories"),
                                             "the number of Morris trajectories", lo=2)
        meta["levels"] = _positive_int(path, "levels", spec.get("levels", 4), "the Morris grid's levels", lo=2)
    else:
        n = _positive_int(path, "n", spec.get("n"), "the number of sampled points" if method in ("lhs", "sobol")
                          else "the Saltelli base sample")
        if method in ("sobol", "saltelli") and not _power_of_two(n):
            raise ValueError(f"{path}: sweep.sample.n: must be a power of 2 for method = {method!r}, got {n}")
        meta["n"] = n
        if method == "saltelli":
            second = spec.get("calc_second_order", False)
            if not isinstance(second, bool):
                raise ValueError(f"{path}: sweep.sample.calc_second_order: must be true or false, got {second!r}")
            meta["calc_second_order"] = second
    ranges = spec.get("ranges")
    if not isinstance(ranges, dict) or not ranges:
        raise ValueError(f"{path}: sweep.sample.ranges: must be a non-empty table of key = [low, high]")
    flat = _flatten(ranges)
    keys = list(flat)
    for k in keys:
        check_key(path, "sweep.sample.ranges", k)
    bounds = [_sample_range(path, k, flat[k]) for k in keys]
    return keys, bounds, meta


def design_points(meta: dict, d: int) -> int:
    """The number of points a sampled design of ``d`` parameters has."""
    if meta["method"] == "saltelli":
        return meta["n"] * ((2 * d + 2) if meta["calc_second_order"] else (d + 2))
    if meta["method"] == "morris":
        return meta["trajectories"] * (d + 1)
    return meta["n"]


def _draw(meta: dict, bounds: list[tuple], design_ss: np.random.SeedSequence) -> np.ndarray:
    """The design on the unit cube (one row per point): scipy.stats.qmc for lhs/sobol, SALib's
    samplers (on [0, 1]^d, seeded from the design's stream) for saltelli and morris."""
    method, d = meta["method"], len(bounds)
    if method in SENSITIVITY_METHODS:
        problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
        seed = int(design_ss.generate_state(1, dtype=np.uint32)[0])
        if method == "saltelli":
            from SALib.sample import sobol as saltelli

            return saltelli.sample(problem, meta["n"], calc_second_order=meta["calc_second_order"], seed=seed)
        from SALib.sample import morris

        return morris.sample(problem, meta["trajectories"], num_levels=meta["levels"], seed=seed)
    from scipy.stats import qmc

    rng = np.random.default_rng(design_ss)
    n = meta["n"]
    engine = qmc.LatinHypercube(d, rng=rng) if method == "lhs" else qmc.Sobol(d, scramble=True, rng=rng)
    u = engine.random(n) if method == "lhs" else engine.random_base2(int(math.log2(n)))
    return u


def _scaled(u: float, lo, hi):
    if isinstance(lo, int) and isinstance(hi, int):
        return int(min(hi, math.floor(lo + u * (hi - lo + 1))))
    return float(lo + u * (hi - lo))


def plan_from_data(data: dict, path: str, default_name: str = "sweep", size_check: bool = True) -> SweepPlan:
    """Expand the parsed TOML of a (sweep) scenario file into a validated plan (refused before
    expanding when the plan alone would not fit in memory, unless ``size_check`` is False)."""
    data = copy.deepcopy(data)
    sweep = data.pop("sweep", {})
    base = parse_scenario(copy.deepcopy(data), path, default_name=default_name)  # the file without [sweep]
    data["name"] = base.name
    if not isinstance(sweep, dict):
        raise ValueError(f"{path}: sweep: must be a table (replications, grid, sample), got {sweep!r}")
    for k in sweep:
        if k not in SWEEP_KEYS:
            raise ValueError(f"{path}: sweep.{k}: unknown key; allowed: {', '.join(SWEEP_KEYS)}")
    reps = sweep.get("replications", 1)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ValueError(f"{path}: sweep.replications: must be an integer >= 1, got {reps!r}")

    grid_keys: list[str] = []
    grid_vals: list[list] = []
    if "grid" in sweep:
        if not isinstance(sweep["grid"], dict):
            raise ValueError(f"{path}: sweep.grid: must be a table of key = [values] or {{ low, high, num }}")
        grid = _flatten(sweep["grid"])
        for k in grid:
            check_key(path, "sweep.grid", k)
        sizes = [len(v) if isinstance(v, list) else v["num"] if _is_range(v) and isinstance(v.get("num"), int)
                 else 1 for v in grid.values()]
        sample = sweep.get("sample")
        if isinstance(sample, dict) and sample.get("method") in SENSITIVITY_METHODS:
            raise ValueError(f"{path}: sweep.grid: cannot be crossed with method = {sample['method']!r}"
                             f" (a sensitivity design); move the keys to sweep.sample.ranges")
        n_sample = sample.get("n", 1) if isinstance(sample, dict) else 1
        n_sample = n_sample if isinstance(n_sample, int) and n_sample > 0 else 1
        # before any range is expanded: { low, high, num = 10^9 } must not allocate first
        budget.check(budget.plan_estimate(math.prod(sizes) * n_sample * reps), enforce=size_check, warn=False)
        for k, v in grid.items():
            grid_keys.append(k)
            grid_vals.append(_grid_values(path, k, v))
    sample_keys: list[str] = []
    sample_pts: list[dict] = [{}]
    design: dict = {"replications": reps, "grid": dict(zip(grid_keys, grid_vals))}
    if "sample" in sweep:
        sample_keys, bounds, meta = _sample_points(path, sweep["sample"], base.seed)
        both = sorted(set(grid_keys) & set(sample_keys))
        if both:
            raise ValueError(f"{path}: sweep.sample.ranges.{both[0]}: also in sweep.grid; sweep a key in one of them")
    for a, b in itertools.combinations(grid_keys + sample_keys, 2):
        if a.startswith(b + ".") or b.startswith(a + "."):
            raise ValueError(f"{path}: sweep: {b}: overlaps {a}; sweep one of them")

    combos = list(itertools.product(*grid_vals)) if grid_keys else [()]
    n_sample = design_points(meta, len(sample_keys)) if sample_keys else 1
    n_points = len(combos) * n_sample
    budget.check(budget.plan_estimate(n_points * reps), enforce=size_check)
    design_ss, seeds = _seeds(base.seed, n_points, reps)
    if sample_keys:
        u = _draw(meta, bounds, design_ss)
        sample_pts = [{k: _scaled(float(u[i, j]), *bounds[j]) for j, k in enumerate(sample_keys)}
                      for i in range(n_sample)]
        design["sample"] = {**meta, "ranges": {k: list(b) for k, b in zip(sample_keys, bounds)}}
        if meta["method"] in SENSITIVITY_METHODS:  # what `alliances analyze` needs besides the summary
            design["sample"]["points"] = n_sample
            design["sample"]["X"] = [[float(lo + u[i, j] * (hi - lo)) for j, (lo, hi) in enumerate(bounds)]
                                     for i in range(n_sample)]

    runs = []
    point = 0
    width = max(5, len(str(n_points * reps - 1)))
    for combo in combos:
        for sp in sample_pts:
            params = dict(zip(grid_keys, combo))
            params.update(sp)
            for rep in range(reps):
                index = point * reps + rep
                run_id = f"{index:0{width}d}"
                rd = copy.deepcopy(data)
                for k, v in params.items():
                    _set(rd, k, v, path)
                rd["seed"] = seeds[point][rep]
                shown = ", ".join(f"{k} = {format_value(v)}" for k, v in params.items())
                try:
                    parse_scenario(copy.deepcopy(rd), f"{path}: sweep run {run_id} ({shown})" if shown
                                   else f"{path}: sweep run {run_id}")
                except ValueError as e:
                    raise ValueError(" ".join(str(e).split())) from None
                spec_hash = sha256_of({"format": FORMAT, "scenario": rd})
                runs.append(RunSpec(run_id, index, point, rep, rd["seed"], params, rd, spec_hash))
            point += 1
    return SweepPlan(
        name=base.name,
        path=path,
        scenario_hash=sha256_of({"format": FORMAT, "file": data | {"sweep": sweep}}),
        root_seed=base.seed,
        replications=reps,
        keys=tuple(grid_keys + sample_keys),
        design=design,
        runs=tuple(runs),
    )


def resolve_sweep(name_or_path: str) -> Path:
    """A sweep file by path, bundled sweep name (``scenarios/sweeps/NAME.toml``) or scenario name."""
    found = find_toml(name_or_path, SWEEP_DIR)
    if found is not None:
        return found
    try:
        return resolve(name_or_path)
    except ValueError:
        bundled = sorted(q.stem for q in SWEEP_DIR.glob("*.toml"))
        raise ValueError(
            f"sweep {name_or_path!r}: no such file and no bundled sweep or scenario of that name;"
            f" bundled sweeps: {', '.join(bundled)}; scenarios: {', '.join(bundled_scenarios())}"
        ) from None


def load_plan(name_or_path: str, size_check: bool = True) -> SweepPlan:
    """Read a sweep file (or plain scenario file) and expand it into a validated plan."""
    path = resolve_sweep(name_or_path)
    return plan_from_data(read_toml(path), str(path), default_name=path.stem, size_check=size_check)


__all__ = ["RunSpec", "SweepPlan", "load_plan", "plan_from_data", "resolve_sweep", "format_value",
           "sha256_of", "SWEEP_DIR", "SENSITIVITY_METHODS", "design_points", "apply_params"]
