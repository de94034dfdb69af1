"""The dashboard's model and page, rendered headless with solara.render (no browser)."""

from __future__ import annotations

import inspect
import json
import time

import numpy as np
import pytest

solara = pytest.importorskip("solara", reason="the dashboard needs solara (a project dependency)")

from scenarios.dashboard.controls import ENV_SCENARIO, model_params  # noqa: E402
from scenarios.dashboard.model import OUTSIDER_MODELS, DashboardModel, build_scenario  # noqa: E402
from scenarios.scenario import load_scenario  # noqa: E402

SMALL = """
name = "small"
seed = 11
rounds = 20
[population]
proteges = 300
patrons = 6
ad_hoc_partners = 20
[search_cost]
dist = "uniform"
low = 0.0
high = 0.06
[game]
delta = 0.99
phi = 1.1
"""


@pytest.fixture
def small_scenario(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text(SMALL)
    return str(p)


def test_dashboard_model_without_overrides_is_the_scenarios_model(small_scenario):
    a = load_scenario(small_scenario).build_model(record_events=False)
    b = DashboardModel(base_scenario=small_scenario)
    for _ in range(5):
        a.step()
        b.step()
    assert a.steps_table().equals(b.steps_table())
    # the running summaries agree with the DataCollector
    assert b.band_rounds.sum() == 5 * 300
    assert b.band_breakups.sum() == b.total_breakups == int(a.steps_table()["breakups"].to_numpy().sum())
    assert set(b.net_proteges) <= set(range(300)) and 0 < b.net_proteges.size <= 150


def test_controls_match_the_model_and_override_it(small_scenario):
    params = model_params(small_scenario)
    sig = inspect.signature(DashboardModel.__init__).parameters
    assert set(params) <= set(sig)
    assert params["n_proteges"]["value"] == 300 and params["c_dist"]["value"] == "uniform"
    assert params["outsiders"]["values"] == [OUTSIDER_MODELS["uniform"]]
    sc = build_scenario(small_scenario, n_proteges=120, c_dist="constant", c_low=0.04, phi=1.3,
                        phi_spread=0.1, delta=0.9, investment="accumulate", invest_step=0.001,
                        invest_cap=0.08, seed="5")
    assert (sc.n_proteges, sc.seed, sc.delta) == (120, 5, 0.9)
    assert sc.search_cost.kind == "constant" and sc.search_cost.value == 0.04
    assert sc.phi.kind == "uniform" and np.isclose(sc.phi.low, 1.2) and np.isclose(sc.phi.high, 1.4)
    assert sc.investment_rule == "accumulate" and sc.investment_params == {"step": 0.001, "cap": 0.08}
    with pytest.raises(ValueError, match="outsiders"):
        build_scenario(small_scenario, outsiders="strategic")


def _widgets(root):
    """Every widget under ``root`` (reacton's find stops at the first match)."""
    import ipywidgets as w

    stack, seen = [root], set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        yield x
        for k in getattr(x, "keys", []):
            val = getattr(x, k, None)
            if isinstance(val, (list, tuple)):
                stack.extend(e for e in val if isinstance(e, w.Widget))
            elif isinstance(val, w.Widget):
                stack.append(val)


def _classes(root) -> list[str]:
    """Every CSS class of every widget under ``root``."""
    return [c for x in _widgets(root) for c in (getattr(x, "class_", None) or "").split()]


def _html(root) -> str:
    """The text of every HTML element under ``root`` (the summary and the equilibrium table)."""
    return "\n".join(x.unsafe_innerHTML or "" for x in _widgets(root) if hasattr(x, "unsafe_innerHTML"))


def _charts(rc) -> dict:
    """view name -> its ECharts widget."""
    from scenarios.dashboard.chart_widget import ChartWidget

    return {_view_of(w): w for w in rc.find(ChartWidget).widgets}


def _options(rc) -> dict:
    """view name -> the ECharts option its chart shows."""
    return {name: w.option for name, w in _charts(rc).items()}


def _view_of(widget) -> str:
    return widget.option["title"]["text"].split(" (")[0]


def _texts(root) -> list[str]:
    """Every plain text shown under ``root``."""
    import ipyvuetify as v

    return [c for h in _widgets(root) if isinstance(h, v.Html) for c in (h.children or []) if isinstance(c, str)]


def _templates(root) -> str:
    out = []
    for x in _widgets(root):
        t = getattr(x, "template", None)
        t = getattr(t, "template", t)
        if isinstance(t, str):
            out.append(t)
    return "\n".join(out)


def test_page_renders_and_updates_after_a_step(small_scenario, monkeypatch):
    import ipyvuetify as v

    monkeypatch.setenv(ENV_SCENARIO, small_scenario)
    from scenarios.dashboard.app import Page

    t0 = time.perf_counter()
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        # controls: scenario, step / play / reset, the model parameters
        assert rc.find(v.Select, label="Start from scenario").widget.v_model == small_scenario
        for label in ("Step", "Reset", "▶"):
            rc.find(v.Btn, children=[label]).assert_single()
        selects = {s.label for s in rc.find(v.Select).widgets}
        assert {"Search cost c: distribution", "Investment rule", "Outsider model"} <= selects
        sliders = {s.label: s.v_model for s in rc.find(v.Slider).widgets}
        assert sliders["Protégés (= alliances)"] == 300 and sliders["delta (discount factor)"] == 0.99
        assert "phi (production cost)" in sliders and "c for this panel" in sliders
        # every slider's value is printed beside its label; no Mesa internals (tabs, threads, intervals)
        texts = _texts(box)
        assert "Protégés (= alliances): 300" in texts and "delta (discount factor): 0.990" in texts
        assert "c: high: 0.0600" in texts and "phi (production cost): 1.100" in texts
        assert not [x for x in _widgets(box) if isinstance(x, (v.Tab, v.Checkbox))]
        assert not [t for t in texts if "Interval" in t or "Threads" in t or t.startswith("Step:")]
        # views: five charts and the analytic panel; nothing needs a math renderer from a CDN
        before = _options(rc)
        assert set(before) == {"Alliance churn", "Distribution of c across alliances", "Breakup rate against c",
                               "Burden-sharing", "Alliance network"}
        assert "katex" not in _templates(box).lower()
        for cls in ("churn", "c-distribution", "breakup", "burden", "network", "analytic"):
            assert _classes(box).count(f"alliances-{cls}") == 1, cls
        rc.find(v.Html, children=["Rounds played: 0"]).assert_single()
        assert before["Breakup rate against c"]["title"]["text"] == "Breakup rate against c (no rounds yet)"

        sent = []  # options sent to the browser during the step
        for name, widget in _charts(rc).items():
            widget.observe(lambda change, name=name: sent.append(name), names="option_json")
        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(v.Html, children=["Rounds played: 1"]).assert_single()
        after = _options(rc)
        for name in ("Alliance churn", "Breakup rate against c", "Burden-sharing", "Alliance network"):
            assert after[name] != before[name], f"{name} is redrawn after a step"
        # the distribution of c did not change (no investment): its chart is not sent again
        assert "Distribution of c across alliances" not in sent and len(sent) == 4
        # one round is drawn as a visible point in the per-round charts
        for name in ("Alliance churn", "Burden-sharing"):
            series = [s for s in after[name]["series"] if s["data"]]
            assert series and all(len(s["data"]) == 1 and s["showSymbol"] for s in series), name
        assert after["Breakup rate against c"]["title"]["text"] == "Breakup rate against c (round 1)"

        # the analytic panel follows its c slider
        rc.find(v.Slider, label="c for this panel").widget.v_model = 0.05
        assert "c = 0.0500" in _html(box)

        # the controls take effect on Reset, and print their new values at once
        rc.find(v.Slider, label="Protégés (= alliances)").widget.v_model = 120
        assert "Protégés (= alliances): 120" in _texts(box)
        # that re-rendered the page: the views updated in place after the round still show it
        rc.find(v.Html, children=["Rounds played: 1"]).assert_single()
        assert _options(rc) == after
        rc.find(v.Select, label="Investment rule").widget.v_model = "accumulate"
        rc.find(v.Btn, children=["Reset"]).widget.click()
        rc.find(v.Html, children=["Rounds played: 0"]).assert_single()
        text = _html(box)
        assert "120 protégés" in text and "investment accumulate(" in text
        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(v.Html, children=["Rounds played: 1"]).assert_single()

        # another scenario resets the controls to its values and starts its model
        rc.find(v.Select, label="Start from scenario").widget.v_model = "institutional_ratchet"
        sliders = {s.label: s.v_model for s in rc.find(v.Slider).widgets}
        assert sliders["Protégés (= alliances)"] == 2000 and sliders["accumulate: cap"] == 0.05
        assert rc.find(v.Select, label="Investment rule").widget.v_model == "accumulate"
        rc.find(v.Html, children=["Rounds played: 0"]).assert_single()
    finally:
        rc.close()
    assert time.perf_counter() - t0 < 120


def test_play_plays_rounds_until_paused(small_scenario, monkeypatch):
    import ipyvuetify as v

    monkeypatch.setenv(ENV_SCENARIO, small_scenario)
    from scenarios.dashboard.app import Page

    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        rc.find(v.Btn, children=["▶"]).widget.click()
        deadline = time.monotonic() + 30
        while "Rounds played: 0" in _texts(box) and time.monotonic() < deadline:
            time.sleep(0.05)
        rc.find(v.Btn, children=["❚❚"]).widget.click()
        time.sleep(0.5)  # a round in flight ends
        played = [t for t in _texts(box) if t.startswith("Rounds played: ")]
        time.sleep(0.5)
        assert played == [t for t in _texts(box) if t.startswith("Rounds played: ")], "paused"
        assert played != ["Rounds played: 0"]
        n = int(played[0].rsplit(" ", 1)[1])  # the charts show the rounds the counter shows
        assert _options(rc)["Breakup rate against c"]["title"]["text"].endswith(f"{n})")
    finally:
        rc.close()


def test_cli_dashboard_rejects_a_bad_scenario_before_starting(capsys):
    from scenarios.cli import main

    assert main(["dashboard", "no_such_scenario", "--no-browser"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("alliances: error: scenario 'no_such_scenario'") and "\n" not in err
    assert main(["dashboard", "baseline", "--port", "70000", "--no-browser"]) == 2


def test_network_sample_places_each_protege_at_its_current_patron(small_scenario):
    from scenarios.dashboard.views import network_layout

    m = DashboardModel(base_scenario=small_scenario)
    moved = []
    for _ in range(6):
        m.step()
        moved += m.last_moves
    assert moved, "some sampled protégés broke up in 6 rounds"
    pos, xy, powers = network_layout(m)
    assert np.array_equal(powers, m.patron_of[m.net_proteges])
    centers = np.array([pos[int(p)] for p in powers])
    assert np.all(np.hypot(*(xy - centers).T) <= 0.31)
    for q, old, new in m.last_moves:  # a breakup moves the protégé to its new patron, an ad hoc partner
        assert new >= m.n_patrons and m.patron_of[q] == new != old


@pytest.mark.parametrize("name", ["baseline", "institutional_ratchet", "search_cost_gradient", "volatile_costs",
                                  "outside_offers_beta", "system_balancing"])
def test_every_view_draws_every_bundled_scenario(name):
    from scenarios.dashboard import views as dv

    m = DashboardModel(base_scenario=name, n_proteges=150)
    names = [*dv.CHARTS, *dv.system_chart_names(m)]
    assert (len(names) > len(dv.CHARTS)) == (name == "system_balancing")
    options = [dv.ALL_CHARTS[v][0](m) for v in names]  # before the first round
    m.step()
    m.step()
    options += [dv.ALL_CHARTS[v][0](m) for v in names]
    for opt in options:  # plain JSON (what the browser gets): no nan, no numpy numbers
        json.loads(json.dumps(opt, allow_nan=False))
        assert opt["title"]["text"] and "rounds 1-0" not in opt["title"]["text"]
    rows = dict(dv.equilibrium_rows(m.phi_center, float(np.median(m.c)), m.delta))
    assert "P(breakup)" in rows and rows["regime"].startswith("Prop.")
    assert "150 protégés" in dv.model_summary(m)


def test_breakup_view_does_not_join_the_curve_across_its_jump_at_1_32():
    from analytic.paper import C_PROP1
    from scenarios.dashboard import views as dv

    m = DashboardModel(base_scenario="baseline", n_proteges=100)
    curve = dv.breakup_option(m)["series"][0]["data"]
    gap = [i for i, (x, y) in enumerate(curve) if y is None]
    assert len(gap) == 1 and curve[gap[0]][0] == C_PROP1
    assert curve[gap[0] - 1][0] < C_PROP1 <= curve[gap[0] + 1][0]


def test_outsider_model_select_offers_the_papers_and_the_scenarios():
    import analytic
    from scenarios.dashboard.model import UNIFORM_OUTSIDERS

    values = model_params("strategic_outsiders")["outsiders"]
    assert values["values"][0] == UNIFORM_OUTSIDERS and len(values["values"]) == 2
    assert values["value"] == values["values"][1] and "strategic" in values["value"]
    sc = build_scenario("strategic_outsiders", outsiders=UNIFORM_OUTSIDERS)
    assert sc.outsiders == {"model": "uniform"}
    assert build_scenario("strategic_outsiders").outsiders["model"] == "strategic"
    m = DashboardModel(base_scenario="outside_offers_beta")
    assert m.solver is not analytic.PAPER_GAME and not m.paper_game and m.analytic_curve()[1].size == 0
    m = DashboardModel(base_scenario="outside_offers_beta", outsiders="uniform")
    assert m.solver is analytic.PAPER_GAME and m.paper_game


def test_divided_pie_is_not_the_papers_game():
    """A scenario with [bargaining] plays analytic.bargaining's solver; the panel uses it too."""
    from analytic.bargaining import PieSolver
    from scenarios.dashboard.views import equilibrium_rows

    m = DashboardModel(base_scenario="dividing_the_pie", n_proteges=50)
    assert isinstance(m.solver, PieSolver) and not m.paper_game
    rows = dict(equilibrium_rows(1.1, 0.01, 0.99, m.solver))
    assert rows["P(breakup)"] == f"{m.solver.solve(1.1, 0.01, 0.99).p_breakup:.4f}"


def test_the_page_reads_the_scenario_file_once(small_scenario, monkeypatch):
    """Controls, model and Reset all work from the one Scenario the page loaded."""
    import ipyvuetify as v

    import scenarios.scenario as scenario_module

    reads = []
    real = scenario_module.read_toml
    monkeypatch.setattr(scenario_module, "read_toml", lambda path: reads.append(path) or real(path))
    monkeypatch.setenv(ENV_SCENARIO, small_scenario)
    from scenarios.dashboard.app import Page

    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(v.Slider, label="Protégés (= alliances)").widget.v_model = 120
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert "120 protégés" in _html(box)
    finally:
        rc.close()
    assert [str(p) for p in reads] == [small_scenario]


# ------------------------------------------------------------ the system's views (issue 11)
def _market_by_bisection(strength, load, discount, q):
    """The q-quantile of F = mean over the powers of U[0, v_j], v_j = b_j / (1 + discount n_j),
    by bisection on F written out directly (an independent check of the piecewise CDF)."""
    v = np.asarray(strength, dtype=float) / (1.0 + discount * np.asarray(load, dtype=float))
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(np.minimum(1.0, mid / v)) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2, v.mean() / 2


def test_system_views_data_are_the_models_tables_and_check_by_brute_force():
    from scenarios.dashboard.system_views import MARKET, concentration_series, load_points, market_series

    m = DashboardModel(base_scenario="system_balancing")
    assert m.alliance_scenario.system.pool == "all"  # the market below is over every power
    for _ in range(3):
        m.step()
    load_before = np.bincount(m.patron_of, minlength=m.system.n_powers)  # the 4th round's starting loads
    m.step()
    steps = m.steps_table().to_pandas()
    market, conc = market_series(m), concentration_series(m)
    assert market["round"].tolist() == steps["step"].tolist() == [1, 2, 3, 4]
    for k in MARKET:
        assert np.array_equal(market[k], steps[k].to_numpy(dtype=float)), k
    for k in ("effective_poles", "largest_share", "powers_leading"):
        assert np.array_equal(conc[k], steps[k].to_numpy(dtype=float)), k
    # brute force for the 4th round: shares of protégés, and F_t's quantiles and mean
    share = load_before / m.n_proteges
    assert conc["effective_poles"][-1] == pytest.approx(1.0 / np.sum(share ** 2), rel=1e-12)
    assert conc["largest_share"][-1] == pytest.approx(share.max(), rel=1e-12)
    assert conc["powers_leading"][-1] == np.count_nonzero(load_before)
    discount = m.alliance_scenario.system.load_discount
    for q, key in ((0.1, "offer_q10"), (0.5, "offer_q50"), (0.9, "offer_q90")):
        x, mean = _market_by_bisection(m.system.strength, load_before, discount, q)
        assert market[key][-1] == pytest.approx(x, abs=1e-9), key
    assert market["true_mean_offer"][-1] == pytest.approx(mean, rel=1e-12)
    assert np.all(np.diff(np.column_stack([market["offer_q10"], market["offer_q50"], market["offer_q90"]])) > 0)
    # the loads now: the powers' table, and a count of the protégés' patrons
    pts, powers = load_points(m), m.powers_table().to_pandas()
    assert np.array_equal(pts["strength"], powers["strength"].to_numpy())
    assert np.array_equal(pts["load"], powers["load_end"].to_numpy(dtype=float))
    counted = np.zeros(m.system.n_powers)
    for p in m.patron_of.tolist():
        counted[p] += 1
    assert np.array_equal(pts["load"], counted) and pts["load"].sum() == m.n_proteges
    assert pts["started_as_patron"].sum() == m.n_patrons


def test_system_views_draw_the_data():
    from scenarios.dashboard.options import rounded
    from scenarios.dashboard.system_views import (
        concentration_option,
        load_points,
        loads_option,
        market_option,
        market_series,
    )

    m = DashboardModel(base_scenario="system_balancing")
    assert market_option(m)["graphic"] and concentration_option(m)["graphic"]  # "press Step" before a round
    for _ in range(3):
        m.step()
    series = {s["name"]: s["data"] for s in market_option(m)["series"]}
    d = market_series(m)
    assert [y for _, y in series["median"]] == rounded(d["offer_q50"]).tolist()
    assert [y for _, y in series["mean believed"]] == rounded(d["believed_mean_offer"]).tolist()
    assert [y for _, y in series["mean (true F_t)"]] == rounded(d["true_mean_offer"]).tolist()
    conc = concentration_option(m)
    assert [s["yAxisIndex"] for s in conc["series"] if "yAxisIndex" in s] == [1]  # the share: right axis
    loads = loads_option(m)
    pts = load_points(m)
    drawn = sorted((row[2], row[0], row[1]) for s in loads["series"] for row in s["data"])
    assert drawn == sorted(zip(pts["power"].tolist(), pts["strength"].tolist(), pts["load"].tolist()))
    # the breakup view draws no paper's curve under the system's offers; the panel says so
    assert not m.paper_game and m.analytic_curve()[1].size == 0


def test_page_shows_the_system_views_only_with_a_system(monkeypatch):
    import ipyvuetify as v

    from scenarios.dashboard.controls import scenario_choices

    assert "system_balancing" in scenario_choices()
    monkeypatch.setenv(ENV_SCENARIO, "system_balancing")
    from scenarios.dashboard.app import Page

    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        assert "system_balancing" in rc.find(v.Select, label="Start from scenario").widget.items
        charts = _charts(rc)
        assert {"Market of outside offers", "Concentration", "Load against strength"} <= set(charts)
        for cls in ("market", "concentration", "loads"):
            assert _classes(box).count(f"alliances-{cls}") == 1, cls
        assert "for comparison" in _html(box)
        sent = []
        for name, widget in charts.items():
            widget.observe(lambda change, name=name: sent.append(name), names="option_json")
        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(v.Html, children=["Rounds played: 1"]).assert_single()
        assert {"Market of outside offers", "Concentration", "Load against strength"} <= set(sent)
        # back to a scenario without [system]: the system's views are gone
        rc.find(v.Select, label="Start from scenario").widget.v_model = "baseline"
        assert not {"Market of outside offers", "Concentration", "Load against strength"} & set(_charts(rc))
        assert not [c for c in _classes(box) if c in ("alliances-market", "alliances-loads")]
    finally:
        rc.close()
