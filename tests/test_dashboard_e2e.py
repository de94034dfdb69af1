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
STEPS = 3  # steps timed ($ALLIANCES_DASHBOARD_STEPS); 10 when regenerating the README's picture (longer curves)
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


PIXELS = "v => { const c = document.querySelector('.alliances-' + v + ' canvas'); return c ? c.toDataURL() : null; }"


def _chart_pixels(page, charts) -> dict:
    """Each chart's picture as the browser drew it (its canvas as a data URL)."""
    return {v: page.evaluate(PIXELS, v) for v in charts}


def _wait_until_redrawn(page, charts, before: dict) -> None:
    """Wait until the picture of every chart in ``charts`` differs from ``before``."""
    page.wait_for_function(
        "before => Object.entries(before).every(([v, px]) => { "
        "const c = document.querySelector('.alliances-' + v + ' canvas'); return c && c.toDataURL() !== px; })",
        arg=before, polling=50,
    )


#: Test instrumentation: each chart's ECharts instance reports when it finished drawing
#: (``window.__drawn[view]``, page clock), a capturing listener when a click happened (``window.__clicked``).
HOOK_DRAWN = """views => {
  const defs = window.requirejs.s.contexts._.defined;
  const ec = Object.values(defs).find(m => m && m.getInstanceByDom);
  window.__drawn = window.__drawn || {};
  if (!window.__clickHooked) {
    document.addEventListener('click', e => { window.__clicked = performance.now(); }, true);
    window.__clickHooked = true;
  }
  let hooked = 0;
  for (const v of views) {
    const el = document.querySelector('.alliances-' + v + ' .solara-echarts');
    const inst = ec && el && ec.getInstanceByDom(el);
    if (inst) { inst.on('finished', () => { window.__drawn[v] = performance.now(); }); hooked++; }
  }
  return hooked;
}"""
DRAWN_SINCE_CLICK = """views => window.__clicked !== undefined
  && views.every(v => (window.__drawn[v] || 0) > window.__clicked)"""
STEP_TIME = "views => Math.max(...views.map(v => window.__drawn[v])) - window.__clicked"


def _rounds_played(page) -> int:
    text = page.locator(".alliances-rounds").inner_text()
    return int(text.rsplit(":", 1)[1])


def _play_rate(page, start: int, seconds: float) -> float:
    """Rounds per second while ▶ plays for about ``seconds`` (the counter as the page shows it)."""
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "n => parseInt(document.querySelector('.alliances-rounds').innerText.split(':')[1]) > n", arg=start)
    t0, n0 = time.perf_counter(), _rounds_played(page)
    time.sleep(seconds)
    n1, t1 = _rounds_played(page), time.perf_counter()
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for()
    return (n1 - n0) / (t1 - t0)


def _check_sidebar_keeps_its_width(page, scenario: str) -> None:
    """After choosing ``scenario`` (long outsider-model names), the sidebar keeps its width and
    the views start right of it (nothing cut off)."""
    from scenarios.dashboard.app import SIDEBAR_WIDTH

    page.locator(".alliances-scenario .v-select").click()
    page.get_by_role("option", name=scenario).click()
    page.get_by_text(f"({scenario})").first.wait_for()
    page.locator(".alliances-churn canvas").first.wait_for()
    time.sleep(1.0)
    drawer = page.locator(".v-navigation-drawer").bounding_box()
    views = page.locator(".alliances-views").bounding_box()
    assert drawer["width"] <= SIDEBAR_WIDTH + 1, drawer
    assert views["x"] >= drawer["x"] + drawer["width"] - 1, (drawer, views)


SYSTEM_VIEWS = ("market", "concentration", "loads")


def _check_system_views(page, scenario: str, shot: Path) -> None:
    """After choosing ``scenario`` (with a [system] table) its market and concentration views
    appear, and a step redraws them."""
    page.locator(".alliances-scenario .v-select").click()
    page.get_by_role("option", name=scenario).click()
    page.get_by_text(f"({scenario})").first.wait_for()
    for view in SYSTEM_VIEWS:
        page.locator(f".alliances-{view} canvas").first.wait_for()
    time.sleep(1.0)  # let the first pictures paint
    before = _chart_pixels(page, SYSTEM_VIEWS)
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Rounds played: 1", exact=True).wait_for()
    _wait_until_redrawn(page, SYSTEM_VIEWS, before)
    page.locator(".alliances-market").scroll_into_view_if_needed()
    time.sleep(0.5)
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")


def test_dashboard_in_a_headless_browser(tmp_path):
    reason = _skip_reason()
    if reason:
        print(f"SKIP e2e dashboard test: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    steps = int(os.environ.get("ALLIANCES_DASHBOARD_STEPS", STEPS))
    if os.environ.get("ALLIANCES_DASHBOARD_SCREENSHOT"):
        steps = 10
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
                failed = []  # the page needs no internet: every request is answered by the server
                page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
                page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
                page.goto(url)
                step = page.get_by_role("button", name="Step")
                step.wait_for()
                for view in ("churn", "c-distribution", "breakup", "burden", "network"):
                    page.locator(f".alliances-{view} canvas").first.wait_for()
                page.get_by_text("Analytic equilibrium").wait_for()
                page.get_by_text("Rounds played: 0", exact=True).wait_for()
                charts = ("churn", "breakup", "burden", "network")
                time.sleep(1.0)  # let the first pictures paint
                before = _chart_pixels(page, charts)
                assert page.evaluate(HOOK_DRAWN, list(charts)) == len(charts)
                in_page, seen = [], []
                for i in range(1, steps + 1):
                    srcs = _chart_pixels(page, charts)
                    t_click = time.perf_counter()
                    step.click()
                    page.wait_for_function(DRAWN_SINCE_CLICK, arg=list(charts), polling="raf")
                    seen.append(time.perf_counter() - t_click)
                    in_page.append(page.evaluate(STEP_TIME, list(charts)) / 1000)
                    page.get_by_text(f"Rounds played: {i}", exact=True).wait_for()
                    _wait_until_redrawn(page, charts, srcs)  # every chart shows new pixels
                print(f"MEASURED step (in the page: the click to the last chart drawn): "
                      f"{', '.join(f'{t:.2f}' for t in in_page)} s")
                print(f"MEASURED step (seen by Playwright: its click to every chart drawn): "
                      f"{', '.join(f'{t:.2f}' for t in seen)} s")
                rate = _play_rate(page, steps, seconds=6.0)
                print(f"MEASURED play: {rate:.2f} rounds/s")
                steps = _rounds_played(page)
                after = _chart_pixels(page, charts)
                changed = [v for v in charts if after[v] != before[v]]
                assert changed == list(charts), f"charts that did not change after {steps} steps: " \
                    f"{sorted(set(charts) - set(changed))}"
                assert not failed, f"requests the server could not answer: {failed[:5]}"
                assert not [ln for ln in server.lines if "katex" in ln.lower() or "cdn" in ln.lower()], \
                    "\n".join(server.lines[-20:])
                time.sleep(1.0)  # let the last pictures paint
                shot = tmp_path / "dashboard.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 50_000
                print(f"screenshot: {shot}")
                extra = os.environ.get("ALLIANCES_DASHBOARD_SCREENSHOT")
                if extra:
                    Path(extra).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shot, extra)
                    print(f"screenshot: {extra}")
                _check_sidebar_keeps_its_width(page, "strategic_outsiders")
                _check_system_views(page, "system_balancing", tmp_path / "dashboard-system.png")
                assert page.locator(".alliances-market").count() == 1
                assert not failed, f"requests the server could not answer: {failed[:5]}"
            finally:
                ctx.close()
    finally:
        server.stop()
    assert server.proc.poll() is not None, "the server was stopped"
    print(f"e2e dashboard test: {time.perf_counter() - t0:.1f} s")
