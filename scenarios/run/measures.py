"""What a run measured: the outcome measures of a finished run, and breakup rates by band of c.

``run_measures`` is the one place the run's summary numbers are computed: the
sweep's summary table stores them, ``alliances run`` prints them.
"""

from __future__ import annotations

import numpy as np

from analytic.paper import C_PROP1

MEASURES = (
    "mean_churn",
    "breakup_rate",
    "mean_c",
    "final_c",
    "c_start_mean",
    "mean_spell_length",
    "mean_contribution",
    "free_riding_gap",
    "mean_protege_payoff",
    "mean_patron_payoff",
)

#: Measures a run with a ``[system]`` table adds (over the last LATE_SHARE of its rounds).
SYSTEM_MEASURES = (
    "late_churn",
    "late_effective_poles",
    "late_largest_share",
    "late_load_strength_corr",
    "late_true_mean_offer",
)
#: the share of a run's last rounds the system measures average over (at least one round)
LATE_SHARE = 0.25


def measure_names(system: bool) -> tuple[str, ...]:
    """The summary's measure columns: MEASURES, and SYSTEM_MEASURES for runs with a system."""
    return MEASURES + (SYSTEM_MEASURES if system else ())


def run_measures(model, steps=None, spells=None) -> dict[str, float]:
    """A finished run's outcome measures (the summary's columns); ``steps`` and ``spells``
    are the model's steps and alliances tables if the caller has them already.

    * ``mean_churn``: breakups per alliance-round, averaged over the rounds.
    * ``breakup_rate``: share of alliance spells that ended in a breakup (the
      rest were still together at the end of the run).
    * ``mean_c`` / ``final_c``: the population's mean search cost, averaged over
      the rounds / after the last round; ``c_start_mean``: the mean of the
      protégés' starting levels (drawn from the scenario's distribution).
    * ``mean_spell_length``: mean duration (rounds) of the spells that ended in
      a breakup (nan if none did), as in ``alliances run``'s summary.
    * ``mean_contribution``, ``free_riding_gap``: the patrons' mean contribution
      when the alliance acted, and its excess over the free-riding minimum
      phi - 1 (phi - the protégé's benefit if the pie is divided; weighted by the
      number of alliances that acted each round).
    * ``mean_protege_payoff``, ``mean_patron_payoff``: per alliance-round.

    With a system (SYSTEM_MEASURES), means over the last LATE_SHARE of the rounds (the
    settled state): ``late_churn`` (breakups per alliance-round), ``late_effective_poles``
    (1 / HHI of protégés over powers), ``late_largest_share`` (the largest power's share),
    ``late_load_strength_corr`` (over the rounds where it is defined; nan if strengths or
    loads are all equal), ``late_true_mean_offer`` (the mean offer of the market F_t).
    """
    steps = (model.steps_table() if steps is None else steps).to_pandas()
    spells = (model.alliances_table() if spells is None else spells).to_pandas()
    ended = spells["ended"].astype(str) == "breakup"
    w = steps["acted"].to_numpy(dtype=float)
    ok = w > 0

    def wmean(col):
        return float(np.average(steps[col].to_numpy()[ok], weights=w[ok])) if ok.any() else float("nan")

    out = {
        "mean_churn": float(steps["churn_rate"].mean()),
        "breakup_rate": float(ended.mean()) if len(spells) else float("nan"),
        "mean_c": float(steps["c_mean"].mean()),
        "final_c": float(steps["c_mean"].iloc[-1]),
        "c_start_mean": float(np.mean(model.c_start)),
        "mean_spell_length": float(spells.loc[ended, "duration"].mean()) if ended.any() else float("nan"),
        "mean_contribution": wmean("mean_contribution"),
        "free_riding_gap": wmean("free_riding_gap"),
        "mean_protege_payoff": float(steps["mean_protege_payoff"].mean()),
        "mean_patron_payoff": float(steps["mean_patron_payoff"].mean()),
    }
    if model.system is not None:
        out.update(late_measures(steps))
    return out


def late_measures(steps) -> dict[str, float]:
    """SYSTEM_MEASURES from a system run's steps table (a DataFrame)."""
    late = steps.iloc[-max(1, int(round(LATE_SHARE * len(steps)))):]
    corr = late["load_strength_corr"].dropna()
    return {
        "late_churn": float(late["churn_rate"].mean()),
        "late_effective_poles": float(late["effective_poles"].mean()),
        "late_largest_share": float(late["largest_share"].mean()),
        "late_load_strength_corr": float(corr.mean()) if len(corr) else float("nan"),
        "late_true_mean_offer": float(late["true_mean_offer"].mean()),
    }


def band_edges(c: np.ndarray, bands: int) -> np.ndarray:
    """Equal-width bands over the observed c range, plus c = 1/32 (where Prop. 1 starts) as an edge."""
    lo, hi = float(np.min(c)), float(np.max(c))
    if hi <= lo:
        return np.array([lo, lo])
    edges = np.linspace(lo, hi, bands + 1)
    if lo < C_PROP1 < hi and not np.isclose(edges, C_PROP1, rtol=0, atol=1e-12).any():
        edges = np.sort(np.r_[edges, C_PROP1])
    return edges


def band_index(c, edges) -> np.ndarray:
    """The band of each search cost ``c`` among the bands [edges[i], edges[i + 1]) (the last
    one closed; a c outside the edges goes to the first or last band)."""
    return np.clip(np.searchsorted(edges, c, side="right") - 1, 0, len(edges) - 2)


def breakup_rate(rounds, breakups) -> tuple[np.ndarray, np.ndarray]:
    """Per band: breakups per alliance-round (nan where no rounds) and the half-width of its
    95% confidence interval (normal approximation)."""
    rounds = np.asarray(rounds)
    rate = np.where(rounds > 0, breakups / np.maximum(rounds, 1), np.nan)
    return rate, 1.96 * np.sqrt(rate * (1 - rate) / np.maximum(rounds, 1))
