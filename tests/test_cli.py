"""Tests of the ``alliances`` CLI: errors, ``equilibrium --json``, ``welfare`` and Figures 3-4.

Expected numbers come from ``analytic`` itself or from the paper's stated facts
(Prop. 1: the alliance acts for sure when c >= 1/32; Figure 4: c* = 1/32 at
phi = 1.1, delta = .99), never from copied output.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analytic
from scenarios import cli
from scenarios.output import figures

EQUILIBRIUM_FIELDS = {
    "phi", "c", "delta", "r1", "first_move", "u_patron", "u_protege",
    "p_alliance", "p_breakup", "p_none", "expected_contribution", "contribution_excess",
    "r_star", "r_tilde", "r1_star", "regime", "paper_assumptions_hold",
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh interpreter, as a user would."""
    return subprocess.run([sys.executable, "-m", "scenarios.cli", *args],
                          capture_output=True, text=True, timeout=300)


# --- errors -------------------------------------------------------------------

BAD_INPUTS = [
    (["equilibrium", "--phi", "2.5", "--c", "0.02", "--delta", "0.99"], "phi"),
    (["equilibrium", "--phi", "1.1", "--c", "-1", "--delta", "0.99"], "c"),
    (["equilibrium", "--phi", "1.1", "--c", "0.02", "--delta", "0"], "delta"),
    (["equilibrium", "--phi", "1.1", "--c", "0.02", "--delta", "nan"], "delta"),
    (["equilibrium", "--phi", "abc", "--c", "0.02", "--delta", "0.99"], "phi"),
    (["welfare", "--phi", "2.5", "--delta", "0.99"], "phi"),
    (["welfare", "--phi", "1.1", "--delta", "1.5"], "delta"),
    (["figure", "3", "--phi", "2.5"], "phi"),
    (["figure", "4", "--delta", "nan"], "delta"),
    (["figure", "3", "--points", "1"], "points"),
    (["figure", "3", "--c-max", "-0.1"], "c_max"),
]


@pytest.mark.parametrize("argv,param", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_exit_2(argv, param, tmp_path):
    if argv[0] == "figure":
        argv = argv + ["--out", str(tmp_path)]
    proc = run_cli(*argv)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip("\n").split("\n")
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("alliances: error: ")
    # the message names the parameter as a word (not just a letter inside another word)
    assert re.search(rf"\b{param}\b", lines[0][len("alliances: error: "):]), lines[0]
    assert proc.stdout == ""


def test_bad_figure_number_exits_2():
    proc = run_cli("figure", "5")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_missing_command_exits_2():
    proc = run_cli()
    assert proc.returncode == 2
    assert proc.stderr.startswith("alliances: error:")


def test_console_script_installed():
    script = Path(sys.executable).parent / "alliances"
    if not script.exists():
        pytest.skip("the alliances console script is not installed beside this interpreter")
    proc = subprocess.run([str(script), "equilibrium", "--c", "0.02", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["c"] == 0.02


# --- equilibrium and welfare ----------------------------------------------------

@pytest.mark.parametrize("c", [0.0, 0.01, 0.02, 1 / 32, 0.05])
def test_equilibrium_json(c, capsys):
    assert cli.main(["equilibrium", "--phi", "1.1", "--c", repr(c), "--delta", "0.99",
                     "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert EQUILIBRIUM_FIELDS <= set(data)
    assert math.isclose(data["p_alliance"] + data["p_breakup"] + data["p_none"], 1.0,
                        abs_tol=1e-9)
    assert isinstance(data["paper_assumptions_hold"], bool)
    assert data["first_move"] in ("accept", "search", "delay")
    assert data["regime"] in ("prop1", "prop2")
    eq = analytic.solve(phi=1.1, c=c, delta=0.99)
    for name in ("r1", "u_protege", "u_patron", "p_alliance"):
        assert data[name] == pytest.approx(getattr(eq, name), abs=1e-12)
    # nan is written as null (r_tilde is nan when c >= 1/32)
    if c >= 1 / 32:
        assert data["r_tilde"] is None


def test_equilibrium_table(capsys):
    assert cli.main(["equilibrium", "--phi", "1.1", "--c", "0.02", "--delta", "0.99"]) == 0
    out = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in out]
    assert EQUILIBRIUM_FIELDS <= set(names)
    # the values are right-aligned in one column
    ends = {line.index(line.split()[1], len(line.split()[0])) + len(line.split()[1])
            for line in out}
    assert len(ends) == 1, out


def test_welfare_json(capsys):
    assert cli.main(["welfare", "--phi", "1.1", "--delta", "0.99", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    w = analytic.optimal_search_cost(phi=1.1, delta=0.99)
    assert data["c_star"] == pytest.approx(w.c_star)
    assert data["u_protege_at_c_star"] == pytest.approx(w.u_protege)
    assert data["u_protege_at_c0"] == pytest.approx(
        analytic.solve(phi=1.1, c=0.0, delta=0.99).u_protege)
    assert data["phi_star"] == pytest.approx(analytic.phi_star(delta=0.99), nan_ok=True)
    # the paper: at phi = 1.1, delta = .99 the protégé is best off at c* = 1/32 > 0
    assert data["c_star"] == pytest.approx(1 / 32, abs=1e-6)
    assert data["u_protege_at_c_star"] > data["u_protege_at_c0"]


def test_welfare_table(capsys, monkeypatch):
    # only the layout is tested here; phi* (slow) is checked in test_welfare_json
    monkeypatch.setattr(analytic, "phi_star", lambda delta: 1.5)
    assert cli.main(["welfare", "--phi", "1.1", "--delta", "0.99"]) == 0
    out = capsys.readouterr().out
    for name in ("c_star", "u_protege_at_c_star", "u_protege_at_c0", "phi_star"):
        assert name in out


# --- figures --------------------------------------------------------------------

@pytest.fixture(scope="module")
def figure_dir(tmp_path_factory):
    """A directory in which ``make(number)`` runs ``alliances figure <number>`` once."""
    out = tmp_path_factory.mktemp("figures")

    def make(number: int) -> Path:
        if not (out / f"figure{number}.csv").exists():
            assert cli.main(["figure", str(number), "--out", str(out)]) == 0
        return out

    return make


@pytest.mark.parametrize("number", [3, 4])
def test_figure_files(figure_dir, number):
    figure_dir = figure_dir(number)
    png = figure_dir / f"figure{number}.png"
    csv = figure_dir / f"figure{number}.csv"
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert png.stat().st_size > 10_000
    df = pd.read_csv(csv)
    assert len(df) >= figures.DEFAULTS["points"]
    assert df["c"].is_monotonic_increasing
    assert df["c"].iloc[0] == 0.0


def test_figure_prints_paths(tmp_path, capsys):
    assert cli.main(["figure", "3", "--out", str(tmp_path / "sub"), "--points", "5"]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(printed) == sorted([str(tmp_path / "sub" / "figure3.csv"),
                                      str(tmp_path / "sub" / "figure3.png")])
    assert all(Path(p).exists() for p in printed)


def test_figure3_curve(figure_dir):
    figure_dir = figure_dir(3)
    df = pd.read_csv(figure_dir / "figure3.csv")
    assert np.allclose(df["p_alliance"] + df["p_breakup"] + df["p_none"], 1.0)
    high = df[df["c"] >= 1 / 32]
    low = df[df["c"] < 1 / 32]
    # Prop. 1: the alliance acts for sure when c >= 1/32; below, the curve dips.
    assert len(high) > 0 and np.allclose(high["p_alliance"], 1.0, atol=1e-12)
    assert (low["p_alliance"] < 1 - 1e-9).any()
    assert ((df["p_alliance"] >= -1e-12) & (df["p_alliance"] <= 1 + 1e-12)).all()
    # the curve is analytic's, point by point
    for _, row in df.iloc[:: len(df) // 12].iterrows():
        eq = analytic.solve(phi=1.1, c=float(row["c"]), delta=0.99)
        assert row["p_alliance"] == pytest.approx(eq.p_alliance, abs=1e-9)


def test_figure4_curve(figure_dir):
    figure_dir = figure_dir(4)
    df = pd.read_csv(figure_dir / "figure4.csv")
    w = analytic.optimal_search_cost(phi=1.1, delta=0.99)
    star = df[df["is_c_star"]]
    assert len(star) == 1
    assert star["c"].iloc[0] == pytest.approx(w.c_star, abs=1e-12)
    assert star["u_protege"].iloc[0] == pytest.approx(w.u_protege, abs=1e-9)
    # the paper: the maximum of Figure 4 is at c* = 1/32, within the grid spacing
    spacing = figures.DEFAULTS["c_max"] / (figures.DEFAULTS["points"] - 1)
    c_at_max = df["c"].iloc[int(df["u_protege"].idxmax())]
    assert abs(c_at_max - 1 / 32) <= spacing
    assert abs(w.c_star - 1 / 32) <= spacing
    for _, row in df.iloc[:: len(df) // 12].iterrows():
        eq = analytic.solve(phi=1.1, c=float(row["c"]), delta=0.99)
        assert row["u_protege"] == pytest.approx(eq.u_protege, abs=1e-9)


def test_figure_data_other_parameters():
    df = figures.figure3_data(phi=1.3, delta=0.95, c_max=0.1, points=11)
    assert len(df) == 11 and df["c"].iloc[-1] == pytest.approx(0.1)
    expected = analytic.solve_many(phi=1.3, c=df["c"].to_numpy(), delta=0.95)
    assert np.allclose(df["p_alliance"], expected["p_alliance"])


def test_the_parser_is_built_without_the_heavy_libraries():
    """`alliances --help` and a mistyped option answer at once (the convention of scenarios.cli:
    command modules import pandas, matplotlib, mesa, scipy where they use them)."""
    code = ("import sys, scenarios.cli\n"
            "scenarios.cli.build_parser()\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'mesa', 'scipy', 'seaborn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
