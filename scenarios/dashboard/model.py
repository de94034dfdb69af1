"""The browser dashboard's model: the population model (a Mesa model) with the controls' overrides.

``scenarios/dashboard/app.py`` is the page that ``solara run`` serves (``alliances
dashboard`` starts it). This module holds what the page is made of:

* :class:`DashboardModel`, an :class:`agents.AllianceModel` built from a
  scenario plus flat keyword overrides (what the sliders set), so that the page
  can rebuild it on *Reset*. With no overrides it is exactly the
  scenario's model (same seed, same draws). It keeps small running summaries the
  views need (breakups per band of c, a fixed sample of the network, the last
  round's moves), so that a view never walks every agent.
* :func:`scenario_settings` / :func:`build_scenario`: a scenario as the flat
  settings the controls show, and back with the controls' overrides.

The controls are in ``controls.py``, the views (ECharts options drawn by the
browser) in ``views.py`` and ``system_views.py``.

The dashboard never records ``events`` (memory grows with them); every view
reads the model's arrays or its DataCollector.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from agents.distributions import CostDistribution, PhiProcess
from agents.game import BREAKUP
from agents.investment import INVESTMENT_RULES, make_rule
from agents.model import AllianceModel
from scenarios.run.measures import band_index, breakup_rate
from scenarios.scenario import Scenario, load_scenario

DEFAULT_SCENARIO = "baseline"

#: The outsider models the dashboard offers: the paper's U[0, 1] offers, and the
#: scenario's own ``[outsiders]`` model (another offer distribution, or strategic
#: outsiders) when it has one, named by its solver's description.
UNIFORM_OUTSIDERS = "uniform: U[0, 1] offers (the paper's)"
OUTSIDER_MODELS = {"uniform": UNIFORM_OUTSIDERS}


def outsider_choices(sc: Scenario) -> dict[str, dict]:
    """label -> the scenario's ``outsiders`` spec, for the outsider-model select."""
    choices = {UNIFORM_OUTSIDERS: {"model": "uniform"}}
    spec = sc.outsiders
    if spec.get("model", "uniform") != "uniform":
        choices[sc.solver().describe()] = spec
    return choices

C_DISTS = ("constant", "uniform", "evenly", "beta", "groups")
BREAKUP_BANDS = 24
NETWORK_HUBS = 10  # patrons drawn as hubs
NETWORK_PROTEGES = 150  # protégés drawn around them (the sample)


# ------------------------------------------------------------------ settings
def scenario_settings(sc: Scenario) -> dict:
    """The dashboard's flat settings (what the controls show) for a scenario."""
    cd, ph = sc.search_cost, sc.phi
    if cd.kind == "constant":
        c_low = c_high = cd.value
    elif cd.kind == "groups":
        c_low, c_high = min(cd.values), max(cd.values)
    else:
        c_low, c_high = cd.low, cd.high
    if ph.kind == "constant":
        phi, spread = ph.value, 0.0
    else:
        phi, spread = (ph.low + ph.high) / 2, (ph.high - ph.low) / 2
    inv = sc.investment_params
    return {
        "seed": sc.seed,
        "n_proteges": sc.n_proteges,
        "n_patrons": sc.n_patrons,
        "n_ad_hoc": sc.n_ad_hoc,
        "c_dist": cd.kind,
        "c_low": float(c_low),
        "c_high": float(c_high),
        "phi": float(phi),
        "phi_spread": float(spread),
        "delta": sc.delta,
        "investment": sc.investment_rule,
        "invest_step": float(inv.get("step", 0.0025)),
        "invest_cap": float(inv.get("cap", 0.05)),
        "outsiders": list(outsider_choices(sc))[-1],
    }


def _cost_distribution(base: CostDistribution, kind: str, low: float, high: float) -> CostDistribution:
    """A c distribution of ``kind`` on [low, high], keeping the scenario's shape where it has one."""
    low, high = float(min(low, high)), float(max(low, high))
    if kind == "constant":
        return CostDistribution("constant", value=low)
    if kind in ("uniform", "evenly"):
        return CostDistribution(kind, low=low, high=high)
    if kind == "beta":
        a, b = (base.a, base.b) if base.kind == "beta" else (2.0, 3.0)
        return CostDistribution("beta", low=low, high=high, a=a, b=b)
    if kind == "groups":
        if base.kind == "groups" and len(base.values) > 1 and max(base.values) > min(base.values):
            v = np.asarray(base.values, dtype=float)
            lo0, hi0 = v.min(), v.max()
            if (lo0, hi0) == (low, high):
                return base
            vals = tuple(float(x) for x in low + (v - lo0) * (high - low) / (hi0 - lo0))
            return CostDistribution("groups", values=vals, weights=base.weights)
        vals = tuple(float(x) for x in np.linspace(low, high, 5))
        return CostDistribution("groups", values=vals, weights=(1.0,) * 5)
    raise ValueError(f"c_dist: must be one of {', '.join(C_DISTS)}, got {kind!r}")


def _phi_process(base: PhiProcess, phi: float, spread: float) -> PhiProcess:
    """phi fixed (spread 0) or redrawn each round on [phi - spread, phi + spread] (within (1, 2))."""
    if not 1 < phi < 2:
        raise ValueError(f"phi: must be in (1, 2), got {phi!r}")
    if spread <= 0:
        return PhiProcess("constant", value=float(phi))
    low, high = max(phi - spread, 1.001), min(phi + spread, 1.999)
    if base.kind != "constant" and math.isclose(base.low, low) and math.isclose(base.high, high):
        return base
    if base.kind == "beta":
        return PhiProcess("beta", low=low, high=high, a=base.a, b=base.b, per=base.per)
    per = base.per if base.kind != "constant" else "round"
    return PhiProcess("uniform", low=low, high=high, per=per)


def as_scenario(scenario: str | Scenario) -> Scenario:
    """``scenario`` itself, or the scenario a name or path names (its file read once, here)."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def build_scenario(scenario: str | Scenario = DEFAULT_SCENARIO, **overrides) -> Scenario:
    """The scenario ``scenario`` (a Scenario, name or path) with the dashboard's settings
    ``overrides`` applied (None = keep)."""
    sc = as_scenario(scenario)
    base = scenario_settings(sc)
    s = dict(base)
    unknown = set(overrides) - set(s)
    if unknown:
        raise ValueError(f"unknown dashboard setting(s): {', '.join(sorted(unknown))}")
    s.update({k: v for k, v in overrides.items() if v is not None})
    outsiders = outsider_choices(sc)
    outsiders["uniform"] = outsiders[UNIFORM_OUTSIDERS]
    if s["outsiders"] not in outsiders:
        raise ValueError(f"outsiders: must be one of {', '.join(outsiders)}, got {s['outsiders']!r}")
    seed = s["seed"]
    if isinstance(seed, str):
        seed = int(seed.strip()) if seed.strip() else sc.seed
    rule = s["investment"]
    if rule not in INVESTMENT_RULES:
        raise ValueError(f"investment: must be one of {', '.join(sorted(INVESTMENT_RULES))}, got {rule!r}")
    # Sliders exist for accumulate's parameters; other parameters come from the scenario when it
    # uses the same rule, else the rule's defaults.
    params = dict(sc.investment_params) if rule == sc.investment_rule else {}
    params.update({k: float(s["invest_" + k]) for k in INVESTMENT_RULES[rule].PARAMS if "invest_" + k in s})
    make_rule(rule, **params)  # checks the ranges
    c = sc.search_cost
    if (s["c_dist"], s["c_low"], s["c_high"]) != (base["c_dist"], base["c_low"], base["c_high"]):
        c = _cost_distribution(sc.search_cost, s["c_dist"], s["c_low"], s["c_high"])
    phi = sc.phi
    if (s["phi"], s["phi_spread"]) != (base["phi"], base["phi_spread"]):
        phi = _phi_process(sc.phi, float(s["phi"]), float(s["phi_spread"]))
    return replace(
        sc,
        seed=int(seed),
        n_proteges=int(s["n_proteges"]),
        n_patrons=int(s["n_patrons"]),
        n_ad_hoc=int(s["n_ad_hoc"]),
        search_cost=c,
        phi=phi,
        delta=float(s["delta"]),
        investment_rule=rule,
        investment_params=params,
        record_events=False,
        outsiders=outsiders[s["outsiders"]],
    )


# ------------------------------------------------------------------- model
class DashboardModel(AllianceModel):
    """The population model of a scenario, with the dashboard's overrides and running summaries.

    ``DashboardModel(base_scenario="baseline")`` (a name, a path or a loaded Scenario) plays
    exactly the scenario's model;
    every other keyword (None = the scenario's value) is one of the dashboard's
    controls. Events are never recorded.
    """

    def __init__(
        self,
        base_scenario: str | Scenario = DEFAULT_SCENARIO,
        seed=None,
        n_proteges: int | None = None,
        n_patrons: int | None = None,
        n_ad_hoc: int | None = None,
        c_dist: str | None = None,
        c_low: float | None = None,
        c_high: float | None = None,
        phi: float | None = None,
        phi_spread: float | None = None,
        delta: float | None = None,
        investment: str | None = None,
        invest_step: float | None = None,
        invest_cap: float | None = None,
        outsiders: str | None = None,
    ):
        sc = build_scenario(
            base_scenario, seed=seed, n_proteges=n_proteges, n_patrons=n_patrons, n_ad_hoc=n_ad_hoc,
            c_dist=c_dist, c_low=c_low, c_high=c_high, phi=phi, phi_spread=phi_spread, delta=delta,
            investment=investment, invest_step=invest_step, invest_cap=invest_cap, outsiders=outsiders,
        )
        super().__init__(**sc.model_kwargs(record_events=False))
        self.alliance_scenario = sc  # (not `scenario`: Mesa >= 3.5 models have a `scenario` property)
        self.outsiders = sc.outsiders
        # the paper's game (analytic plays it): U[0, 1] outsiders and the pie split evenly
        # (with a [system] table the powers make the offers: not the paper's U[0, 1])
        self.paper_game = (self.outsiders.get("model", "uniform") == "uniform" and sc.benefits().is_paper
                           and sc.system is None)
        # the range of c the views show: the starting levels and what investment can reach
        c_max = float(self.c_start.max()) if self.n_proteges else 0.0
        if "cap" in sc.investment_params:
            c_max = max(c_max, float(sc.investment_params["cap"]))
        self.c_view_max = max(c_max * 1.02, 0.01)
        # breakups per band of the c the alliance played at, over the whole run
        self.band_edges = np.linspace(0.0, self.c_view_max, BREAKUP_BANDS + 1)
        self.band_rounds = np.zeros(BREAKUP_BANDS, dtype=np.int64)
        self.band_breakups = np.zeros(BREAKUP_BANDS, dtype=np.int64)
        self.total_breakups = 0
        self._analytic_curve = None
        # a fixed sample of the network: a few patrons as hubs, some of their protégés
        self.net_hubs, self.net_proteges = self._network_sample()
        self.last_moves: list[tuple[int, int, int]] = []  # (protégé, old power, new power), last round
        # The first round's equilibria, solved now rather than on the first Step (the paper's game
        # with a fixed phi: the same values the round would solve, no random draw).
        if self.paper_game and self.phi_process.constant:
            self._refresh_equilibria(float(self.phi_process.value))

    # the phi the views and the analytic panel use: the fixed value or the middle of its range
    @property
    def phi_center(self) -> float:
        p = self.phi_process
        return float(p.value) if p.constant else (p.low + p.high) / 2

    def _network_sample(self) -> tuple[np.ndarray, np.ndarray]:
        hubs = np.arange(min(NETWORK_HUBS, self.n_patrons))
        per_hub = max(1, NETWORK_PROTEGES // max(len(hubs), 1))
        picked = []
        for h in hubs:
            picked.append(np.flatnonzero(self.patron_of == h)[:per_hub])
        prot = np.concatenate(picked) if picked else np.array([], dtype=np.int64)
        return hubs, np.sort(prot)

    def step(self) -> None:
        c_played = self.c.copy()
        before = self.patron_of[self.net_proteges].copy()
        super().step()
        broke = self.last_outcome == BREAKUP
        band = band_index(c_played, self.band_edges)
        self.band_rounds += np.bincount(band, minlength=BREAKUP_BANDS)
        self.band_breakups += np.bincount(band[broke], minlength=BREAKUP_BANDS)
        self.total_breakups += int(broke.sum())
        after = self.patron_of[self.net_proteges]
        moved = np.flatnonzero(after != before)
        self.last_moves = [(int(self.net_proteges[i]), int(before[i]), int(after[i])) for i in moved]

    def analytic_curve(self, points: int = 121) -> tuple[np.ndarray, np.ndarray]:
        """analytic's p_breakup on a grid of c over the viewed range (averaged over phi's range).

        Only for the paper's game (empty otherwise: the other solvers
        take seconds to minutes for a curve).
        """
        if not self.paper_game:
            return np.array([]), np.array([])
        if self._analytic_curve is None:
            from scenarios.output.run_plots import analytic_breakup_curve

            grid = np.linspace(0.0, self.c_view_max, points)
            p = self.phi_process
            phis = np.array([p.value]) if p.constant else np.linspace(p.low, p.high, 25)
            self._analytic_curve = (grid, analytic_breakup_curve(grid, phis, self.delta))
        return self._analytic_curve

    def breakup_bands(self):
        """Simulated breakup rate per band of c: (c_mid, rate, half-width of the 95% CI, rounds)."""
        n = self.band_rounds
        keep = n > 0
        mid = (self.band_edges[:-1] + self.band_edges[1:]) / 2
        rate, half = breakup_rate(n, self.band_breakups)
        return mid[keep], rate[keep], half[keep], n[keep]
