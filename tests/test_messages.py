"""The one-line messages a user meets first: what was wrong, in which file, and what to do."""

from __future__ import annotations

import pytest

from scenarios import cli
from scenarios.scenario import resolve
from scenarios.sweep_spec import SWEEP_DIR

BASE = resolve("baseline").read_text()


def _error(capsys, argv) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", '"1.1"', "2.5", "true"])
def test_a_plain_phi_that_is_no_number_in_range_says_number_or_table(tmp_path, capsys, value):
    p = tmp_path / "s.toml"
    p.write_text(BASE.replace("phi = 1.1 ", f"phi = {value} "))
    err = _error(capsys, ["run", str(p), "--out", str(tmp_path / "o")])
    assert f"{p}: game.phi: must be a number in (1.0, 2.0) or a table" in err and "must be a table," not in err


@pytest.mark.parametrize("value", ["nan", '"a"', "-0.1"])
def test_a_plain_search_cost_that_is_no_number_in_range_says_number_or_table(tmp_path, capsys, value):
    head, tail = BASE.split("[search_cost]")
    tail = tail.split("[game]")[1]
    p = tmp_path / "s.toml"
    p.write_text(head.replace("[population]", f"search_cost = {value}\n[population]") + "[game]" + tail)
    err = _error(capsys, ["run", str(p), "--out", str(tmp_path / "o")])
    assert "search_cost: must be a number in [0.0, inf] or a table" in err


def test_run_on_a_sweep_file_says_to_use_alliances_sweep(capsys, tmp_path):
    err = _error(capsys, ["run", str(SWEEP_DIR / "tiny.toml"), "--out", str(tmp_path / "o")])
    assert "tiny.toml: sweep: this file plans a sweep: run it with `alliances sweep`" in err


@pytest.mark.parametrize("command", [["run"], ["sweep", "--out", "OUT"], ["dashboard", "--no-browser"]])
def test_a_binary_file_or_a_directory_is_named(tmp_path, capsys, command):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(256)) * 4)
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    # (the dashboard checks its scenario before starting any server)
    for path, says in [(binary, "not a TOML file (not UTF-8 text)"), (folder, "is a directory, not a scenario file")]:
        argv = [command[0], str(path)] + [str(tmp_path / "o") if a == "OUT" else a for a in command[1:]]
        code = cli.main(argv)
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1, err
        assert f"{path}: {says}" in err
