"""Output folders: checked before any work (named, exit 2), safe names, one run per folder."""

from __future__ import annotations

import time

import pytest

from scenarios import cli
from scenarios.output.files import clean_run_dir, safe_component

SMALL = ["--steps", "2", "--no-plots"]


@pytest.fixture
def a_file(tmp_path):
    f = tmp_path / "afile"
    f.write_text("not a folder")
    return f


@pytest.mark.parametrize("argv", [
    ["run", "baseline", *SMALL],
    ["figure", "3"],
    ["sweep", "tiny", "--no-plots"],
    ["extension", "pie", "--points", "3"],
    ["extension", "offers", "--points", "3"],
    ["extension", "outsiders", "--points", "3"],
])
@pytest.mark.parametrize("where", ["file", "under_file", "proc"])
def test_an_unwritable_out_is_named_with_exit_2_before_any_work(argv, where, a_file, capsys, monkeypatch):
    import scenarios.run.runner as runner

    monkeypatch.setattr(runner, "run_scenario", lambda *a, **k: pytest.fail("ran before checking --out"))
    out = {"file": a_file, "under_file": a_file / "sub", "proc": "/proc/alliances-out"}[where]
    t0 = time.perf_counter()
    assert cli.main(argv + ["--out", str(out)]) == 2
    assert time.perf_counter() - t0 < 20
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"alliances: error: --out {out}: cannot write there"), err
    assert a_file.read_text() == "not a folder"


def test_names_become_one_safe_path_component():
    assert safe_component("../../etc/evil") == "etc_evil"
    assert safe_component("baseline") == "baseline"
    assert safe_component("a b/c") == "a_b_c"
    assert safe_component("..") == "scenario" and safe_component("") == "scenario"
    assert safe_component(".hidden") == "hidden"
    for evil in ["../x", "/abs", "a/../../b", "..\\..", "~/x", "x/.."]:
        s = safe_component(evil)
        assert "/" not in s and s not in (".", "..") and not s.startswith(".")


def test_a_scenario_named_with_dots_and_slashes_writes_inside_out(tmp_path, monkeypatch, capsys):
    src = (tmp_path / "s.toml")
    from scenarios.scenario import resolve

    src.write_text(resolve("baseline").read_text().replace('name = "baseline"', 'name = "../../evil"'))
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert cli.main(["run", str(src), *SMALL]) == 0
    assert (work / "out" / "evil" / "run.json").is_file()
    assert not (tmp_path / "evil").exists() and not (tmp_path / "a" / "evil").exists()


def test_a_rerun_into_the_same_folder_is_refused_then_replaced_with_force(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["run", "baseline", "--steps", "2", "--out", str(out)]) == 0
    plots = sorted(p.name for p in out.glob("*.png"))
    assert plots
    capsys.readouterr()
    assert cli.main(["run", "baseline", *SMALL, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds a previous run" in err and "--force" in err and err.count("\n") == 1
    assert cli.main(["run", "baseline", *SMALL, "--out", str(out), "--force"]) == 0
    assert not list(out.glob("*.png"))  # no plot of the previous run beside the new tables
    assert (out / "run.json").is_file() and (out / "steps.parquet").is_file()


def test_a_folder_holding_other_files_is_refused_even_with_force(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for extra in ([], ["--force"]):
        assert cli.main(["run", "baseline", *SMALL, "--out", str(out), *extra]) == 2
        assert "holds files that are not a run's (notes.txt)" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"
    (out / "notes.txt").unlink()
    (out / "run.json").write_text("{}")
    (out / "sub").mkdir()
    with pytest.raises(ValueError, match=r"not a run's \(sub\)"):
        clean_run_dir(out, force=True)
    assert (out / "run.json").exists()
