"""The output figures read well: one style, curves off the frame, nothing joined across the jump
at c = 1/32, legends in words, no repeated or empty panels. The figures are caught as they are
saved (``save_figure`` replaced) and their artists inspected."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analytic.paper import C_PROP1
from scenarios.output.style import broken_at


@pytest.fixture
def caught(monkeypatch):
    """name of the file -> the figure that would have been written there."""
    import scenarios.output.run_plots as run_plots
    import scenarios.output.sweep_plots as sweep_plots
    import scenarios.studies.over_c as over_c

    figs = {}

    def keep(fig, path, dpi, bbox_inches=None):
        fig.canvas.draw()
        figs[str(path).rsplit("/", 1)[-1]] = fig
        return path

    for module in (run_plots, sweep_plots, over_c):
        monkeypatch.setattr(module, "save_figure", keep)
    yield figs
    import matplotlib.pyplot as plt

    plt.close("all")


def _run_tables(name: str, rounds: int, proteges: int = 300) -> tuple:
    from scenarios.scenario import load_scenario

    sc = replace(load_scenario(name), n_proteges=proteges, rounds=rounds)
    model = sc.build_model(record_events=True)
    for _ in range(rounds):
        model.step()
    return sc, {"steps.parquet": model.steps_table(), "events.parquet": model.events_table(),
                "alliances.parquet": model.alliances_table()}


def _lines(ax, label_part: str):
    return [ln for ln in ax.get_lines() if label_part in (ln.get_label() or "")]


def test_broken_at_leaves_a_gap_at_the_jump():
    x, y = broken_at(np.array([0.0, 0.02, C_PROP1, 0.05]), np.array([0.3, 0.3, 0.0, 0.0]), C_PROP1)
    assert np.isnan(y[2]) and x[2] == C_PROP1 and x[3] == C_PROP1 and y[3] == 0.0
    assert np.array_equal(broken_at([0.04, 0.05], [1, 2], C_PROP1)[1], [1, 2])


def test_run_plots_keep_curves_off_the_frame_and_the_jump_apart(caught, tmp_path):
    from scenarios.output.run_plots import make_plots

    sc, tables = _run_tables("baseline", rounds=8)
    make_plots(tmp_path, sc, tables)
    surv = caught["survival.png"].axes[0]
    assert surv.get_ylim()[1] > 1.03, "a curve at 1 would lie on the top frame"
    legend = surv.get_legend()
    box, frame = legend.get_window_extent(), surv.get_window_extent()
    assert box.y1 <= frame.y0, "the legend is under the plot, not over the curves"
    curve = _lines(caught["breakup_vs_c.png"].axes[0], "analytic")[0]
    x, y = curve.get_data()
    i = int(np.searchsorted(x, C_PROP1))
    assert np.isnan(np.asarray(y, dtype=float)[i]), "the analytic curve is not joined across c = 1/32"
    c_ax = caught["c_distribution.png"].axes[0]
    assert c_ax.get_ylim()[0] == 0 and c_ax.get_ylim()[1] >= C_PROP1


def test_c_distribution_does_not_blow_up_a_tiny_wiggle(caught, tmp_path):
    from scenarios.output.run_plots import make_plots

    sc, tables = _run_tables("institutional_ratchet", rounds=6)
    make_plots(tmp_path, sc, tables)
    steps = tables["steps.parquet"].to_pandas()
    lo, hi = caught["c_distribution.png"].axes[0].get_ylim()
    spread = float(steps["c_median"].max() - steps["c_median"].min())
    assert lo == 0 and spread < 0.5 * (hi - lo)


def test_burden_sharing_of_a_long_noisy_run_is_smoothed(caught, tmp_path):
    from scenarios.output.run_plots import SMOOTH_FROM, make_plots

    sc, tables = _run_tables("volatile_costs", rounds=SMOOTH_FROM + 5, proteges=200)
    make_plots(tmp_path, sc, tables)
    ax = caught["burden_sharing.png"].axes[0]
    gap = _lines(ax, "above the free-riding minimum")[0].get_ydata()
    raw = tables["steps.parquet"].to_pandas()["free_riding_gap"].to_numpy()
    assert "average" in _lines(ax, "above the free-riding minimum")[0].get_label()
    assert np.nanstd(np.diff(gap)) < 0.7 * np.nanstd(np.diff(raw)), "the drawn line is smoother than the rounds"


def test_sweep_plot_legend_in_words_no_repeated_or_empty_panels(caught, tmp_path):
    from scenarios.output.sweep_plots import PLOTTED, in_words, sweep_plots
    from scenarios.sweep_spec import load_plan

    assert in_words('{rule = "accumulate", step = 0.005, cap = 0.05}') == "accumulate (step 0.005, cap 0.05)"
    assert in_words('{rule = "none"}') == "none" and in_words(0.02) == "0.02"
    plan = load_plan("tiny")
    rng = np.random.default_rng(0)
    rows = []
    for point, (high, inv) in enumerate([(h, i) for h in (0.02, 0.06) for i in ('{rule = "none"}',
                                         '{rule = "accumulate", step = 0.005, cap = 0.05}')]):
        for rep in range(3):
            contribution = 0.65 + rng.normal(0, 0.01)
            rows.append({"point": point, "status": "done", "search_cost.high": high, "investment": inv,
                         "c_start_mean": high / 2 + rng.normal(0, 1e-3), "phi": 1.1,
                         **{m: rng.uniform(0.1, 0.9) for m in PLOTTED},
                         "mean_contribution": contribution, "free_riding_gap": contribution - 0.1})
    sweep_plots(pd.DataFrame(rows), plan, tmp_path, x=None, hue=None)
    fig = caught["sweep_measures.png"]
    shown = [ax for ax in fig.axes if ax.get_visible()]
    panels = [ax for ax in shown if ax.get_lines()]
    titles = [ax.get_title() for ax in panels]
    assert len(panels) == len(PLOTTED) - 1 and not any("free-riding" in t for t in titles), titles
    legend_axes = [ax for ax in shown if not ax.get_lines()]
    assert len(legend_axes) == 1 and legend_axes[0].get_legend() is not None, "no empty panel"
    texts = [t.get_text() for t in legend_axes[0].get_legend().get_texts()]
    assert texts == ["none", "accumulate (step 0.005, cap 0.05)"]
    assert all(not ax.get_ylabel() for ax in panels), "the measure is the panel's title, not a long y-label"
    boxes = [ax.title.get_window_extent() for ax in panels]  # titles do not run into each other
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_extension_figures_share_the_style_and_break_the_papers_curve(caught, tmp_path):
    import matplotlib

    from scenarios.studies.over_c import plot_over_c

    c = np.linspace(0, 0.06, 13)
    rows = []
    for label, shift in (("paper: even split", 0.0), ("another split", 0.0)):  # on top of each other
        for ci in c:
            accept = ci >= C_PROP1
            rows.append({"division": label, "c": ci, "first_move": "accept" if accept else "search",
                         "p_breakup": 0.0 if accept else 0.3, "expected_contribution": 0.6 + shift,
                         "u_protege": 0.6 - ci})
    plot_over_c(pd.DataFrame(rows), "division", tmp_path / "x.png", "a title", "division of the pie")
    fig = caught["x.png"]
    ax = fig.axes[0]
    # the project's style (seaborn's white grid, as the run, sweep and paper figures), not matplotlib's
    assert matplotlib.colors.to_hex(ax.spines["left"].get_edgecolor()) == "#cccccc"
    assert ax.xaxis.get_gridlines()[0].get_visible()
    first = [ln for ln in ax.get_lines() if ln.get_color() == "C0"]
    assert len(first) == 2 and max(first[0].get_xdata()) < C_PROP1 <= min(first[1].get_xdata()), \
        "the paper's curve is two pieces, not joined across 1/32"
    widths = sorted({ln.get_linewidth() for ln in ax.get_lines() if len(ln.get_xdata()) > 1})
    assert len(widths) == 2, "lines on top of each other are drawn in different widths"
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["paper: even split", "another split"]
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 9.5, "a legend that can be read"


def test_extension_figures_mark_the_exact_c_star_not_the_grid_point(caught, tmp_path):
    """The payoff panel's dot sits at the welfare optimizer's c* (1/32), between grid points."""
    from scenarios.studies.over_c import plot_over_c

    c = np.linspace(0, 0.06, 5)  # 0, 0.015, 0.03, 0.045, 0.06: 1/32 is on none of them
    rows = [{"division": "paper", "c": ci, "first_move": "search", "p_breakup": 0.2,
             "expected_contribution": 0.6, "u_protege": 0.6 - abs(ci - 0.03)} for ci in c]
    plot_over_c(pd.DataFrame(rows), "division", tmp_path / "x.png", "t", "division",
                c_star={"paper": (C_PROP1, 0.65)})
    dots = [ln for ln in caught["x.png"].axes[2].get_lines() if ln.get_marker() == "o" and len(ln.get_xdata()) == 1]
    assert [(float(d.get_xdata()[0]), float(d.get_ydata()[0])) for d in dots] == [(C_PROP1, 0.65)]


def test_the_style_without_seaborn_is_seaborns_theme():
    """A run's plots are drawn without importing seaborn (``themed_pyplot``), in the style every
    other figure gets from seaborn's theme (``seaborn_pyplot``): every setting equal, but
    seaborn's own colour map (no run plot draws an image)."""
    import matplotlib as mpl

    from scenarios.output.style import seaborn_pyplot, themed_pyplot

    def settings(make) -> dict:
        with mpl.rc_context():
            mpl.rcdefaults()
            make()
            rc = dict(mpl.rcParams)
        rc["axes.prop_cycle"] = [mpl.colors.to_hex(c) for c in rc["axes.prop_cycle"].by_key()["color"]]
        return rc

    mine, seaborns = settings(themed_pyplot), settings(seaborn_pyplot)
    assert {k for k in seaborns if seaborns[k] != mine[k]} == {"image.cmap"}
    assert mine["axes.prop_cycle"][:2] == ["#4c72b0", "#dd8452"], "seaborn's deep palette"
    assert settings(lambda: None)["axes.grid"] is False, "the comparison starts from matplotlib's defaults"


def test_a_runs_plots_do_not_import_seaborn(tmp_path):
    """(importing seaborn is half a second of every `alliances run`: docs/performance.md)"""
    import subprocess
    import sys

    code = ("import sys\n"
            "from pathlib import Path\n"
            "from scenarios.run.runner import run_scenario\n"
            "from scenarios.scenario import load_scenario\n"
            "sc = load_scenario('baseline').with_overrides(rounds=3)\n"
            f"run_scenario(sc, out={str(tmp_path)!r}, progress=False)\n"
            "assert (Path(sys.argv[1]) / 'churn.png').is_file()\n"
            "print('seaborn' in sys.modules, 'scipy.stats' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"], out.stdout
