"""ATOP alliances as survival spells, and a model run on the same footing (`alliances atop`).

The reader is checked on the shared ATOP 5.1 files (``../shared/data/atop`` beside the
repository; skipped, saying why, where absent) against figures computed here from the raw
CSV with plain pandas and the codebook's rules; the survival summaries against the
geometric survival a constant per-round breakup probability implies (that probability from
the analytic solver); the synthetic files against a model run of the same scenario.
"""
from __future__ import annotations

import datetime
import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analytic
from scenarios import cli
from scenarios.data.atop import ALLIANCE_FILE, INSTITUTION_FILE, read_atop
from scenarios.data.runs import milinst_of_c, run_spells
from scenarios.scenario import parse_scenario
from scenarios.studies.survival import survival_summaries
ROOT = Path(__file__).resolve().parent.parent
ATOP_DIR = ROOT.parent / "shared" / "data" / "atop"
needs_atop = pytest.mark.skipif(not (ATOP_DIR / ALLIANCE_FILE).is_file(),
                                reason=f"the ATOP 5.1 files are not in {ATOP_DIR} (download from atopdata.org)")


def small_scenario(tmp_path, c="0.01", rounds=40, proteges=400, years="1.0", extra=""):
    """A scenario file with constant phi, no investment and the given search cost; its path."""
    path = tmp_path / "small.toml"
    path.write_text(f"""
name = "small"
seed = 11
rounds = {rounds}
search_cost = {c}
[population]
proteges = {proteges}
patrons = 10
ad_hoc_partners = 40
[game]
delta = 0.99
phi = 1.1
[calibration]
years_per_round = {years}
[output]
events = false
{extra}
""")
    return path


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------- the reader on ATOP
@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(ATOP_DIR / ALLIANCE_FILE)


@pytest.fixture(scope="module")
def spells():
    return read_atop(ATOP_DIR)


@needs_atop
def test_counts_of_alliances_ended_and_censored(raw, spells):
    # the codebook: term = 0 in force on 2018-12-31 (ineffect = 1) or censored by a member's
    # loss of independence; ineffect = 1 means in force whatever term says
    in_force = raw["ineffect"] == 1
    censored = in_force | (raw["term"] == 0)
    assert len(spells) == len(raw) == raw["atopid"].nunique()
    assert int(spells["censored"].sum()) == int(censored.sum())
    assert int((~spells["censored"]).sum()) == int((~censored).sum())
    assert int((spells["ending"] == "in_force").sum()) == int(in_force.sum())
    assert int((spells["ending"] == "independence_lost").sum()) == int((~in_force & (raw["term"] == 0)).sum())
    for ending, code in (("fulfilled", 1), ("violated", 2), ("renegotiated", 3)):
        assert int((spells["ending"] == ending).sum()) == int((~in_force & (raw["term"] == code)).sum())
    share_violated = ((raw["term"] == 2) & ~in_force).mean()
    assert spells["ending"].eq("violated").mean() == pytest.approx(share_violated, abs=1e-12)
    assert 0.1 < share_violated < 0.4  # ATOP 5.1: about one alliance in five ends in violation


@needs_atop
def test_durations_are_the_calendar_days_between_the_dates(raw, spells):
    def day(y, m, d):
        return datetime.date(int(y), int(m), 15 if pd.isna(d) else int(d))

    end = [datetime.date(2018, 12, 31) if r.ineffect == 1 else day(r.endyr, r.endmo, r.endday)
           for r in raw.itertuples()]
    years = np.array([(e - day(r.begyr, r.begmo, r.begday)).days for r, e in zip(raw.itertuples(), end)]) / 365.25
    got = spells.set_index("atopid").loc[raw["atopid"], "duration"].to_numpy()
    np.testing.assert_allclose(got, years, atol=1e-9)
    assert (got >= 0).all()


@needs_atop
def test_milinst_is_the_first_phases_and_the_largest(spells):
    inst = pd.read_csv(ATOP_DIR / INSTITUTION_FILE)
    by = spells.set_index("atopid")
    for atopid, rows in inst.groupby("atopid"):
        rows = rows.sort_values("atopidphase")
        first = rows["milinst"].iloc[0]
        assert (pd.isna(by.loc[atopid, "milinst"]) and pd.isna(first)) or by.loc[atopid, "milinst"] == first
        if rows["milinst"].notna().any():
            assert by.loc[atopid, "milinst_max"] == rows["milinst"].max()
    assert by["milinst"].isna().sum() == inst.groupby("atopid")["milinst"].apply(lambda s: s.isna().all()).sum()


@needs_atop
def test_summaries_of_atop_are_consistent(spells):
    tables = survival_summaries(spells, "ATOP")
    medians = tables["medians"].set_index(["group_by", "group", "endpoint"])
    assert medians.loc[("all", "all", "any"), "spells"] == len(spells)
    assert medians.loc[("all", "all", "any"), "events"] == int((~spells["censored"]).sum())
    for g in ("0", "1", "2"):
        row = medians.loc[("milinst", g, "any")]
        assert row["lo"] <= row["median"] <= row["hi"]
    hazard = tables["hazard"]
    every = hazard[hazard["group_by"] == "all"]
    assert every["events"].sum() == int((~spells["censored"]).sum())
    assert every["at_risk"].iloc[0] == len(spells)
    # the cumulative incidences at the end add up to 1 - S(end) of the any-ending curve
    km = tables["km"]
    s_end = km[(km["group_by"] == "all") & (km["endpoint"] == "any")]["survival"].iloc[-1]
    cif = tables["competing"]
    ends = cif[cif["group_by"] == "all"].groupby("ending")["cif"].last()
    assert ends.sum() == pytest.approx(1 - s_end, abs=0.01)


# --------------------------------------------------------------- the model's side
def test_km_of_a_constant_breakup_probability_is_geometric(tmp_path):
    c = 0.01  # below 1/32: alliances break with a probability that is the same each round
    p = analytic.solve(1.1, c, 0.99).p_breakup
    assert 0.05 < p < 0.5
    scenario = parse_scenario(tomllib.loads(small_scenario(tmp_path, c=str(c)).read_text()), "small")
    model = scenario.build_model()
    for _ in range(scenario.rounds):
        model.step()
    years = 0.5
    spells = run_spells(model.alliances_table().to_pandas(), years, scenario.rounds)
    km = survival_summaries(spells, "model")["km"]
    curve = km[(km["group_by"] == "all") & (km["endpoint"] == "violated")].set_index("time")
    for rounds in (1, 3, 6):
        t = rounds * years
        row = curve.loc[t]
        assert row["lo"] <= (1 - p) ** rounds <= row["hi"], (rounds, row.to_dict(), (1 - p) ** rounds)
        assert row["hi"] - row["lo"] < 0.05  # a band narrow enough to mean something
    # a breakup is a violation, so both endpoints are the same curve
    anyend = km[(km["group_by"] == "all") & (km["endpoint"] == "any")]
    np.testing.assert_allclose(anyend["survival"].to_numpy(), curve["survival"].to_numpy())


def test_milinst_of_c_ranks_three_levels_and_cuts_thirds():
    assert milinst_of_c(np.array([0.04, 0.0, 0.02, 0.0])).tolist() == [2, 0, 1, 0]
    c = np.linspace(0.0, 1.0, 9)
    assert milinst_of_c(c).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]


# --------------------------------------------------------------- synthetic ATOP files
def test_synthesize_then_read_gives_the_simulated_spells(tmp_path, capsys):
    path = small_scenario(tmp_path, c='{ dist = "groups", values = [0.0, 0.02, 0.05], weights = [1, 1, 1] }',
                          rounds=30, proteges=200, years="0.75")
    out = tmp_path / "synthetic"
    code, stdout, err = run_cli(capsys, "atop", "synthesize", str(path), "--out", str(out), "--seed", "5")
    assert code == 0 and err == "", err
    back = read_atop(out)

    scenario = parse_scenario(tomllib.loads(path.read_text()), str(path)).with_overrides(seed=5)
    model = scenario.build_model()
    for _ in range(scenario.rounds):
        model.step()
    truth = model.alliances_table().to_pandas().sort_values("alliance").reset_index(drop=True)
    assert len(back) == len(truth)
    broke = truth["ended"].astype(str) == "breakup"
    np.testing.assert_array_equal(back["censored"].to_numpy(), ~broke.to_numpy())
    np.testing.assert_array_equal(back["ending"].astype(str).to_numpy(), np.where(broke, "violated", "in_force"))
    np.testing.assert_allclose(back["duration"].to_numpy(), truth["duration"].to_numpy() * 0.75,
                               atol=1.0 / 365.25)  # dates are whole days
    level = {0.0: 0, 0.02: 1, 0.05: 2}
    np.testing.assert_array_equal(back["milinst"].to_numpy(dtype=int), truth["c_start"].map(level).to_numpy())
    assert (back["bilat"] == 1).all() and (back["end"].max() == pd.Timestamp("2018-12-31"))
    assert f"{len(truth):,} alliance spells" in stdout


def test_summarize_draws_a_run_beside_the_data(tmp_path, capsys):
    path = small_scenario(tmp_path, rounds=25, proteges=150, years="2.0")
    data, run, out = tmp_path / "data", tmp_path / "run", tmp_path / "summary"
    assert run_cli(capsys, "atop", "synthesize", str(path), "--out", str(data))[0] == 0
    assert run_cli(capsys, "run", str(path), "--out", str(run), "--no-plots")[0] == 0
    code, stdout, err = run_cli(capsys, "atop", "summarize", str(data), "--out", str(out), "--run", str(run))
    assert code == 0 and err == "", err
    km = pd.read_parquet(out / "km.parquet")
    assert set(km["source"]) == {"ATOP", "model"}
    # the same scenario and seed: the synthetic data and the run are the same spells
    a, m = (km[(km["source"] == s) & (km["group_by"] == "all") & (km["endpoint"] == "any")] for s in ("ATOP", "model"))
    def step(curve, t):  # S(t) of a Kaplan-Meier step function
        return curve["survival"].to_numpy()[np.searchsorted(curve["time"].to_numpy(), t, side="right") - 1]

    # rounds of 2 years; the dates are whole days, so a spell's length moves by up to a day, and a
    # censored spell that ends a day before an event of the same round is no longer at risk there
    between_rounds = np.arange(1.0, 50.0, 2.0)
    np.testing.assert_allclose(step(a, between_rounds), step(m, between_rounds), atol=0.01)
    assert step(m, 3.0) < 0.9  # alliances do break
    for name in ("spells.parquet", "run_spells.parquet", "medians.parquet", "hazard.parquet", "competing.parquet",
                 "km_milinst.png", "km_bilat.png", "hazard_milinst.png", "competing.png"):
        assert (out / name).stat().st_size > 0, name
    assert json.loads((run / "run.json").read_text())["rounds"] == 25


# --------------------------------------------------------------- bad input
def one_line_error(code, out, err):
    assert code == 2 and out == ""
    assert err.startswith("alliances: error: ") and err.count("\n") == 1, err
    return err


def test_a_folder_without_the_files(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    err = one_line_error(*run_cli(capsys, "atop", "summarize", str(empty), "--out", str(out)))
    assert ALLIANCE_FILE in err and "missing" in err
    assert not out.exists()
    err = one_line_error(*run_cli(capsys, "atop", "summarize", str(tmp_path / "nowhere"), "--out", str(out)))
    assert "not a folder" in err and not out.exists()


@pytest.mark.parametrize("name, column", [(ALLIANCE_FILE, "term"), (ALLIANCE_FILE, "begyr"),
                                          (INSTITUTION_FILE, "milinst")])
def test_a_file_with_a_missing_column(tmp_path, capsys, name, column):
    path = small_scenario(tmp_path, rounds=5, proteges=20)
    data = tmp_path / "data"
    assert run_cli(capsys, "atop", "synthesize", str(path), "--out", str(data))[0] == 0
    table = pd.read_csv(data / name)
    table.drop(columns=[column]).to_csv(data / name, index=False)
    out = tmp_path / "out"
    err = one_line_error(*run_cli(capsys, "atop", "summarize", str(data), "--out", str(out)))
    assert name in err and repr(column) in err
    assert not out.exists()


def test_bad_codes_and_a_bad_run_folder(tmp_path, capsys):
    path = small_scenario(tmp_path, rounds=5, proteges=20)
    data = tmp_path / "data"
    assert run_cli(capsys, "atop", "synthesize", str(path), "--out", str(data))[0] == 0
    out = tmp_path / "out"
    err = one_line_error(*run_cli(capsys, "atop", "summarize", str(data), "--out", str(out), "--run", str(tmp_path)))
    assert "alliances.parquet" in err and not out.exists()
    table = pd.read_csv(data / ALLIANCE_FILE)
    table.loc[0, "term"] = 7
    table.to_csv(data / ALLIANCE_FILE, index=False)
    err = one_line_error(*run_cli(capsys, "atop", "summarize", str(data), "--out", str(out)))
    assert "'term'" in err and "0/1/2/3" in err and not out.exists()


@pytest.mark.parametrize("extra, years, message", [
    ("", "0.0", "calibration.years_per_round: must be a number in (0.0, inf]"),
    ("", '"ten"', "calibration.years_per_round"),
    ("[calibration.fit]\nphi = 1", "1.0", "calibration.fit: unknown key; allowed: years_per_round"),
])
def test_a_bad_calibration_table(tmp_path, capsys, extra, years, message):
    text = small_scenario(tmp_path, years=years).read_text()
    if extra:
        text = text.replace("[output]", extra + "\n[output]")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    err = one_line_error(*run_cli(capsys, "atop", "synthesize", str(path), "--out", str(out)))
    assert message in err and not out.exists()


def test_years_per_round_is_a_scenario_key_a_sweep_may_set():
    from scenarios.sweep_spec import check_key

    check_key("s.toml", "grid", "calibration.years_per_round")
    with pytest.raises(ValueError, match="calibration.fit: unknown scenario key"):
        check_key("s.toml", "grid", "calibration.fit")
