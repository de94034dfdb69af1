"""A sweep of a ``[system]`` scenario, run by run: the regimes it shows (the bundled sweep
``system_regimes``: load discount x strength inequality).

``regime_table``: per run, the simulated churn of its last rounds against the equilibrium churn
of its final state and the largest c at which a search still ends an alliance;
``write_regime_figure``: two runs (a churning and a frozen regime) side by side over time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.output.files import save_figure
from scenarios.output.style import seaborn_pyplot
from scenarios.output.system_plots import (DPI, FINAL_EVENT_COLUMNS, breakup_curve_data, equilibrium_churn,
                                           final_alliances)

#: the churning and the frozen corner of the bundled sweep system_regimes (``write_regime_figure``)
REGIMES = {
    "churning: load discount 0": {"system.load_discount": 0.0, "system.strength.values": [1.0, 0.3]},
    "frozen: load discount 0.3": {"system.load_discount": 0.3, "system.strength.values": [1.0, 0.3]},
}
#: rounds of the centred moving average of churn in the regime figure
CHURN_WINDOW = 5


def regime_table(sweep_dir, c_points: int = 401) -> pd.DataFrame:
    """Per finished run of a sweep of a system scenario (with events; phi one number): run, the
    swept parameters, ``late_churn`` (simulated, from the summary), ``equilibrium_churn``
    (`equilibrium_churn` of its final state) and ``c_max``, the largest c on an even grid of
    ``c_points`` from 0 to the largest c played at which the final state's equilibrium curve
    (`breakup_curve_data`) has breakups (0 if none): above it no search ends an alliance."""
    import json

    from scenarios.scenario import parse_scenario

    sweep_dir = Path(sweep_dir)
    summary = pd.read_parquet(sweep_dir / "summary.parquet")
    keys = json.loads((sweep_dir / "manifest.json").read_text())["swept_keys"]
    rows = []
    for _, r in summary[summary["status"] == "done"].iterrows():
        d = sweep_dir / "runs" / r["run"]
        sc = parse_scenario(json.loads((d / "spec.json").read_text())["scenario"], str(d))
        if not sc.phi.constant or not (d / "events.parquet").exists():
            raise ValueError(f"{d}: regime_table needs one phi (game.phi a number) and events (output.events = true)")
        powers = pd.read_parquet(d / "powers.parquet")
        final = final_alliances(pd.read_parquet(d / "events.parquet", columns=list(FINAL_EVENT_COLUMNS)))
        grid = np.linspace(0.0, float(final["c"].max()), c_points)
        p = breakup_curve_data(powers, sc.system, [sc.phi.value], sc.delta, grid)["p_breakup"].to_numpy()
        rows.append({"run": r["run"], **{k: r[k] for k in keys}, "late_churn": r["late_churn"],
                     "equilibrium_churn": equilibrium_churn(powers, final, sc.system, sc.phi.value, sc.delta),
                     "c_max": float(grid[p > 0].max()) if (p > 0).any() else 0.0})
    return pd.DataFrame(rows)


def regimes_data(sweep_dir, regimes: dict = REGIMES, replication: int = 0):
    """The steps and powers of one run per regime of a finished sweep: (steps, powers), each with a
    ``regime`` column (the label in ``regimes``: label -> the swept parameters of its point).
    The run is the point's ``replication``; ValueError if a regime names no finished run."""
    import json

    sweep_dir = Path(sweep_dir)
    runs = json.loads((sweep_dir / "manifest.json").read_text())["runs"]
    steps, powers = [], []
    for label, params in regimes.items():
        match = [r for r in runs if r["params"] == params and r["replication"] == replication]
        d = sweep_dir / "runs" / (match[0]["run"] if match else "-")
        if not match or not (d / "done.json").exists():
            raise ValueError(f"{sweep_dir}: no finished run with {params} (replication {replication})")
        steps.append(pd.read_parquet(d / "steps.parquet").assign(regime=label))
        powers.append(pd.read_parquet(d / "powers.parquet").assign(regime=label))
    return pd.concat(steps, ignore_index=True), pd.concat(powers, ignore_index=True)



# ------------------------------------------------------------------ plots
def plot_regimes(steps: pd.DataFrame, powers: pd.DataFrame, path, title: str) -> Path:
    """Regimes side by side: churn (a CHURN_WINDOW-round moving average) and effective poles over
    time, and each power's mean load against its strength."""
    plt, sns = seaborn_pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.9))
    for i, (label, st) in enumerate(steps.groupby("regime", sort=False)):
        churn = st["churn_rate"].rolling(CHURN_WINDOW, center=True, min_periods=1).mean()
        axes[0].plot(st["step"], churn, color=f"C{i}", label=label)
        axes[1].plot(st["step"], st["effective_poles"], color=f"C{i}", label=label)
    axes[0].set(xlabel="round", ylabel="breakups per alliance-round", ylim=(0, None),
                title=f"churn ({CHURN_WINDOW}-round average)")
    axes[1].set(xlabel="round", ylabel="1 / HHI", ylim=(0, None), title="effective poles")
    sns.scatterplot(data=powers, x="strength", y="mean_load", hue="regime", style="regime", s=60, ax=axes[2])
    axes[2].set(xlabel="strength $b_j$", ylabel="mean load", ylim=(0, None), title="load against strength")
    axes[0].legend(loc="upper right", fontsize=9)
    axes[2].legend(loc="upper center", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path, DPI, bbox_inches="tight")


def write_regime_figure(sweep_dir, path, regimes: dict = REGIMES, replication: int = 0) -> Path:
    """Draw ``plot_regimes`` for the regimes of a finished sweep (default: the churning and the
    frozen corner of ``alliances sweep system_regimes``) to ``path``."""
    steps, powers = regimes_data(sweep_dir, regimes, replication)
    return plot_regimes(steps, powers, path, f"{Path(sweep_dir).name}: a churning and a frozen regime"
                                             f" (replication {replication})")


__all__ = ["REGIMES", "CHURN_WINDOW", "regime_table", "regimes_data", "plot_regimes", "write_regime_figure"]
