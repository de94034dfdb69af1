"""The dashboard page: ``solara run scenarios.dashboard.app`` (or ``alliances dashboard [SCENARIO]``).

A solara page on :class:`scenarios.dashboard.model.DashboardModel` (a Mesa model).
The sidebar holds the scenario to start from (the first one comes from
``$ALLIANCES_DASHBOARD_SCENARIO``, default ``baseline``; choosing another sets
every control to its values and starts its model), *Reset* / ▶ / *Step*, and the
model's parameters, each printed with its value (they take effect on *Reset*).
The views (``views.py``) are redrawn after each round, each only when what it
shows changed.
"""

from __future__ import annotations

import threading
import time

import solara

from scenarios.dashboard.controls import (
    ParameterInputs,
    initial_values,
    model_params,
    scenario_choices,
    starting_scenario,
)
from scenarios.dashboard.model import DashboardModel
from scenarios.dashboard.views import CHARTS, AnalyticPanel, Chart, system_chart_names
from scenarios.scenario import load_scenario

TITLE = "Alliances: Fang & Ramsay's game in a population"
PLAY_PAUSE = 0.15  # seconds between two rounds while playing (the browser draws one before the next)
SIDEBAR_WIDTH = 380  # px

#: The page's CSS: a sidebar of fixed width whatever a select's text, labels that wrap, two views per row.
CSS = f"""
.v-navigation-drawer {{ width: {SIDEBAR_WIDTH}px !important; min-width: {SIDEBAR_WIDTH}px !important;
                        max-width: {SIDEBAR_WIDTH}px !important; }}
.v-navigation-drawer .v-select__selection {{ white-space: normal; line-height: 1.3; }}
.alliances-param .v-input__slider .v-label {{ display: none; }}
.alliances-param-label {{ font-size: 0.9em; color: #444; margin-top: 6px; }}
.alliances-param .v-input {{ margin-top: 0; }}
.alliances-views {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.alliances-views > .alliances-cell {{ flex: 1 1 calc(50% - 12px); min-width: 460px; }}
table.alliances-equilibrium td {{ padding: 2px 10px; border-bottom: 1px solid #eee; font-size: 0.92em; }}
"""


@solara.component
def ScenarioPicker(scenario: solara.Reactive[str], choices: list[str]):
    with solara.Card("Scenario", classes=["alliances-scenario"]):
        solara.Select("Start from scenario", value=scenario, values=choices)
        solara.Text("Choosing one resets every control below to its values.",
                    style={"font-size": "0.85em", "color": "#666"})


@solara.component
def Dashboard(sc, params: dict):
    """Controls and views of one scenario's model (mounted afresh for each scenario)."""
    values = solara.use_reactive(initial_values(params))
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(**initial_values(params)), []))
    rounds = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    error = solara.use_reactive(None)

    def step():
        try:
            model.value.step()
        except Exception as e:  # shown on the page, the model kept as it was
            error.set(f"error in round {model.value.steps + 1}: {e}")
            playing.set(False)
        rounds.set(model.value.steps)

    def play(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            step()
            time.sleep(PLAY_PAUSE)

    solara.use_thread(play, dependencies=[playing.value], intrusive_cancel=False)

    def reset():
        playing.set(False)
        error.set(None)
        try:
            model.set(DashboardModel(**values.value))
        except ValueError as e:
            error.set(str(e))
        rounds.set(model.value.steps)

    with solara.Sidebar():
        with solara.Card("Controls", classes=["alliances-controls"]):
            with solara.Row(justify="space-between"):
                solara.Button("Reset", color="primary", on_click=reset)
                solara.Button("❚❚" if playing.value else "▶", color="primary",
                              on_click=lambda: playing.set(not playing.value))
                solara.Button("Step", color="primary", on_click=step, disabled=playing.value)
            solara.Text("Step plays one round, ▶ plays rounds until paused, Reset builds a new model "
                        "from the parameters below.", style={"font-size": "0.85em", "color": "#666"})
            if error.value:
                solara.Error(error.value)
        with solara.Card("Model parameters", classes=["alliances-params"]):
            ParameterInputs(params, values)
    Views(model.value, rounds)


@solara.component
def Views(model: DashboardModel, rounds: solara.Reactive[int]):
    """The charts and the equilibrium panel, two per row (redrawn when ``rounds`` changes; the
    controls are not)."""
    played = rounds.value
    with solara.Div(classes=["alliances-views"]):
        for name in CHARTS:
            with solara.Div(classes=["alliances-cell"]):
                Chart(name, model, played)
        with solara.Div(classes=["alliances-cell"]):
            AnalyticPanel(model, played).key(f"analytic-{id(model)}")
        for name in system_chart_names(model):  # the market and concentration ([system] only)
            with solara.Div(classes=["alliances-cell"]):
                Chart(name, model, played)


@solara.component
def Page():
    first = solara.use_memo(starting_scenario, [])
    scenario = solara.use_reactive(first)
    choices = solara.use_memo(lambda: scenario_choices(first), [first])
    sc = solara.use_memo(lambda: load_scenario(scenario.value), [scenario.value])  # the file, read once
    params = solara.use_memo(lambda: model_params(sc), [scenario.value])
    solara.Title("Alliances dashboard")
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(f"{TITLE} ({scenario.value})")
    with solara.Sidebar():
        ScenarioPicker(scenario, choices)
    # keyed by the scenario: a new scenario mounts a fresh Dashboard whose controls start at its values
    Dashboard(sc, params).key(f"dashboard-{scenario.value}")


page = Page
