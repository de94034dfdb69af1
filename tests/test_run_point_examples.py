"""The worked examples of docs/sweeps.md that drive scenarios.run_point from SALib and from
EMA Workbench, run as they stand (each code block after its `<!-- example: NAME -->` marker)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from scenarios import run_point

DOC = Path(__file__).resolve().parents[1] / "docs" / "sweeps.md"


def example(name: str) -> str:
    """The code block after ``<!-- example: NAME -->`` in docs/sweeps.md."""
    found = re.search(rf"<!-- example: {name} -->\s*```python\n(.*?)```", DOC.read_text(), re.S)
    assert found, f"docs/sweeps.md has no example {name!r}"
    return found.group(1)


def run_example(name: str, capsys) -> dict:
    namespace: dict = {"__name__": f"docs_example_{name}"}
    exec(compile(example(name), f"docs/sweeps.md:{name}", "exec"), namespace)
    namespace["printed"] = capsys.readouterr().out
    return namespace


def test_the_salib_example_runs_and_its_y_are_run_points(capsys):
    ns = run_example("salib", capsys)
    X, Y, Si = ns["X"], ns["Y"], ns["Si"]
    assert X.shape == (40, 3) and len(Y) == 40
    assert np.isfinite(Si["S1"]).all() and np.isfinite(Si["ST"]).all()
    assert "S1" in ns["printed"] and "ST" in ns["printed"]
    # its Y are run_point's measures at its points (the example does not bypass run_point)
    assert Y[5] == run_point("tiny", seed=1, **{"game.phi": X[5, 0], "game.delta": X[5, 1],
                                               "search_cost.high": X[5, 2]})["mean_churn"]


def test_the_ema_workbench_example_runs_and_averages_the_replications(capsys):
    try:
        import ema_workbench  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"ema_workbench is not installed here (pip install -e '.[ema]'; {exc}):"
                    f" the EMA example of docs/sweeps.md is not run")
    ns = run_example("ema", capsys)
    experiments, outcomes = ns["experiments"], ns["outcomes"]
    assert len(experiments) == 8 and set(outcomes) == {"mean_churn", "mean_protege_payoff"}
    for k in ("game__phi", "game__delta", "search_cost__high"):  # a Latin hypercube in its ranges
        lo, hi = {"game__phi": (1.05, 1.4), "game__delta": (0.9, 0.99), "search_cost__high": (0.01, 0.07)}[k]
        x = experiments[k].to_numpy(dtype=float)
        assert np.all((x >= lo) & (x <= hi)) and len(np.unique(np.floor((x - lo) / (hi - lo) * 8))) == 8
    row = experiments.iloc[3]
    params = {k: float(row[k]) for k in ("game__phi", "game__delta", "search_cost__high")}
    by_hand = np.mean([run_point("tiny", seed=s, **params)["mean_churn"] for s in (1, 2)])
    assert outcomes["mean_churn"][3] == pytest.approx(by_hand, rel=1e-12)
    assert "mean_churn" in ns["printed"]
