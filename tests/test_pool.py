"""The worker pool: a worker killed at any moment, even halfway through sending its result, loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from scenarios.run.pool import WorkerDied, WorkerPool, map_in_processes

PAYLOAD = 32 * 2**20  # far more than a pipe holds: the sender blocks until the driver reads
REPO = Path(__file__).resolve().parents[1]


def _big_result(job):
    """Sleep a little, leave a marker naming this process, then return a large result."""
    key, folder = job
    time.sleep(0.05)
    (Path(folder) / f"sending-{key}-{os.getpid()}").touch()
    return key, bytes([key]) * PAYLOAD


def _suicide(job):
    os.kill(os.getpid(), signal.SIGKILL)


def _raises(job):
    raise ArithmeticError(f"job {job}")


def test_workers_killed_while_sending_their_results_lose_nothing(tmp_path):
    victims = {1, 3, 4, 6}
    received: dict[int, int] = {}
    killed: list[int] = []
    stop = threading.Event()

    def on_result(key, value):
        k, data = value
        assert k == key and len(data) == PAYLOAD and data[:1] == data[-1:] == bytes([key])
        received[key] = received.get(key, 0) + 1
        time.sleep(0.4)  # the driver is busy: a worker that finishes now blocks halfway through its send

    def killer():
        while not stop.is_set():
            for m in tmp_path.glob("sending-*"):
                _, key, pid = m.name.split("-")
                key, pid = int(key), int(pid)
                if key in victims and key not in killed and key not in received:
                    time.sleep(0.1)  # well into the send (the driver is still busy elsewhere)
                    if key not in received:
                        os.kill(pid, signal.SIGKILL)
                        killed.append(key)
            time.sleep(0.01)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    try:
        lost = WorkerPool(_big_result, 2).run({k: (k, str(tmp_path)) for k in range(8)}, on_result)
    finally:
        stop.set()
        t.join()
    assert lost == []
    assert len(killed) >= 3, killed  # several workers died mid-send
    assert received == {k: 1 for k in range(8)}  # every job, exactly once


def test_a_job_that_keeps_killing_its_worker_is_given_up_on_and_the_rest_finish():
    done = []
    lost = WorkerPool(_suicide, 2).run({"bad": 0}, lambda k, v: done.append(k), max_deaths=2)
    assert lost == ["bad"] and done == []
    with pytest.raises(WorkerDied, match="_suicide"):
        map_in_processes(_suicide, [1, 2], workers=2)


def test_an_exception_in_a_job_is_raised_in_the_driver():
    with pytest.raises(ArithmeticError, match=r"job [12]"):
        map_in_processes(_raises, [1, 2], workers=2)


def test_no_leaked_semaphore_warning_after_workers_die():
    code = ("from tests.test_pool import _suicide\nfrom scenarios.run.pool import WorkerPool\n"
            "WorkerPool(_suicide, 2).run({i: i for i in range(4)}, print, max_deaths=2)\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert res.returncode == 0, res.stderr
    assert "leaked" not in res.stderr and "Traceback" not in res.stderr, res.stderr
