"""Plots of a run with a ``[system]`` table (issue 11): the market of outside offers over time,
the concentration of protégés over powers over time, each power's load against its strength,
and the breakup rate against c with the equilibrium curve for the system's final state.

``*_data`` return DataFrames (no plotting), ``plot_*`` draw one of them to a PNG,
``write_system_plots`` writes all four into a run's directory (``alliances run``: the runner
calls it after `scenarios.output.run_plots.make_plots`, only when the scenario has a system).
Across the runs of a sweep: `scenarios.output.system_sweep`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.output.files import save_figure
from scenarios.output.style import rate_dots, seaborn_pyplot

#: resolution of the plots (PNG), as the other run plots
DPI = 120
#: the simulated breakup rates of the c-plot are pooled over the rounds from this share of the run on
SETTLED_FROM = 0.5
#: points of the c grid of the equilibrium curve; at most this many phi quantiles are averaged
C_POINTS, PHI_POINTS = 121, 25
#: the events' columns ``final_alliances`` reads
FINAL_EVENT_COLUMNS = ("step", "protege", "patron", "partner", "outcome", "search_cost")
#: the plots' files, in the order written
FILES = ("system_market.png", "system_concentration.png", "system_load_strength.png", "system_breakup_vs_c.png")


# ------------------------------------------------------------------ data
def market_data(steps: pd.DataFrame) -> pd.DataFrame:
    """The market of outside offers per round (at the round's start): step, offer_q10, offer_q50,
    offer_q90 (quantiles of the market F_t), true_mean_offer, believed_mean_offer."""
    cols = ["step", "offer_q10", "offer_q50", "offer_q90", "true_mean_offer", "believed_mean_offer"]
    return steps[cols].reset_index(drop=True)


def concentration_data(steps: pd.DataFrame) -> pd.DataFrame:
    """Concentration per round: step, effective_poles (1 / HHI), powers_leading, largest_share, hhi."""
    return steps[["step", "effective_poles", "powers_leading", "largest_share", "hhi"]].reset_index(drop=True)


def load_strength_data(powers: pd.DataFrame) -> pd.DataFrame:
    """One row per power: power, role, strength, mean_load (over the rounds' starts), load_end."""
    df = powers[["power", "role", "strength", "mean_load", "load_end"]].reset_index(drop=True)
    df["role"] = df["role"].astype(str)
    return df


def final_beliefs(powers: pd.DataFrame, spec):
    """The offer distributions the alliances of the final state believe: (leading, F, alliances,
    b): ``leading`` the rows of ``powers`` that lead protégés at the end, F a
    `analytic.piecewise.PiecewiseLinearCDF` with one row for each of them (the market over the
    pool minus that power, for known beliefs), ``alliances`` the protégés each leads (load_end),
    ``b`` her patron benefit. Built by `agents.system.PowerSystem` (the model's own rules) from
    the powers' strengths and final loads; powers in the table's order (patrons first)."""
    from agents.system import PowerSystem

    roles = powers["role"].astype(str).to_numpy()
    n_patrons = int((roles == "Patron").sum())
    system = PowerSystem(spec, n_patrons, len(roles) - n_patrons, np.random.default_rng(0))
    system.strength = powers["strength"].to_numpy(dtype=float)  # the run's, not the dummy draw
    load = powers["load_end"].to_numpy(dtype=np.int64)
    leading = np.flatnonzero(load > 0)
    patron_of = leading  # one alliance per leading power stands for all of hers
    F, row = system.beliefs(patron_of, load)
    b = system.patron_benefits(patron_of, load)
    return leading, F.take(row), load[leading].astype(float), b


def has_final_state_curve(spec) -> bool:
    """True if the final state's loads and strengths give the equilibrium the alliances play:
    truthful offers and known beliefs. Learned beliefs depend on the offers seen in the last
    rounds, and strategic offers on another solver: their c-plot shows the simulated rates only."""
    return spec.offers == "truthful" and spec.beliefs == "known"


def breakup_curve_data(powers: pd.DataFrame, spec, phis, delta: float, c_grid) -> pd.DataFrame:
    """The equilibrium's P(breakup) against c for the final state: c, p_breakup, the mean over
    the final alliances (each with its patron's F and benefit, `final_beliefs`) and over the phi
    values in ``phis`` (at most PHI_POINTS of their quantiles)."""
    from analytic import piecewise

    _, F, weight, b = final_beliefs(powers, spec)
    phis = np.unique(np.asarray(phis, dtype=float))
    if phis.size > PHI_POINTS:
        phis = np.quantile(phis, (np.arange(PHI_POINTS) + 0.5) / PHI_POINTS)
    c_grid = np.asarray(c_grid, dtype=float)
    R, P, C = np.meshgrid(np.arange(len(F)), phis, c_grid, indexing="ij")
    df = piecewise.solve_many(F.take(R.ravel()), P.ravel(), C.ravel(), delta, b[R.ravel()])
    p = np.asarray(df["p_breakup"], dtype=float).reshape(R.shape).mean(axis=1)  # over phi
    return pd.DataFrame({"c": c_grid, "p_breakup": weight @ p / weight.sum()})


def final_alliances(events: pd.DataFrame) -> pd.DataFrame:
    """The alliances of the final state, one row per protégé, from the last round's events:
    protege, patron (his partner if he broke up in that round, else his patron), c (the search
    cost he played that round with)."""
    last = events[events["step"] == events["step"].max()]
    broke = (last["outcome"].astype(str) == "breakup").to_numpy()
    return pd.DataFrame({"protege": last["protege"].to_numpy(),
                         "patron": np.where(broke, last["partner"].to_numpy(), last["patron"].to_numpy()),
                         "c": last["search_cost"].to_numpy(dtype=float)})


def equilibrium_churn(powers: pd.DataFrame, final: pd.DataFrame, spec, phi: float, delta: float) -> float:
    """The final state's equilibrium churn: the mean over its alliances (``final_alliances``) of
    P(breakup) for the F and patron benefit of their patron (`final_beliefs`) at their c;
    ``phi`` one number."""
    from analytic import piecewise

    leading, F, _, b = final_beliefs(powers, spec)
    index = {uid: k for k, uid in enumerate(powers["power"].to_numpy()[leading])}
    row = final["patron"].map(index).to_numpy()
    df = piecewise.solve_many(F.take(row), phi, final["c"].to_numpy(dtype=float), delta, b[row])
    return float(np.asarray(df["p_breakup"], dtype=float).mean())


def simulated_breakup_data(events: pd.DataFrame, from_step: int) -> pd.DataFrame:
    """The simulated breakup rate per band of c over the rounds ``step >= from_step``
    (`scenarios.output.run_plots.breakup_by_c`: c_mid, rounds, breakups, rate, lo, hi, a 95%
    binomial interval)."""
    from scenarios.output.run_plots import breakup_by_c

    return breakup_by_c(events[events["step"] >= from_step])


# ------------------------------------------------------------------ plots
def plot_market(df: pd.DataFrame, path, title: str) -> Path:
    """The quantiles of F_t as a band with its median, and the believed and true mean offers."""
    plt, sns = seaborn_pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(df["step"], df["offer_q10"], df["offer_q90"], alpha=0.25, color="C0",
                    label="market $F_t$: 10% to 90% quantile")
    ax.plot(df["step"], df["offer_q50"], color="C0", label="market $F_t$: median")
    ax.plot(df["step"], df["true_mean_offer"], color="k", ls="--", label="mean offer (true $F_t$)")
    ax.plot(df["step"], df["believed_mean_offer"], color="C1", ls=":", lw=2.2,
            label="mean offer the alliances believe")
    ax.set(xlabel="round", ylabel="outside offer x", ylim=(0, 1), title=f"{title}: the market of outside offers")
    ax.legend(loc="upper right", fontsize=9)
    return save_figure(fig, path, DPI, bbox_inches="tight")


def plot_concentration(df: pd.DataFrame, path, title: str) -> Path:
    """Effective poles and powers leading (left), the largest power's share (right)."""
    plt, sns = seaborn_pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    a1.plot(df["step"], df["powers_leading"], color="grey", label="powers leading")
    a1.plot(df["step"], df["effective_poles"], color="C0", label="effective poles 1 / HHI")
    a1.set(xlabel="round", ylabel="powers", ylim=(0, None), title="poles")
    a1.legend(loc="lower left")
    a2.plot(df["step"], df["largest_share"], color="C3")
    a2.set(xlabel="round", ylabel="share of protégés", ylim=(0, None), title="the largest power's share")
    fig.suptitle(f"{title}: concentration of protégés over powers")
    fig.tight_layout()
    return save_figure(fig, path, DPI, bbox_inches="tight")


def plot_load_strength(df: pd.DataFrame, path, title: str) -> Path:
    """One point per power: mean load against strength, coloured by starting role."""
    plt, sns = seaborn_pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    d = df.copy()
    d["role"] = d["role"].map({"Patron": "patron at the start", "AdHocPartner": "ad hoc partner at the start"}
                              ).fillna(d["role"])
    # strengths often come in a few groups: a small horizontal jitter keeps equal points apart
    jitter = 0.006 * (np.arange(len(d)) % 5 - 2)
    d["strength_shown"] = d["strength"] + jitter
    sns.scatterplot(data=d, x="strength_shown", y="mean_load", hue="role", style="role", s=60, ax=ax)
    ax.set(xlabel="strength $b_j$ (points jittered)", ylabel="mean load (protégés led)", ylim=(0, None),
           title=f"{title}: load against strength")
    ax.legend(loc="upper left", fontsize=9)
    return save_figure(fig, path, DPI, bbox_inches="tight")


def plot_breakup_vs_c(sim: pd.DataFrame, curve: pd.DataFrame, path, title: str, from_step: int) -> Path:
    """Simulated breakup rates (95% binomial intervals) and the final state's equilibrium curve
    (``curve`` None: no curve, for runs whose equilibrium the final state alone does not give)."""
    plt, sns = seaborn_pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    if curve is not None:
        ax.plot(curve["c"], curve["p_breakup"], color="k", lw=1.5, label="equilibrium for the final $F_t$")
    rate_dots(ax, sim, f"simulated, rounds {from_step}+ (95% CI)")
    ax.set(xlabel="search cost c", ylabel="breakups per alliance-round", ylim=(0, None),
           title=f"{title}: breakup rate against c")
    ax.legend()
    return save_figure(fig, path, DPI, bbox_inches="tight")


def write_system_plots(out, scenario, tables: dict) -> list[Path]:
    """Write the system plots (FILES; the c-plot only with events) into ``out``; return their paths."""
    out = Path(out)
    steps = tables["steps.parquet"].to_pandas()
    powers = tables["powers.parquet"].to_pandas()
    title = scenario.name
    files = [plot_market(market_data(steps), out / FILES[0], title),
             plot_concentration(concentration_data(steps), out / FILES[1], title),
             plot_load_strength(load_strength_data(powers), out / FILES[2], title)]
    events = tables["events.parquet"].to_pandas() if "events.parquet" in tables else None
    if events is not None and len(events):
        first, last = int(events["step"].min()), int(events["step"].max())
        from_step = first + int(SETTLED_FROM * (last - first + 1))
        c_lo, c_hi = float(events["search_cost"].min()), float(events["search_cost"].max())
        grid = np.linspace(c_lo, max(c_hi, c_lo + 1e-3), C_POINTS)
        late = events[events["step"] >= from_step]
        curve = (breakup_curve_data(powers, scenario.system, late["phi"].to_numpy(), scenario.delta, grid)
                 if has_final_state_curve(scenario.system) else None)
        files.append(plot_breakup_vs_c(simulated_breakup_data(events, from_step), curve, out / FILES[3],
                                       title, from_step))
    return files


__all__ = ["FILES", "has_final_state_curve", "market_data", "concentration_data", "load_strength_data", "final_beliefs",
           "breakup_curve_data", "final_alliances", "equilibrium_churn", "simulated_breakup_data", "plot_market", "plot_concentration",
           "plot_load_strength", "plot_breakup_vs_c", "write_system_plots", "FINAL_EVENT_COLUMNS"]
