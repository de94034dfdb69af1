"""Run a sweep: manifest, executors (local process pool or Dask), resume, summary.

Layout of a sweep directory DIR::

    DIR/manifest.json        every planned run: id, point, replication, seed, params,
                             spec hash, status (pending / done / error); the scenario hash
    DIR/runs/<id>/           one folder per finished run: the runner's tables and run.json,
                             spec.json (the run's full scenario), done.json (written last)
    DIR/runs/<id>/error.json a run that raised: its error (retried by the next resume)
    DIR/summary.parquet      one row per planned run: parameters, seed, status, measures
    DIR/sweep_*.png          plots across the sweep (scenarios/output/sweep_plots.py)

Crash safety. Workers never write into DIR: a run's files come back to the
driver, which writes them into ``runs/.partial-<id>-<random>/`` with
``done.json`` last and then renames the folder to ``runs/<id>`` (one atomic
rename). A run folder is trusted only if its ``done.json`` names the spec hash
that the manifest plans for that run; anything else is removed and run again.
The manifest's statuses are a view refreshed as runs finish; the run folders
are the truth. One driver at a time: DIR/.lock is held (flock) while a sweep runs.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from scenarios.output.files import atomic_write, write_parquet
from scenarios.run.measures import measure_names, run_measures
from scenarios.sweep_spec import RunSpec, SweepPlan, format_value

MANIFEST = "manifest.json"
SUMMARY = "summary.parquet"
RUNS = "runs"
DONE = "done.json"
ERROR = "error.json"
PARTIAL = ".partial-"
#: modules the local pool's fork server imports once for all its workers
WORKER_PRELOAD = ("scenarios.run.sweep", "scenarios.run.runner", "agents.model", "pyarrow.parquet")
BATCH = "batch-"
#: Dask settings for a LocalCluster made by ``--dask local`` (no profiler, fewer system samples)
LOCAL_CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False,
                        "distributed.admin.system-monitor.interval": "2s"}
#: seconds of estimated work (scenarios/run/budget.py) a task of several runs aims at
TASK_SECONDS = 1.0

# ------------------------------------------------------------------ one run (on a worker)
def execute_run(task: dict) -> dict:
    """Run one planned run; return its files (name -> bytes) and measures, or its error.

    Runs on a worker (a pool process or a Dask worker). Writes nothing to disk: the
    files come back to the driver. Which files, the scenario's ``[output] tables`` says:
    ``"all"`` (the runner's tables and run.json), ``"steps"`` (steps.parquet) or
    ``"summary"`` (none: only the measures; events are then not recorded either).
    A run that raises is returned as ``{"run_id", "error", "traceback"}``.
    """
    from scenarios.output.files import parquet_bytes
    from scenarios.run.runner import output_files, run_scenario, run_tables
    from scenarios.scenario import parse_scenario

    run_id = task["run_id"]
    cpu0 = time.process_time()
    try:
        sc = parse_scenario(json.loads(task["data"]), task["label"])
        keep = sc.output_tables
        cpu1 = time.process_time()
        result = run_scenario(sc, out=None, progress=False, plots=False,
                              record_events=None if keep == "all" else False)
        model_cpu = time.process_time() - cpu1
        tables = run_tables(result.model)
        if keep == "all":
            files = output_files(result, tables)
        elif keep == "steps":
            files = {"steps.parquet": parquet_bytes(tables["steps.parquet"])}
        else:
            files = {}
        measures = run_measures(result.model, steps=tables["steps.parquet"], spells=tables["alliances.parquet"])
        return {"run_id": run_id, "files": files, "measures": measures, "tables": keep,
                "seconds": result.seconds, "cpu_seconds": time.process_time() - cpu0, "model_cpu_seconds": model_cpu}
    except Exception as exc:  # recorded, the sweep goes on
        return {"run_id": run_id, "error": f"{type(exc).__name__}: {' '.join(str(exc).split())}",
                "traceback": traceback.format_exc()}


def execute_batch(task: dict) -> list[dict]:
    """Run a task's runs one after the other on one worker; their results, in order."""
    return [execute_run(t) for t in task["runs"]]


def _task(run: RunSpec) -> dict:
    return {"run_id": run.run_id, "label": run.label, "data": json.dumps(run.data)}


def batches(runs: list[RunSpec], workers: int, task_seconds: float = TASK_SECONDS) -> list[list[RunSpec]]:
    """The runs in consecutive groups, one task each: as many runs as make about ``task_seconds``
    of estimated work (scenarios/run/budget.py), but at most a quarter of a worker's share, so
    that the last tasks still keep every worker busy (``task_seconds`` = 0: one run per task)."""
    from scenarios.run.budget import run_seconds

    cap = max(1, -(-len(runs) // (4 * max(1, workers))))
    out: list[list[RunSpec]] = []
    cur: list[RunSpec] = []
    est = 0.0
    for r in runs:
        pop = r.data["population"]
        cur.append(r)
        est += run_seconds(pop["proteges"], pop["patrons"], pop["ad_hoc_partners"], r.data["rounds"])
        if est >= task_seconds or len(cur) >= cap:
            out.append(cur)
            cur, est = [], 0.0
    if cur:
        out.append(cur)
    return out


def _worker_init(driver_pid: int) -> None:
    """Pool worker: exit when the driver is gone (e.g. SIGKILLed), instead of lingering.

    Ctrl-C is left to the driver (it stops the sweep; finished runs are kept).
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        while True:
            time.sleep(0.5)
            try:
                os.kill(driver_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, daemon=True).start()


# ------------------------------------------------------------------ executors
def run_local(tasks: list[dict], workers: int, on_result: Callable[[list[dict]], None]) -> list[str]:
    """Run batch ``tasks`` (``{"batch": id, "runs": [run tasks]}``) on local worker processes,
    calling ``on_result`` with each batch's results; returns the run ids given up on (their
    worker process died :data:`~scenarios.run.pool.MAX_DEATHS_PER_JOB` times).

    A worker that dies at any moment (even while sending its results back) is noticed, its
    batch goes back in the queue and a fresh worker takes its place (scenarios/run/pool.py)."""
    from scenarios.run.pool import WorkerPool

    pool = WorkerPool(execute_batch, workers, preload=WORKER_PRELOAD, initializer=_worker_init,
                      initargs=(os.getpid(),))
    by_batch = {t["batch"]: t for t in tasks}
    lost = pool.run(by_batch, lambda _b, results: on_result(results))
    return sorted(r["run_id"] for b in lost for r in by_batch[b]["runs"])


def run_dask(tasks: list[dict], address: str, workers: int, on_result: Callable[[list[dict]], None],
             processes: bool = True) -> list[str]:
    """Run batch ``tasks`` on a Dask cluster (``address``) or a LocalCluster (``"local"``)."""
    import dask
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address == "local":
        # the workers' statistical profiler samples every thread's stack every 10 ms: for runs
        # that hold the GIL in short numpy calls that costs the runs time; the nannies pass
        # this configuration on to their worker processes
        with dask.config.set(LOCAL_CLUSTER_CONFIG):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                   dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout="20s")
        except (OSError, ValueError) as exc:
            raise OSError(f"--dask {address}: cannot reach the Dask scheduler ({' '.join(str(exc).split())});"
                          f" finished runs are kept, rerun to resume") from None
    try:
        futures = {}
        for t in tasks:
            fut = client.submit(execute_batch, t, pure=False, key=f"alliances-batch-{t['batch']}-{uuid.uuid4().hex}")
            futures[fut] = t
        for fut in as_completed(list(futures)):
            try:
                results = fut.result()
            except Exception as exc:  # e.g. KilledWorker: the batch took down its workers
                err = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                results = [{"run_id": r["run_id"], "error": err, "traceback": ""} for r in futures[fut]["runs"]]
            fut.release()
            on_result(results)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return []


# ------------------------------------------------------------------ the directory
def _write_json(path: Path, obj) -> None:
    text = json.dumps(obj, indent=1, allow_nan=False, default=str) + "\n"
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def _jsonable(x):
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def _manifest(plan: SweepPlan, status: dict[str, str], errors: dict[str, str]) -> dict:
    return {
        "format": 1,
        "scenario": plan.name,
        "scenario_file": plan.path,
        "scenario_hash": plan.scenario_hash,
        "root_seed": plan.root_seed,
        "replications": plan.replications,
        "swept_keys": list(plan.keys),
        "design": plan.design,
        "runs": [
            {"run": r.run_id, "point": r.point, "replication": r.replication, "seed": r.seed,
             "params": r.params, "spec_hash": r.spec_hash, "status": status.get(r.run_id, "pending"),
             "error": errors.get(r.run_id)}
            for r in plan.runs
        ],
    }


def _check_dir(plan: SweepPlan, out: Path) -> bool:
    """True if ``out`` already holds this sweep; ValueError if it holds something else."""
    mpath = out / MANIFEST
    if not mpath.exists():
        others = [p.name for p in out.iterdir() if p.name not in (".lock",)] if out.exists() else []
        if others:
            raise ValueError(f"{out}: not empty and has no {MANIFEST}; give an empty or new --out DIR for a sweep")
        return False
    try:
        old = json.loads(mpath.read_text())
        old_hash = old["scenario_hash"]
        old_runs = {r["run"]: r["spec_hash"] for r in old["runs"]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{mpath}: unreadable sweep manifest ({type(e).__name__}); give another --out DIR") from None
    if old_hash != plan.scenario_hash:
        raise ValueError(
            f"{out}: holds a sweep of a different scenario ({old.get('scenario_file')}, changed since);"
            f" refusing to mix results: give another --out DIR, or delete {out} to start over"
        )
    new_runs = {r.run_id: r.spec_hash for r in plan.runs}
    if old_runs != new_runs:
        raise ValueError(
            f"{out}: the same scenario file expands into other runs than the ones in {MANIFEST}"
            f" (numpy/scipy versions changed?); refusing to mix results: give another --out DIR"
        )
    return True


def _lock(out: Path):
    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SweepBusy(f"{out}: another sweep is running in this directory (lock {out / '.lock'})") from None
    return fd


class SweepBusy(OSError):
    """Another driver holds the sweep directory's lock."""


def batch_records(runs_dir: Path) -> dict[str, list[dict]]:
    """The done records kept in ``runs_dir``'s batch files (runs whose sweep keeps only the
    summary), by run id. A batch file appears whole (written beside, then renamed) and is
    never changed afterwards, so each is read once per process."""
    runs_dir = Path(runs_dir)
    try:
        names = sorted(p.name for p in os.scandir(runs_dir) if p.name.startswith(BATCH) and p.name.endswith(".json"))
    except OSError:
        return {}
    cache = _BATCH_CACHE.setdefault(str(runs_dir.resolve()), {})
    for gone in set(cache) - set(names):
        del cache[gone]
    index: dict[str, list[dict]] = {}
    for name in names:
        if name not in cache:
            try:
                recs = json.loads((runs_dir / name).read_text())["runs"]
                cache[name] = [r for r in recs if isinstance(r, dict) and "run" in r]
            except (OSError, ValueError, KeyError, TypeError):
                cache[name] = []  # unreadable: vouches for nothing
        for rec in cache[name]:
            index.setdefault(rec["run"], []).append(rec)
    return index


_BATCH_CACHE: dict[str, dict[str, list[dict]]] = {}


def completed(run: RunSpec, runs_dir: Path, records: dict[str, list[dict]] | None = None) -> dict | None:
    """The run's done record if it is complete and matches the planned spec, else None: its
    folder's done.json (with every file it lists at its recorded size) or its entry in a batch
    file. ``records`` is :func:`batch_records` of ``runs_dir`` if the caller has it."""
    d = runs_dir / run.run_id
    try:
        done = json.loads((d / DONE).read_text())
    except (OSError, ValueError):
        done = None
    if isinstance(done, dict) and done.get("spec_hash") == run.spec_hash:
        for name, size in done.get("files", {}).items():
            try:
                if (d / name).stat().st_size != size:
                    break
            except OSError:
                break
        else:
            return done
    for rec in (batch_records(runs_dir) if records is None else records).get(run.run_id, ()):
        if rec.get("spec_hash") == run.spec_hash:
            return rec
    return None


def _write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and fsync it (on disk before anything that vouches for it)."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot fsync a directory
        pass
    finally:
        os.close(fd)


def _commit_dir(runs_dir: Path, run_id: str, write: Callable[[Path], None]) -> None:
    """Write a run folder under a partial name, then rename it into place (atomically)."""
    tmp = runs_dir / f"{PARTIAL}{run_id}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        write(tmp)
        target = runs_dir / run_id
        if target.exists():
            shutil.rmtree(target)
        os.rename(tmp, target)
        _fsync_dir(runs_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _done_record(run: RunSpec, res: dict, files: dict[str, bytes]) -> dict:
    return {"run": run.run_id, "spec_hash": run.spec_hash,
            "measures": {k: _jsonable(v) for k, v in res["measures"].items()},
            "files": {name: len(data) for name, data in sorted(files.items())}}


def _save_result(run: RunSpec, res: dict, runs_dir: Path) -> None:
    """A run's folder: its files, spec.json and done.json (last), or its error.json."""
    def write(d: Path) -> None:
        if "error" in res:
            (d / ERROR).write_text(json.dumps(
                {"run": run.run_id, "spec_hash": run.spec_hash, "error": res["error"],
                 "traceback": res.get("traceback", "")}, indent=1) + "\n")
            return
        files = dict(res["files"])
        files["spec.json"] = (json.dumps(
            {"run": run.run_id, "point": run.point, "replication": run.replication, "seed": run.seed,
             "params": run.params, "scenario": run.data}, indent=1, sort_keys=True) + "\n").encode()
        for name, data in files.items():
            _write_synced(d / name, data)  # on disk before the marker that vouches for them
        # last: the folder is complete
        _write_synced(d / DONE, (json.dumps(_done_record(run, res, files), indent=1, sort_keys=True) + "\n").encode())

    _commit_dir(runs_dir, run.run_id, write)


def _save_batch(items: list[tuple[RunSpec, dict]], runs_dir: Path) -> None:
    """Finished runs that keep only their summary: one batch file for all of them, written
    beside (fsynced) and renamed into place; older folders of these runs (errors) removed."""
    recs = [_done_record(run, res, {}) for run, res in items]
    text = json.dumps({"format": 1, "runs": recs}, indent=1, sort_keys=True) + "\n"
    name = f"{BATCH}{items[0][0].run_id}-{uuid.uuid4().hex[:8]}.json"
    tmp = runs_dir / f"{PARTIAL}{name}"
    try:
        _write_synced(tmp, text.encode())
        os.rename(tmp, runs_dir / name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(runs_dir)
    for run, _ in items:
        if (runs_dir / run.run_id).exists():
            shutil.rmtree(runs_dir / run.run_id, ignore_errors=True)


def _save_results(results: list[dict], by_id: dict[str, RunSpec], runs_dir: Path) -> None:
    """Commit a task's results: a folder for each run that keeps files or raised, one batch
    file for the runs that keep only their summary."""
    summary_only = []
    for res in results:
        run = by_id[res["run_id"]]
        if "error" not in res and res.get("tables") == "summary":
            summary_only.append((run, res))
        else:
            _save_result(run, res, runs_dir)
    if summary_only:
        _save_batch(summary_only, runs_dir)


def _recorded_error(run: RunSpec, runs_dir: Path) -> str | None:
    """The error a previous attempt at this run recorded, if any."""
    try:
        e = json.loads((runs_dir / run.run_id / ERROR).read_text())
    except (OSError, ValueError):
        return None
    if isinstance(e, dict) and e.get("spec_hash") == run.spec_hash:
        return str(e.get("error"))
    return None


# ------------------------------------------------------------------ summary
def summary_frame(plan: SweepPlan, out: Path):
    """One row per planned run: run, point, replication, seed, parameters, status, error, measures."""
    import pandas as pd

    runs_dir = out / RUNS
    names = measure_names(any("system" in r.data for r in plan.runs))
    records = batch_records(runs_dir)
    rows = []
    for r in plan.runs:
        row = {"run": r.run_id, "point": r.point, "replication": r.replication, "seed": r.seed}
        for k in plan.keys:
            row[k] = format_value(r.params[k])
        done = completed(r, runs_dir, records)
        err = None
        if done is not None:
            status = "done"
        else:
            err = _recorded_error(r, runs_dir)
            status = "missing" if err is None else "error"
        row["status"] = status
        row["error"] = err
        m = (done or {}).get("measures", {})
        for k in names:
            v = m.get(k)
            row[k] = float("nan") if v is None else float(v)
        rows.append(row)
    df = pd.DataFrame(rows)
    for k in plan.keys:  # a column of ints and floats -> floats
        vals = df[k].tolist()
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals) and \
                any(isinstance(v, float) for v in vals):
            df[k] = df[k].astype(float)
    df["seed"] = df["seed"].astype("int64")
    return df


def write_summary(plan: SweepPlan, out: Path):
    import pyarrow as pa


    df = summary_frame(plan, out)
    table = pa.Table.from_pandas(df, preserve_index=False)
    write_parquet(table, out / SUMMARY)
    return df


# ------------------------------------------------------------------ the sweep
@dataclass
class SweepReport:
    out: Path
    planned: int
    already_done: int
    ran: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    unfinished: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: CPU time the runs used on their workers (not stored: timings are not results)
    cpu_seconds: float = 0.0
    #: of which building and stepping the models (the rest: parsing, tables, measures)
    model_cpu_seconds: float = 0.0
    plots: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unfinished

    def lines(self) -> list[str]:
        lines = [f"sweep in {self.out}: {self.planned} runs planned, {self.already_done} already done,"
                 f" {self.ran} run now in {self.seconds:.1f} s"]
        if self.failed:
            lines.append(f"{len(self.failed)} run(s) raised an error (rerun the command to retry them):")
            lines += [f"  run {rid}: {err}" for rid, err in sorted(self.failed.items())]
        if self.unfinished:
            lines.append(f"{len(self.unfinished)} run(s) not finished (worker processes kept dying);"
                         f" rerun the command to resume")
        lines.append(f"wrote {MANIFEST}, {SUMMARY}" + (f", {', '.join(p.name for p in self.plots)}" if self.plots else ""))
        return lines


def run_sweep(plan: SweepPlan, out: str | Path, workers: int = 2, dask: str | None = None,
              progress: bool = True, plots: bool = True, dask_processes: bool = True,
              only: Iterable[str] | None = None, task_seconds: float = TASK_SECONDS) -> SweepReport:
    """Run the plan's missing runs into ``out`` (resuming whatever is already there), several
    runs to a task: about ``task_seconds`` of estimated work each (0: one run per task)."""
    from tqdm import tqdm

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers: must be an integer >= 1, got {workers!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    try:
        existing = _check_dir(plan, out)
        runs_dir = out / RUNS
        runs_dir.mkdir(exist_ok=True)
        for p in runs_dir.glob(PARTIAL + "*"):  # left by a killed driver: never trusted
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
        status: dict[str, str] = {}
        errors: dict[str, str] = {}
        todo = []
        records = batch_records(runs_dir)
        for r in plan.runs:
            if completed(r, runs_dir, records) is not None:
                status[r.run_id] = "done"
            else:
                todo.append(r)
                err = _recorded_error(r, runs_dir)
                if err is not None:  # shown as such until the retry below succeeds
                    status[r.run_id], errors[r.run_id] = "error", err
        if only is not None:
            keep = set(only)
            todo = [r for r in todo if r.run_id in keep]
        if not existing or todo:
            _write_json(out / MANIFEST, _manifest(plan, status, errors))
        n_done = sum(v == "done" for v in status.values())
        report = SweepReport(out=out, planned=len(plan.runs), already_done=n_done)
        by_id = {r.run_id: r for r in plan.runs}
        bar = tqdm(total=len(plan.runs), initial=n_done, desc=f"sweep {plan.name}", unit="run",
                   disable=None if progress else True)
        last_manifest = [time.monotonic()]

        def on_result(results: list[dict]) -> None:
            _save_results(results, by_id, runs_dir)
            for res in results:
                rid = res["run_id"]
                if "error" in res:
                    status[rid] = "error"
                    errors[rid] = res["error"]
                    report.failed[rid] = res["error"]
                else:
                    status[rid] = "done"
                    errors.pop(rid, None)
                report.ran += 1
                report.cpu_seconds += res.get("cpu_seconds", 0.0)
                report.model_cpu_seconds += res.get("model_cpu_seconds", 0.0)
            bar.update(len(results))
            if time.monotonic() - last_manifest[0] > 2.0:
                _write_json(out / MANIFEST, _manifest(plan, status, errors))
                last_manifest[0] = time.monotonic()

        t0 = time.perf_counter()
        tasks = [{"batch": b[0].run_id, "runs": [_task(r) for r in b]} for b in batches(todo, workers, task_seconds)]
        try:
            if tasks:
                if dask:
                    report.unfinished = run_dask(tasks, dask, workers, on_result, processes=dask_processes)
                else:
                    report.unfinished = run_local(tasks, workers, on_result)
        finally:
            bar.close()
            report.seconds = time.perf_counter() - t0
            _write_json(out / MANIFEST, _manifest(plan, status, errors))
        df = write_summary(plan, out)
        if plots and (df["status"] == "done").any():
            from scenarios.output.sweep_plots import sweep_plots

            report.plots = sweep_plots(df, plan, out)
        return report
    finally:
        os.close(lock)


__all__ = ["run_sweep", "execute_run", "execute_batch", "batches", "write_summary", "summary_frame", "completed",
           "batch_records", "SweepReport", "SweepBusy"]
