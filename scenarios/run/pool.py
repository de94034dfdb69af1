"""Fanning work out to local worker processes: the one way the sweep and the studies do it.

Each worker has its own two-way pipe to the driver and nothing else is shared (no queue
locks, no semaphores). A worker that dies at any moment, even halfway through sending a
result, closes its end of the pipe: the driver reads end-of-file instead of waiting
forever, puts the worker's job back in the queue and starts a fresh worker. (The standard
``ProcessPoolExecutor`` shares one result pipe among all workers: a worker killed while
writing to it leaves half a message that its reader then waits on for ever, and a worker
killed while holding the pipe's lock blocks every other worker.)
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from multiprocessing.connection import wait
from typing import Callable, Hashable, Iterable, Mapping, Sequence

#: how many workers a single job may take down before it is given up on
MAX_DEATHS_PER_JOB = 3
#: seconds a worker has to exit after being told to stop, before it is killed
STOP_GRACE = 5.0


class WorkerDied(RuntimeError):
    """A job took down the worker process that ran it too often."""


def _context():
    """forkserver (workers start clean of the parent's threads and state), spawn where there is none."""
    return mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")


def _serve(conn, fn: Callable, initializer: Callable | None, initargs: tuple) -> None:
    """A worker: run ``fn`` on each ``(key, job)`` received until told to stop (None) or the driver is gone."""
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        key, job = msg
        try:
            reply = (key, True, fn(job))
        except Exception as exc:  # handed to the driver, which raises it
            reply = (key, False, exc)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class _Worker:
    """One worker process and the driver's end of its pipe."""

    def __init__(self, ctx, fn, initializer, initargs):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_serve, args=(child, fn, initializer, initargs), daemon=True)
        self.process.start()
        child.close()  # the worker now holds the only other end: its death is end-of-file here
        self.key = None

    def give(self, key, job) -> None:
        self.key = key
        self.conn.send((key, job))

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass

    def close(self, grace: float) -> None:
        self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        self.process.close()


class WorkerPool:
    """``workers`` local processes running ``fn`` on jobs, surviving the death of any of them."""

    def __init__(self, fn: Callable, workers: int, preload: Sequence[str] = (),
                 initializer: Callable | None = None, initargs: tuple = ()):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers: must be an integer >= 1, got {workers!r}")
        self.ctx = _context()
        if self.ctx.get_start_method() == "forkserver":
            self.ctx.set_forkserver_preload(list(dict.fromkeys((*preload, fn.__module__))))
        self.fn, self.n, self.initializer, self.initargs = fn, workers, initializer, initargs

    def _start(self) -> _Worker:
        return _Worker(self.ctx, self.fn, self.initializer, self.initargs)

    def _dispatch(self, queue: deque, jobs: Mapping, idle: list, busy: dict) -> None:
        """Give queued jobs to idle workers (a worker found dead is replaced, its job kept)."""
        while queue and idle:
            w = idle.pop()
            key = queue.popleft()
            try:
                w.give(key, jobs[key])
            except OSError:  # died while idle
                queue.appendleft(key)
                w.close(0)
                idle.append(self._start())
                continue
            busy[w.conn] = w

    def run(self, jobs: Mapping[Hashable, object], on_result: Callable[[Hashable, object], None],
            max_deaths: int = MAX_DEATHS_PER_JOB) -> list:
        """Run every job; call ``on_result(key, result)`` in the driver as each finishes, once per
        key. A job whose worker dies is run again on a fresh worker; a job that took down
        ``max_deaths`` workers is given up on. Returns the keys given up on. An exception raised
        by ``fn`` is raised here (after the workers are stopped)."""
        queue = deque(jobs)
        deaths: dict = {}
        given_up: list = []
        idle: list[_Worker] = []
        busy: dict = {}  # conn -> worker
        clean = False
        try:
            for _ in range(min(self.n, len(queue))):
                idle.append(self._start())
            while queue or busy:
                self._dispatch(queue, jobs, idle, busy)
                finished = []
                for conn in wait(list(busy)):
                    w = busy.pop(conn)
                    try:
                        key, ok, value = conn.recv()
                    except (EOFError, OSError):  # the worker died, perhaps mid-message
                        key = w.key
                        w.close(0)
                        deaths[key] = deaths.get(key, 0) + 1
                        if deaths[key] >= max_deaths:
                            given_up.append(key)
                        else:
                            queue.appendleft(key)
                        if queue:
                            idle.append(self._start())
                        continue
                    if not ok:
                        raise value
                    idle.append(w)
                    finished.append((key, value))
                # the freed workers get their next jobs before the driver handles the results
                self._dispatch(queue, jobs, idle, busy)
                for key, value in finished:
                    on_result(key, value)
            clean = True
        finally:
            workers = idle + list(busy.values())
            for w in workers:
                if clean:
                    w.stop()
                else:
                    w.process.kill()
            for w in workers:
                w.close(STOP_GRACE if clean else 0)
        return given_up


def map_in_processes(fn: Callable, jobs: Iterable, workers: int) -> list:
    """``[fn(job) for job in jobs]``, in order: in this process when ``workers`` <= 1 or there
    is at most one job, else on a :class:`WorkerPool` of ``workers`` processes (``fn``'s module
    preloaded). WorkerDied if a job keeps killing its worker."""
    jobs = list(jobs)
    if int(workers) <= 1 or len(jobs) <= 1:
        return [fn(job) for job in jobs]
    results: dict[int, object] = {}
    lost = WorkerPool(fn, int(workers)).run(dict(enumerate(jobs)), results.__setitem__)
    if lost:
        raise WorkerDied(f"{len(lost)} job(s) of {fn.__name__} killed their worker process"
                         f" {MAX_DEATHS_PER_JOB} times (out of memory?)")
    return [results[i] for i in range(len(jobs))]
