"""The dashboard page: ``solara run scenarios.dashboard.app`` (or ``alliances dashboard [SCENARIO]``).

A Mesa SolaraViz page on :class:`scenarios.dashboard.model.DashboardModel`. The
scenario to start from is chosen above Mesa's controls (the first one comes from
``$ALLIANCES_DASHBOARD_SCENARIO``, default ``baseline``); choosing another sets
every control to that scenario's values and starts its model. The controls
(population sizes, the distribution of c, phi and delta, the investment rule,
the outsider model, the seed) take effect on *Reset*; *Step* plays one round,
▶ plays rounds until paused.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from scenarios.dashboard.controls import model_params, scenario_choices, starting_scenario
from scenarios.dashboard.model import DashboardModel
from scenarios.dashboard.views import VIEWS
from scenarios.scenario import load_scenario

TITLE = "Alliances: Fang & Ramsay's game in a population"


@solara.component
def ScenarioPicker(scenario: solara.Reactive[str], choices: list[str]):
    with solara.Card("Scenario", classes=["alliances-scenario"]):
        solara.Select("Start from scenario", value=scenario, values=choices)
        solara.Text("Choosing one resets every control below to its values.",
                    style={"font-size": "0.85em", "color": "#666"})


@solara.component
def Page():
    first = solara.use_memo(starting_scenario, [])
    scenario = solara.use_reactive(first)
    choices = solara.use_memo(lambda: scenario_choices(first), [first])
    sc = solara.use_memo(lambda: load_scenario(scenario.value), [scenario.value])  # the file, read once
    params = solara.use_memo(lambda: model_params(sc), [scenario.value])
    model = solara.use_memo(lambda: DashboardModel(base_scenario=sc), [scenario.value])
    solara.Title("Alliances dashboard")
    with solara.Sidebar():
        ScenarioPicker(scenario, choices)
    # keyed by the scenario: a new scenario mounts a fresh SolaraViz whose controls start at its values
    with solara.Column(style={"width": "100%"}):
        SolaraViz(
            model,
            components=[(v, 0) for v in VIEWS],
            model_params=params,
            name=f"{TITLE} ({scenario.value})",
            play_interval=150,
        ).key(f"viz-{scenario.value}")


page = Page
