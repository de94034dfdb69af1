"""Fit a scenario's parameters to alliance spells (ATOP, or synthetic ATOP) by simulation.

``calibrate(SCENARIO, DATA_DIR, DIR)`` (``alliances calibrate``) reads the scenario's
``[calibration]`` table (checked at load: ``scenarios.scenario``), the spells in DATA_DIR
(``scenarios.data.atop.read_atop``) and:

1. **Design, with common random numbers.** Stage 0 is a Latin hypercube of ``points`` points in
   the box of the parameters' ranges; every point is run ``replications`` times with the SAME
   seeds (derived from the scenario's seed) at every point of every stage, so that the
   distance differs between points by the parameters, not by the draws. Each stage is a
   ``SweepPlan`` run by ``scenarios.run.sweep.run_sweep`` in ``DIR/stage-S`` (local pool or
   Dask; resumable: rerunning the command completes what is missing). Stages 1..``refine``
   are Latin hypercubes in a box around the current estimate, reaching the farthest point
   within the surface's window (below) and at least the last stage's spacing; clipped to the ranges.
2. **Distance**: ``distance = "likelihood"``: minus the simulated log-likelihood of the observed
   spells under the model's hazard per group and age bin (``scenarios.studies.hazard_fit``).
   Groups (``target.group_by``): ``milinst``: ATOP's milinst i <-> the scenario's search_cost
   ``{dist = "groups"}`` value i (the model's spells of group i are those whose c_start is
   value i); ``all``: one group. Endpoint (``target.endpoint``): ``violated`` (ATOP's other
   endings censored where they happen; the model's breakups are violations) or ``any``.
3. **Estimate and 95% intervals**: the smoothed argmin (a quadratic surface fitted to the
   points near the smallest distance) and its bootstrap over the observed alliances
   (``hazard_fit``); then a final run at the estimate
   (``DIR/final``) for the reported distance and the fitted-vs-observed survival plot.

Written to DIR (atomically): ``fit.json``, ``points.parquet`` (every design point, its stage and
distance), ``fit_hazard.parquet`` (observed and fitted hazard per group and age bin),
``fit_km.parquet`` and ``fit_survival.png`` (Kaplan-Meier by group: data and the fitted model).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.studies import hazard_fit
from scenarios.studies.survival import EVENT_ENDINGS, kaplan_meier

#: the surface is fitted to the points within chi2.ppf(WINDOW_LEVEL, parameters) of the smallest distance
WINDOW_LEVEL = 0.9999
FIT_FILE = "fit.json"
#: an estimate this close to an end of its range (share of the range) is reported as at that edge
EDGE = 0.02
#: what the intervals leave out (written into fit.json)
CI_IGNORES = ("simulation noise: the simulated hazards are treated as exact; with common random numbers the"
              " estimate's simulation variance is about (observed / simulated events) times its sampling"
              " variance (simulation_noise), so the intervals are about sqrt(1 + that) too narrow;"
              " and the model's own misfit (the intervals are those of the best fit of this model)")


def observed(spells: pd.DataFrame, target: dict) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(group labels, group index, duration in years, event) of the observed spells the target uses."""
    events = ("violated",) if target["endpoint"] == "violated" else EVENT_ENDINGS
    if target["group_by"] == "milinst":
        spells = spells[spells["milinst"].notna()]
        group = spells["milinst"].to_numpy(dtype=np.int64)
        labels = ["0", "1", "2"]
    else:
        group = np.zeros(len(spells), dtype=np.int64)
        labels = ["all"]
    event = np.isin(spells["ending"].astype(str).to_numpy(), events)
    return labels, group, spells["duration"].to_numpy(dtype=float), event


def crn_seeds(seed: int, replications: int) -> list[int]:
    """The run seeds every candidate point uses (common random numbers), from the scenario's seed."""
    out = []
    for ss in np.random.SeedSequence(seed).spawn(replications):
        hi, lo = (int(x) for x in ss.generate_state(2, dtype=np.uint32))
        out.append(((hi << 32) | lo) & (2**63 - 1))
    return out


def stage_plan(data: dict, path: str, keys: tuple[str, ...], points: np.ndarray, stage: str, seeds: list[int]):
    """The ``SweepPlan`` running every point (rows of ``points``, columns ``keys``) with ``seeds``."""
    from scenarios.scenario import calibration_run_data, set_key
    from scenarios.sweep_spec import FORMAT, RunSpec, SweepPlan, sha256_of

    base = calibration_run_data(data)
    base.setdefault("output", {})["events"] = False
    runs = []
    for i, row in enumerate(points):
        params = {k: float(v) for k, v in zip(keys, row)}
        for r, seed in enumerate(seeds):
            rd = copy.deepcopy(base)
            for k, v in params.items():
                set_key(rd, k, v)
            rd["seed"] = seed
            index = i * len(seeds) + r
            runs.append(RunSpec(f"{index:05d}", index, i, r, seed, params, rd,
                                sha256_of({"format": FORMAT, "scenario": rd})))
    return SweepPlan(name=f"{data.get('name', 'calibration')} {stage}", path=path,
                     scenario_hash=sha256_of({"format": FORMAT, "calibration": data, "stage": stage}),
                     root_seed=int(data["seed"]), replications=len(seeds), keys=keys,
                     design={"stage": stage, "points": points.tolist()}, runs=tuple(runs))


def run_plan(plan, folder: Path, workers: int, dask: str | None, progress: bool) -> list[list[pd.DataFrame]]:
    """Run (or resume) ``plan`` in ``folder``; per point, its replications' alliance tables."""
    import pyarrow.parquet as pq

    from scenarios.run.sweep import RUNS, run_sweep

    report = run_sweep(plan, folder, workers=workers, dask=dask, progress=progress, plots=False)
    if not report.ok:
        bad = sorted(report.failed.items())[:1]
        raise RuntimeError(f"{folder}: {len(report.failed)} run(s) failed, {len(report.unfinished)} unfinished"
                           f" ({bad[0][1] if bad else 'workers died'}); rerun the command to retry")
    tables: list[list[pd.DataFrame]] = [[] for _ in range(1 + max(r.point for r in plan.runs))]
    for r in plan.runs:
        tables[r.point].append(pq.read_table(folder / RUNS / r.run_id / "alliances.parquet").to_pandas())
    return tables


def model_groups(alliances: pd.DataFrame, values: list | None) -> np.ndarray:
    """Each simulated spell's group: the index of its c_start among the search_cost ``values``
    (equal values: the spells of both), or 0 for every spell without ``values`` (group_by = all).
    Returned as a boolean matrix spells x groups."""
    c = alliances["c_start"].to_numpy(dtype=float)
    if values is None:
        return np.ones((len(c), 1), dtype=bool)
    return np.isclose(c[:, None], np.asarray(values, dtype=float)[None, :], rtol=0, atol=1e-12)


def point_fit(alliances: list[pd.DataFrame], run_data: dict, obs, edges: np.ndarray) -> dict:
    """One point's per-spell log-likelihoods of the observed spells, hazards per group and bin,
    and simulated spells and breakups per group."""
    from scenarios.scenario import get_key

    labels, group, duration, event = obs
    years = float(run_data.get("calibration", {}).get("years_per_round", 1.0))
    spells = pd.concat(alliances, ignore_index=True)
    values = get_key(run_data, "search_cost.values") if len(labels) > 1 else None
    member = model_groups(spells, values)
    rounds = spells["duration"].to_numpy(dtype=np.int64)
    broke = spells["ended"].astype(str).to_numpy() == "breakup"
    ll = np.empty(len(duration))
    hazards, counts = [], []
    for g in range(len(labels)):
        if not member[:, g].any():
            raise ValueError(f"no simulated spell in group {labels[g]} at {run_data.get('search_cost')}")
        h = hazard_fit.simulated_hazard(rounds[member[:, g]], broke[member[:, g]], years, edges)
        mine = group == g
        ll[mine] = hazard_fit.spell_loglik(h, duration[mine], event[mine], edges)
        hazards.append(h)
        counts.append((int(member[:, g].sum()), int(broke[member[:, g]].sum())))
    return {"ll": ll, "hazard": hazards, "counts": counts, "years": years, "spells": spells, "member": member}


def calibrate(scenario: str, data_dir: str | Path, out: str | Path, workers: int = 2, dask: str | None = None,
              progress: bool = True) -> dict:
    """Fit the scenario's [calibration] parameters to the spells in ``data_dir``; write DIR (module
    docstring) and return fit.json's contents. Bad input raises ValueError before anything is written."""
    from scenarios.data.atop import read_atop
    from scenarios.output.files import writable_dir
    from scipy.stats import chi2

    from scenarios.scenario import parse_scenario, read_toml, resolve

    path = resolve(scenario)
    data = read_toml(path)
    sc = parse_scenario(copy.deepcopy(data), str(path), default_name=path.stem)
    fit = sc.calibration
    if not fit:
        raise ValueError(f"{path}: calibration.parameters: missing; `alliances calibrate` needs a [calibration]"
                         f' table naming the keys to fit, e.g. parameters = {{ "search_cost.values.0" = [0, 0.025] }}')
    data.setdefault("name", sc.name)
    obs = observed(read_atop(data_dir), fit["target"])
    labels, group = obs[0], obs[1]
    for g, label in enumerate(labels):
        if not (group == g).any():
            raise ValueError(f"{data_dir}: no alliance with {fit['target']['group_by']} {label} (the target needs each group)")
    out = writable_dir(out)

    keys = tuple(fit["parameters"])
    lo = np.array([fit["parameters"][k][0] for k in keys])
    hi = np.array([fit["parameters"][k][1] for k in keys])
    seeds = crn_seeds(sc.seed, fit["replications"])
    edges = hazard_fit.bin_edges(float(obs[2].max()), fit["age_bin"])
    points, stages, lls = [], [], []
    box = (np.zeros(len(keys)), np.ones(len(keys)))  # in coordinates normalized to the ranges
    window = float(chi2.ppf(WINDOW_LEVEL, len(keys)))
    for stage in range(fit["refine"] + 1):
        z_design = latin_hypercube(box, fit["points"], np.random.SeedSequence([sc.seed, stage]))
        design = lo + z_design * (hi - lo)
        plan = stage_plan(data, str(path), keys, design, f"stage-{stage}", seeds)
        tables = run_plan(plan, out / f"stage-{stage}", workers, dask, progress)
        for i, alliances in enumerate(tables):
            lls.append(point_fit(alliances, plan.runs[i * len(seeds)].data, obs, edges)["ll"])
        points += list(design)
        stages += [stage] * len(design)
        z, dist = (np.array(points) - lo) / (hi - lo), -np.array(lls).sum(axis=1)
        chosen = hazard_fit.select_near_minimum(dist, len(keys), window)
        z_star = hazard_fit.smoothed_argmin(dist, z, chosen)[0]
        box = refine_box(z_star, z[dist - dist.min() <= window], box, fit["points"])
    spell_ll = np.array(lls)
    points_a = np.array(points)
    estimate = lo + z_star * (hi - lo)
    rng = np.random.default_rng(np.random.SeedSequence([sc.seed, 2**31]))
    counts = hazard_fit.bootstrap_counts(spell_ll.shape[1], fit["bootstrap"], rng)
    boot = lo + hazard_fit.smoothed_argmin(-(counts @ spell_ll.T), z, chosen) * (hi - lo)
    ci = np.percentile(boot, [2.5, 97.5], axis=0)
    coef = hazard_fit.fit_quadratic(dist, z, chosen)[0]
    residual = dist[chosen] - hazard_fit.quadratic_features(z[chosen]) @ coef

    final = stage_plan(data, str(path), keys, estimate[None, :], "final", seeds)
    at_estimate = point_fit(run_plan(final, out / "final", workers, dask, progress)[0], final.runs[0].data, obs, edges)
    best = int(np.argmax(spell_ll.sum(axis=1)))
    result = {
        "scenario": sc.name, "scenario_file": str(path), "data": str(data_dir),
        "parameters": {k: {"estimate": float(estimate[j]), "ci": [float(ci[0, j]), float(ci[1, j])],
                           "range": [float(lo[j]), float(hi[j])], "bootstrap_sd": float(boot[:, j].std(ddof=1)),
                           "at_edge": at_edge(estimate[j], lo[j], hi[j])}
                       for j, k in enumerate(keys)},
        "distance": float(-at_estimate["ll"].sum()),
        "distance_kind": "minus the simulated log-likelihood of the observed spells (at the estimate)",
        "best_point": {"parameters": dict(zip(keys, map(float, points_a[best]))),
                       "distance": float(-spell_ll[best].sum()), "stage": stages[best]},
        "target": fit["target"], "age_bin": fit["age_bin"], "design_points": len(points_a),
        "stages": fit["refine"] + 1, "replications": fit["replications"], "bootstrap": fit["bootstrap"],
        "surface": {"points": int(len(chosen)), "window": window,
                    "residual_sd": float(np.sqrt(np.mean(residual ** 2)))},
        "converged": converged(float(-at_estimate["ll"].sum()), float(-spell_ll[best].sum()),
                               float(np.sqrt(np.mean(residual ** 2)))),
        "groups": group_report(obs, at_estimate),
        "simulation_noise": simulation_noise(obs, at_estimate),
        "ci_ignores": CI_IGNORES,
    }
    write_outputs(out, result, obs, at_estimate, edges, points_a, stages, spell_ll, keys)
    return result


def converged(at_estimate: float, best: float, residual_sd: float) -> bool:
    """False when the simulated distance at the estimate exceeds the best design point's by more
    than max(2, 2 residual SDs) (same seeds at both): the surface did not describe the distance
    near its minimum, and the estimate and its intervals are not to be read (the best point is)."""
    return at_estimate <= best + max(2.0, 2.0 * residual_sd)


def at_edge(x: float, lo: float, hi: float) -> str | None:
    """"low" or "high" if ``x`` lies within EDGE of the range's width from that end, else None: the
    range, not the data, stops the estimate there (and its interval cannot pass that end)."""
    return "low" if x - lo <= EDGE * (hi - lo) else "high" if hi - x <= EDGE * (hi - lo) else None


def latin_hypercube(box, n: int, seed: np.random.SeedSequence) -> np.ndarray:
    from scipy.stats import qmc

    lo, hi = box
    return lo + qmc.LatinHypercube(len(lo), rng=np.random.default_rng(seed)).random(n) * (hi - lo)


def refine_box(z_star, z_near, box, n: int):
    """The next stage's box (normalized coordinates): the estimate +- the farthest of the points
    within the window of the smallest distance (``z_near``), at least this stage's spacing;
    clipped to the ranges."""
    spacing = (box[1] - box[0]) / n ** (1.0 / len(z_star))
    half = np.maximum(np.abs(z_near - z_star).max(axis=0, initial=0.0), spacing)
    return np.maximum(0.0, z_star - half), np.minimum(1.0, z_star + half)


def group_report(obs, at_estimate: dict) -> dict:
    labels, group, duration, event = obs
    out = {}
    for g, label in enumerate(labels):
        n_sim, e_sim = at_estimate["counts"][g]
        out[label] = {"observed_spells": int((group == g).sum()), "observed_events": int(event[group == g].sum()),
                      "simulated_spells": n_sim, "simulated_breakups": e_sim}
    return out


def simulation_noise(obs, at_estimate: dict) -> dict:
    """Per group: observed events / simulated breakups (the estimate's simulation variance relative
    to its sampling variance), and the factor sqrt(1 + that) the intervals would widen by."""
    ratio = {}
    for label, g in group_report(obs, at_estimate).items():
        r = g["observed_events"] / max(g["simulated_breakups"], 1)
        ratio[label] = {"variance_ratio": r, "ci_widening": float(np.sqrt(1 + r))}
    return ratio


def write_outputs(out: Path, result: dict, obs, at_estimate: dict, edges, points, stages, spell_ll, keys) -> None:
    import pyarrow as pa

    from scenarios.output.files import atomic_write, write_parquet
    from scenarios.output.survival_plots import plot_survival

    table = pd.DataFrame(points, columns=list(keys)).assign(stage=stages, distance=-spell_ll.sum(axis=1))
    write_parquet(pa.Table.from_pandas(table, preserve_index=False), out / "points.parquet")
    hazard, km = fit_tables(result["target"], obs, at_estimate, edges)
    write_parquet(pa.Table.from_pandas(hazard, preserve_index=False), out / "fit_hazard.parquet")
    write_parquet(pa.Table.from_pandas(km, preserve_index=False), out / "fit_km.parquet")
    plot_survival(km, result["target"]["group_by"], out / "fit_survival.png")
    text = json.dumps(result, indent=1, allow_nan=False) + "\n"
    atomic_write(out / FIT_FILE, lambda tmp: Path(tmp).write_text(text))


def fit_tables(target: dict, obs, at_estimate: dict, edges) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(hazard per group and age bin, observed and fitted; Kaplan-Meier of the data and of the
    fitted model by group), in ``scenarios.studies.survival``'s layout for the plots."""
    labels, group, duration, event = obs
    spells, member, years = at_estimate["spells"], at_estimate["member"], at_estimate["years"]
    sim_years = spells["duration"].to_numpy(dtype=float) * years
    broke = spells["ended"].astype(str).to_numpy() == "breakup"
    group_by = target["group_by"]
    hazards, curves = [], []
    for g, label in enumerate(labels):
        mine = group == g
        exposure = hazard_fit.overlaps(np.zeros(mine.sum()), duration[mine], edges).sum(axis=0)
        end_bin = hazard_fit.end_bins(duration[mine & event], edges)
        events = np.bincount(end_bin, minlength=len(edges) - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            observed_h = np.where(exposure > 0, events / exposure, np.nan)
        hazards.append(pd.DataFrame({"group_by": group_by, "group": label, "start": edges[:-1], "end": edges[1:],
                                     "exposure": exposure, "events": events, "observed": observed_h,
                                     "model": at_estimate["hazard"][g]}))
        for source, (d, e) in (("ATOP", (duration[mine], event[mine])),
                               ("model", (sim_years[member[:, g]], broke[member[:, g]]))):
            curve, _ = kaplan_meier(d, e)
            curve = curve[curve["time"] <= duration.max()]  # the model's curve over the data's ages
            curves.append(curve.assign(endpoint=target["endpoint"], source=source, group_by=group_by, group=label))
    return pd.concat(hazards, ignore_index=True), pd.concat(curves, ignore_index=True)


__all__ = ["calibrate", "observed", "crn_seeds", "stage_plan", "point_fit", "model_groups",
           "refine_box", "latin_hypercube", "at_edge", "converged", "FIT_FILE", "CI_IGNORES"]
