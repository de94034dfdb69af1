"""Issue 14, item 1: pool workers SIGKILLed while they send large results back, several times
in one sweep: the sweep completes every run exactly once, with the tables of an uninterrupted
sweep, never hangs, and leaves no "leaked semaphore" warning.

How the kill lands mid-send: a run's result (500 protégés, 20 rounds, events on: about 0.5 MB)
is far larger than the worker's connection holds (a Unix socket pair: about 200 KB of send
buffer), so a worker whose driver is not reading blocks in the kernel's write with part of its
message already in the socket. The driver is made slow to
read by a slow disk (``os.fsync`` sleeps 50 ms in the driver process only: the workers are
forked from the fork server, which never sees the patch), so while it commits one worker's
run the other worker's send stalls. The test watches the workers' ``/proc/PID/wchan`` and
kills a worker (on its second send or later) only while it is blocked in that write (``sock_alloc_send_pskb``; ``pipe_write``
for a pipe), checked twice, 10 ms apart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from scenarios.sweep_spec import SWEEP_DIR

REPO = Path(__file__).resolve().parents[1]
KILLS = 3
TIMEOUT = 150  # seconds: a hang fails the test instead of stalling the suite

DRIVER = r"""
import os, sys, time
real_fsync = os.fsync
def slow_fsync(fd):  # a slow disk, in the driver only
    time.sleep(0.05)
    real_fsync(fd)
if sys.argv[3] == "slow":
    os.fsync = slow_fsync
from scenarios.run.sweep import run_sweep
from scenarios.sweep_spec import load_plan
rep = run_sweep(load_plan(sys.argv[1]), sys.argv[2], workers=2, progress=False, plots=False, task_seconds=0)
print(f"ran {rep.ran} ok {rep.ok} unfinished {len(rep.unfinished)}", flush=True)
"""


def _sweep_file(tmp_path: Path) -> str:
    text = (SWEEP_DIR / "tiny.toml").read_text()
    for old, new in (("proteges = 40", "proteges = 500"), ("rounds = 15", "rounds = 20"),
                     ("events = false", "events = true"), ("replications = 3", "replications = 5")):
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "big.toml"
    path.write_text(text)
    return str(path)


def _driver(path: str, out: Path, slow: bool) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-c", DRIVER, path, str(out), "slow" if slow else "fast"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _children(pid: int) -> list[int]:
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(d))
    return kids


SEND_WAITS = ("sock_alloc_send", "unix_stream_sendmsg", "pipe_write")


def _blocked_sending(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/wchan") as f:
            wchan = f.read()
    except OSError:
        return False
    return any(w in wchan for w in SEND_WAITS)


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="needs Linux /proc/PID/wchan to see a blocked send")
def test_workers_killed_while_sending_large_results_lose_nothing(tmp_path):
    path = _sweep_file(tmp_path)
    out = tmp_path / "killed"
    driver = _driver(path, out, slow=True)
    killed: list[int] = []
    stop = threading.Event()

    def killer():
        # A run whose worker is killed goes back to the queue and is the first job of the fresh
        # worker that replaces it. Only a worker on its second send or later is killed, so no run
        # is hit twice (3 deaths would give it up). A send is one stretch of being blocked; the
        # run in between (>= 50 ms unblocked) separates two sends.
        sends: dict[int, int] = {}
        blocked_at: dict[int, float] = {}
        while not stop.is_set() and len(killed) < KILLS:
            for w in [w for fs in _children(driver.pid) for w in _children(fs)]:
                now = time.monotonic()
                if not _blocked_sending(w):
                    if now - blocked_at.get(w, -1.0) > 0.05:
                        blocked_at.pop(w, None)
                    continue
                if w not in blocked_at:
                    sends[w] = sends.get(w, 0) + 1
                blocked_at[w] = now
                if sends[w] >= 2 and w not in killed:
                    time.sleep(0.01)
                    if _blocked_sending(w):  # still blocked halfway through its message
                        os.kill(w, signal.SIGKILL)
                        killed.append(w)
                        break
            time.sleep(0.002)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    try:
        stdout, stderr = driver.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        driver.kill()
        stdout, stderr = driver.communicate()
        pytest.fail(f"the sweep hung (killed {len(killed)} workers mid-send); stderr: {stderr[-2000:]}")
    finally:
        stop.set()
        t.join()
    assert driver.returncode == 0, stderr
    print(f"killed {len(killed)} workers while they were sending")
    assert len(killed) == KILLS, f"only {len(killed)} kills landed mid-send"
    assert "ran 20 ok True unfinished 0" in stdout, stdout
    assert "leaked" not in stderr and "Traceback" not in stderr, stderr

    ref = tmp_path / "reference"
    plain = _driver(path, ref, slow=False)
    ref_out, ref_err = plain.communicate(timeout=TIMEOUT)
    assert plain.returncode == 0 and "ran 20 ok True" in ref_out, ref_err
    df = pd.read_parquet(out / "summary.parquet")
    assert df["run"].is_unique and len(df) == 20 and (df["status"] == "done").all()
    assert sorted(p.name for p in (out / "runs").iterdir()) == [f"{i:05d}" for i in range(20)]
    assert (out / "summary.parquet").read_bytes() == (ref / "summary.parquet").read_bytes()
    assert _files(out / "runs") == _files(ref / "runs")
