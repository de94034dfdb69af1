"""Same scenario and seed: byte-identical tables; another seed: different events."""

from __future__ import annotations

import pytest

from scenarios import cli
from scenarios.run.runner import TABLE_FILES, run_scenario
from scenarios.scenario import load_scenario


@pytest.mark.parametrize("name", ["baseline", "institutional_ratchet", "volatile_costs"])
def test_same_seed_same_bytes(tmp_path, name):
    sc = load_scenario(name).with_overrides(rounds=15)
    for d in ("a", "b"):
        run_scenario(sc, out=tmp_path / d, progress=False, plots=False)
    for f in TABLE_FILES:
        a, b = (tmp_path / "a" / f).read_bytes(), (tmp_path / "b" / f).read_bytes()
        assert len(a) > 0 and a == b, f
    run_scenario(sc.with_overrides(seed=sc.seed + 1), out=tmp_path / "c", progress=False, plots=False)
    assert (tmp_path / "c" / "events.parquet").read_bytes() != (tmp_path / "a" / "events.parquet").read_bytes()


def test_cli_run_twice_gives_identical_tables_and_the_report_reads_them(tmp_path, capsys):
    for d in ("a", "b"):
        code = cli.main(["run", "baseline", "--seed", "7", "--steps", "12", "--out", str(tmp_path / d)])
        assert code == 0
    out = capsys.readouterr().out
    assert "alliance-rounds" in out and "protégé-rounds/s" in out
    for f in TABLE_FILES:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    for png in ("churn.png", "breakup_vs_c.png", "survival.png", "c_distribution.png", "burden_sharing.png"):
        assert (tmp_path / "a" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob("a/*.tmp")) and not list(tmp_path.glob("a/.*"))
    assert cli.main(["report", str(tmp_path / "a")]) == 0
    rep = capsys.readouterr().out
    for move in ("cooperate", "court_outsiders", "exit"):
        assert move in rep
    assert "by search-cost band" in rep
