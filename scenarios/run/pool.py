"""Fanning work out to local worker processes: the one way the sweep and the studies do it."""

from __future__ import annotations

from typing import Callable, Iterable, Sequence


def process_pool(workers: int, preload: Sequence[str] = (), initializer: Callable | None = None,
                 initargs: tuple = ()):
    """A ``ProcessPoolExecutor`` of ``workers`` processes started by forkserver (spawn where
    there is none), so that workers start clean of the parent's threads and state; the
    modules in ``preload`` are imported once, in the fork server."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    if ctx.get_start_method() == "forkserver" and preload:
        ctx.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(max_workers=int(workers), mp_context=ctx, initializer=initializer,
                               initargs=initargs)


def map_in_processes(fn: Callable, jobs: Iterable, workers: int) -> list:
    """``[fn(job) for job in jobs]``, in order: in this process when ``workers`` <= 1 or there
    is at most one job, else on a :func:`process_pool` of ``workers`` processes (``fn``'s
    module preloaded)."""
    jobs = list(jobs)
    if int(workers) <= 1 or len(jobs) <= 1:
        return [fn(job) for job in jobs]
    with process_pool(workers, preload=(fn.__module__,)) as pool:
        return list(pool.map(fn, jobs))
