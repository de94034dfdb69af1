"""The dashboard's controls: the starting scenario and the model's parameters (each shown with its value)."""

from __future__ import annotations

import os

import solara

from agents.investment import INVESTMENT_RULES
from scenarios.dashboard.model import (
    C_DISTS,
    DEFAULT_SCENARIO,
    as_scenario,
    outsider_choices,
    scenario_settings,
)
from scenarios.scenario import Scenario, bundled_scenarios

#: Environment variable through which ``alliances dashboard SCENARIO`` names the starting scenario.
ENV_SCENARIO = "ALLIANCES_DASHBOARD_SCENARIO"
C_SLIDER_MAX = 0.3


def starting_scenario() -> str:
    """The scenario named by ``$ALLIANCES_DASHBOARD_SCENARIO`` (default ``baseline``)."""
    return os.environ.get(ENV_SCENARIO) or DEFAULT_SCENARIO


def scenario_choices(current: str | None = None) -> list[str]:
    """Bundled scenario names, plus ``current`` (a path, say) if it is not one of them."""
    names = bundled_scenarios()
    if current and current not in names:
        names = [current] + names
    return names


def _slider(kind, label, value, lo, hi, step):
    return {"type": kind, "label": label, "value": value, "min": min(lo, value), "max": max(hi, value), "step": step}


def model_params(scenario: str | Scenario = DEFAULT_SCENARIO) -> dict:
    """The model's parameters as control specs (Mesa's ``model_params`` format): every control starts at the scenario's value (a
    Scenario, name or path; a loaded Scenario is passed on to the model, not read again)."""
    sc = as_scenario(scenario)
    s = scenario_settings(sc)
    return {
        "base_scenario": sc,  # fixed: the scenario select above the controls chooses it
        "seed": {"type": "InputText", "label": "Random seed", "value": str(s["seed"])},
        "n_proteges": _slider("SliderInt", "Protégés (= alliances)", s["n_proteges"], 10, 20000, 10),
        "n_patrons": _slider("SliderInt", "Patrons at the start", s["n_patrons"], 1, 500, 1),
        "n_ad_hoc": _slider("SliderInt", "Ad hoc partners (the pool)", s["n_ad_hoc"], 3, 1000, 1),
        "c_dist": {"type": "Select", "label": "Search cost c: distribution", "value": s["c_dist"],
                   "values": list(C_DISTS)},
        "c_low": _slider("SliderFloat", "c: low (the value if constant)", s["c_low"], 0.0, C_SLIDER_MAX, 0.0025),
        "c_high": _slider("SliderFloat", "c: high", s["c_high"], 0.0, C_SLIDER_MAX, 0.0025),
        "phi": _slider("SliderFloat", "phi (production cost)", s["phi"], 1.01, 1.99, 0.005),
        "phi_spread": _slider("SliderFloat", "phi redrawn each round: +/- spread (0 = fixed)",
                              s["phi_spread"], 0.0, 0.45, 0.005),
        "delta": _slider("SliderFloat", "delta (discount factor)", s["delta"], 0.5, 1.0, 0.005),
        "investment": {"type": "Select", "label": "Investment rule", "value": s["investment"],
                       "values": sorted(INVESTMENT_RULES)},
        "invest_step": _slider("SliderFloat", "accumulate: step per round acted", s["invest_step"], 0.0, 0.02, 0.0005),
        "invest_cap": _slider("SliderFloat", "accumulate: cap", s["invest_cap"], 0.0, 0.3, 0.005),
        "outsiders": {"type": "Select", "label": "Outsider model", "value": s["outsiders"],
                      "values": list(outsider_choices(sc))},
    }


def value_text(spec: dict, value) -> str:
    """A control's value as the sidebar prints it beside its label."""
    if spec["type"] == "SliderInt":
        return f"{int(value):,}"
    if spec["type"] == "SliderFloat":
        step = f"{spec.get('step') or 0.001:g}"  # as many decimals as the slider's step has
        digits = max(2, len(step.split(".")[1]) if "." in step else 0)
        return f"{float(value):.{digits}f}"
    return str(value)


@solara.component
def ParameterInput(name: str, spec: dict, value, on_value):
    """One of the model's parameters: its label with its value, then its slider, select or text field."""
    kind = spec["type"]
    with solara.Column(classes=["alliances-param", f"alliances-param-{name}"], gap="0px"):
        if kind in ("SliderInt", "SliderFloat"):
            solara.Text(f"{spec['label']}: {value_text(spec, value)}", classes=["alliances-param-label"])
            slider = solara.SliderInt if kind == "SliderInt" else solara.SliderFloat
            slider(spec["label"], value=value, on_value=on_value, min=spec["min"], max=spec["max"],
                   step=spec["step"], thumb_label=False)
        elif kind == "Select":
            solara.Select(spec["label"], value=value, values=spec["values"], on_value=on_value)
        elif kind == "InputText":
            solara.InputText(spec["label"], value=value, on_value=on_value)
        else:
            raise ValueError(f"{name}: control type must be SliderInt, SliderFloat, Select or InputText, got {kind!r}")


def initial_values(params: dict) -> dict:
    """The keyword arguments of DashboardModel that ``params`` (from :func:`model_params`) starts with."""
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}


@solara.component
def ParameterInputs(params: dict, values: solara.Reactive[dict]):
    """Every adjustable parameter of ``params``; changes go into ``values`` (used on *Reset*)."""
    for name, spec in params.items():
        if isinstance(spec, dict):
            ParameterInput(name, spec, values.value[name],
                           lambda v, name=name: values.set({**values.value, name: v}))
