"""End to end: `alliances dashboard` served, loaded in a real headless chromium, stepped, screenshotted.

The browser is the system's chromium (Debian's ``/usr/bin/chromium``, or
``$ALLIANCES_CHROMIUM``) driven by Playwright with ``executable_path``; nothing
is downloaded at test time. Without a browser, Playwright or solara's offline
assets (the ``solara-assets`` package) the test is skipped with the reason.

The screenshot goes to the test's tmp directory, and also to
``$ALLIANCES_DASHBOARD_SCREENSHOT`` when set; regenerate the README's picture with

    ALLIANCES_DASHBOARD_SCREENSHOT=docs/img/dashboard.png python -m pytest -q tests/test_dashboard_e2e.py
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STEPS = 3  # 10 when regenerating the README's picture (longer curves)
VIEWPORT = {"width": 1500, "height": 1680}  # tall enough for every view in one screenshot


def _chromium() -> str | None:
    for cand in (os.environ.get("ALLIANCES_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def _skip_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if _chromium() is None:
        return "no chromium browser: install Debian's (apt-get install chromium) or set $ALLIANCES_CHROMIUM"
    try:
        from solara.server import settings
    except ImportError:
        return "solara is not installed"
    cdn = Path(settings.assets.proxy_cache_dir)
    if not any(cdn.glob("@widgetti/solara-vuetify-app@*")):
        return f"solara's offline assets are missing from {cdn} (pip install solara-assets)"
    return None


def _free_port() -> int:
    from scenarios.cli.dashboard import free_port

    return free_port()


class _Server:
    """`alliances dashboard` in its own process group; its output collected by a thread."""

    def __init__(self, args: list[str]):
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("MPLBACKEND", "Agg")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scenarios.cli", "dashboard", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.url: str | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if line.startswith("Dashboard: "):
                self.url = line.split(" ", 1)[1].strip()
                self._ready.set()
        self._ready.set()

    def wait(self, timeout: float) -> str:
        self._ready.wait(timeout)
        if self.url is None:
            raise AssertionError("the dashboard did not print its address; output:\n" + "\n".join(self.lines[-30:]))
        return self.url

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()


def test_dashboard_in_a_headless_browser(tmp_path):
    reason = _skip_reason()
    if reason:
        print(f"SKIP e2e dashboard test: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    steps = 10 if os.environ.get("ALLIANCES_DASHBOARD_SCREENSHOT") else STEPS
    port = _free_port()
    server = _Server(["baseline", "--port", str(port), "--no-browser"])
    t0 = time.perf_counter()
    try:
        url = server.wait(timeout=180)
        assert url == f"http://127.0.0.1:{port}/"
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=_chromium(), headless=True,
                args=CHROMIUM_ARGS, viewport=VIEWPORT,
            )
            try:
                page = ctx.new_page()
                page.set_default_timeout(90_000)
                page.goto(url)
                step = page.get_by_role("button", name="Step")
                step.wait_for()
                for view in ("churn", "c-distribution", "breakup", "burden", "network"):
                    page.locator(f".alliances-{view} img").wait_for()
                page.get_by_text("Analytic equilibrium").wait_for()
                page.get_by_text("Rounds played: 0", exact=True).wait_for()
                charts = ("churn", "breakup", "burden", "network")
                before = {v: page.locator(f".alliances-{v} img").get_attribute("src") for v in charts}
                for i in range(1, steps + 1):
                    step.click()
                    page.get_by_text(f"Rounds played: {i}", exact=True).wait_for()
                # the figures arrive just after the step counter: wait for the last one to change
                page.wait_for_function(
                    "src => document.querySelector('.alliances-network img').getAttribute('src') !== src",
                    arg=before["network"],
                )
                after = {v: page.locator(f".alliances-{v} img").get_attribute("src") for v in charts}
                changed = [v for v in charts if after[v] != before[v]]
                assert changed == list(charts), f"charts that did not change after {steps} steps: " \
                    f"{sorted(set(charts) - set(changed))}"
                time.sleep(1.0)  # let the last images paint
                shot = tmp_path / "dashboard.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 50_000
                print(f"screenshot: {shot}")
                extra = os.environ.get("ALLIANCES_DASHBOARD_SCREENSHOT")
                if extra:
                    Path(extra).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shot, extra)
                    print(f"screenshot: {extra}")
            finally:
                ctx.close()
    finally:
        server.stop()
    assert server.proc.poll() is not None, "the server was stopped"
    print(f"e2e dashboard test: {time.perf_counter() - t0:.1f} s")
