"""``alliances dashboard [SCENARIO] [--port P] [--host H] [--no-browser]``: serve the browser dashboard.

Starts ``python -m solara run scenarios.dashboard.app`` (a solara page on the Mesa
model, ``scenarios/dashboard/app.py``) as a child process bound to ``--host`` (default
127.0.0.1), waits until the page answers, prints ``Dashboard: URL`` and opens
it in a browser unless ``--no-browser``. The scenario reaches the page through
the environment variable ``ALLIANCES_DASHBOARD_SCENARIO``. Ctrl-C (or SIGTERM)
stops the server.
"""

from __future__ import annotations

import argparse

DEFAULT_PORT = 8765
STARTUP_TIMEOUT = 180.0  # seconds; solara and mesa take a while to import on a busy machine


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "dashboard",
        help="serve the interactive dashboard (a solara page) in the browser",
        description=(
            "Serve a solara page on the population model (a Mesa model) on HOST:PORT and print its address: "
            "controls for the scenario, population sizes, the distribution of c, phi, delta, the "
            "investment rule and the outsider model; step / play / reset; views of alliance churn, "
            "the distribution of c, breakup rate against c with the analytic curve, burden-sharing, "
            "a sample of the alliance network and the analytic equilibrium; with a [system] table also the "
            "market of outside offers and concentration. Ctrl-C stops it."
        ),
    )
    p.add_argument("scenario", nargs="?", default="baseline", metavar="SCENARIO",
                   help="bundled scenario name or scenario file to start from (default: baseline)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to listen on; 0 picks a free one (default: {DEFAULT_PORT})")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    p.set_defaults(handler=_dashboard)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_command(host: str, port: int) -> list[str]:
    """The command that serves the page (``python -m solara run scenarios.dashboard.app ...``)."""
    import sys

    return [sys.executable, "-m", "solara", "run", "scenarios.dashboard.app", "--host", host, "--port", str(port),
            "--no-open", "--production", "--log-level", "warning"]


def wait_for_server(url: str, proc, timeout: float = STARTUP_TIMEOUT) -> bool:
    """Poll ``url`` until it answers (True), the process exits or the timeout passes (False)."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False


def _dashboard(args: argparse.Namespace) -> int:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from scenarios.scenario import load_scenario, resolve

    load_scenario(args.scenario)  # a bad scenario stops here with its one-line message
    path = resolve(args.scenario)
    scenario = args.scenario if Path(args.scenario).suffix == "" and not Path(args.scenario).is_file() \
        else str(path.resolve())
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port: must be in [0, 65535], got {args.port}")
    port = args.port or free_port(args.host)
    url_host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{url_host}:{port}/"

    env = dict(os.environ)
    env["ALLIANCES_DASHBOARD_SCENARIO"] = scenario
    # the checkout (or installed package) must be importable by the child as `scenarios.dashboard.app`
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # two harmless warnings at every start (Mesa's page trips solara's hook check; cookies over plain http)
    env.setdefault("PYTHONWARNINGS", "ignore::UserWarning:solara.validate_hooks,"
                                     "ignore::UserWarning:solara.server.starlette")
    proc = subprocess.Popen(server_command(args.host, port), env=env)

    def _stop(signum, frame):  # SIGTERM: stop the server too
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, _stop)
    try:
        if not wait_for_server(url, proc):
            code = proc.poll()
            if code is None:
                proc.terminate()
                raise OSError(f"dashboard: the server did not answer at {url} within {STARTUP_TIMEOUT:.0f} s")
            raise OSError(f"dashboard: the server exited with code {code} before answering at {url}"
                          f" (is port {port} in use?)")
        print(f"Dashboard: {url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, old)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        sys.stdout.flush()
