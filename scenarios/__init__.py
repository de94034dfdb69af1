"""Scenario files, the scenario runner, sweeps, figures and the `alliances` command-line interface.

``scenarios.run_point(scenario, seed=..., **overrides)``: one run's outcome measures as a
function of its parameters (``scenarios/run/point.py``), for EMA Workbench, SALib and the like.
"""

__all__ = ["run_point"]


def __getattr__(name):
    """``run_point`` is imported when first asked for (``import scenarios`` stays light for the CLI)."""
    if name == "run_point":
        from scenarios.run.point import run_point

        return run_point
    raise AttributeError(f"module 'scenarios' has no attribute {name!r}")
