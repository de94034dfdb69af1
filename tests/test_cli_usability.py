"""The CLI's first impressions: --rounds (alias --steps), one --no-plots, one --workers rule,
--version, help text without raw reStructuredText, and the list of bundled files."""

from __future__ import annotations

import json

import pytest

from scenarios import cli
from scenarios.scenario import SCENARIO_DIR
from scenarios.sweep_spec import SWEEP_DIR


@pytest.mark.parametrize("flag", ["--rounds", "--steps"])
def test_rounds_with_steps_as_alias(tmp_path, flag):
    assert cli.main(["run", "baseline", flag, "3", "--no-plots", "--out", str(tmp_path / flag)]) == 0
    assert json.loads((tmp_path / flag / "run.json").read_text())["rounds"] == 3


def test_a_bad_rounds_is_named_by_its_flag(capsys, tmp_path):
    assert cli.main(["run", "baseline", "--rounds", "0", "--out", str(tmp_path)]) == 2
    assert "--rounds/--steps: must be an integer >= 1" in capsys.readouterr().err


@pytest.mark.parametrize("spelling", ["--no-plots", "--no-plot"])
def test_both_spellings_of_no_plots_work_for_run_and_extension(tmp_path, spelling):
    assert cli.main(["run", "baseline", "--rounds", "2", spelling, "--out", str(tmp_path / "r")]) == 0
    assert not list((tmp_path / "r").glob("*.png"))
    assert cli.main(["extension", "outsiders", "--k", "1", "--points", "2", spelling, "--workers", "1",
                     "--out", str(tmp_path / "e")]) == 0
    assert not list((tmp_path / "e").glob("*.png"))


@pytest.mark.parametrize("argv", [["sweep", "tiny", "--out", "OUT"], ["extension", "pie", "--out", "OUT"],
                                  ["extension", "offers", "--out", "OUT"], ["extension", "outsiders", "--out", "OUT"]])
@pytest.mark.parametrize("workers", ["0", "-2"])
def test_the_same_workers_rule_everywhere(tmp_path, capsys, argv, workers):
    argv = [str(tmp_path) if a == "OUT" else a for a in argv]
    assert cli.main(argv + ["--workers", workers]) == 2
    assert f"--workers: must be an integer >= 1, got {workers}" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("alliances ")


def test_no_raw_double_backticks_in_any_help(capsys):
    parser = cli.build_parser()
    texts = [parser.format_help()]
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    todo = [p for a in actions for p in a.choices.values()]
    while todo:
        p = todo.pop()
        texts.append(p.format_help())
        todo += [q for a in p._actions if a.__class__.__name__ == "_SubParsersAction" for q in a.choices.values()]
    assert len(texts) > 10
    for t in texts:
        assert "``" not in t, t[:200]


def test_scenarios_lists_every_bundled_scenario_and_sweep_with_its_description(capsys):
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for folder in (SCENARIO_DIR, SWEEP_DIR):
        for p in folder.glob("*.toml"):
            assert f"  {p.stem} " in out
    assert "2,000 alliances, c ~ 0.1 * Beta(2, 3) fixed" in out  # baseline's description
    assert out.index("alliances run NAME") < out.index("alliances sweep NAME")


def test_long_commands_say_what_they_are_doing_on_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(type(__import__("sys").stderr), "isatty", lambda self: True, raising=False)
    assert cli.main(["extension", "outsiders", "--k", "1", "--points", "2", "--no-plots", "--workers", "1",
                     "--out", str(tmp_path / "e")]) == 0
    assert "alliances: extension outsiders: 1 curve x 2 search costs on 1 process" in capsys.readouterr().err
    assert cli.main(["run", "baseline", "--rounds", "2", "--out", str(tmp_path / "r")]) == 0
    assert f"writing tables and plots to {tmp_path / 'r'} ..." in capsys.readouterr().err
