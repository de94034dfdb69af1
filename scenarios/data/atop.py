"""ATOP 5.1 alliances as survival spells: read the files a user downloaded, write files like them.

The Alliance Treaty Obligations and Provisions project (atopdata.org; Leeds, Ritter,
Mitchell & Long 2002; institutionalization: Leeds & Anac 2005) is not shipped: users
download it and pass its folder. Two of its files are read, and only these columns:

* ``atop5_1a.csv`` (one row per alliance): ``ALLIANCE_COLUMNS``;
* ``atopinst5_1.csv`` (one row per alliance phase): ``INSTITUTION_COLUMNS``.

One spell per alliance (``atopid``), from its begin date to its end date, or to the
codebook's censoring date 2018-12-31 when ``ineffect`` = 1. How it ended comes from
``term`` (codebook section 2.42): 0 = still in force, or censored because a member lost its
independence for reasons unrelated to the alliance (told apart by ``ineffect``: 1 in force,
0 independence lost); 1 = provisions fulfilled; 2 = violation (including abrogation before
the scheduled end); 3 = renegotiated into a new relationship. Spells ending 0 are censored.
One alliance (3433) has ``term`` = 3 from a phase that ended but is in force on 2018-12-31
(``ineffect`` = 1): ``ineffect`` wins, it is censored as in force.

Dates: a missing day (``begday``/``endday`` empty; 1 and 13 alliances in 5.1) is taken as
the 15th of the month. Durations are in years of 365.25 days.

``milinst`` (military institutionalization, 0/1/2, Leeds & Anac 2005) is coded per phase;
an alliance's ``milinst`` is its FIRST phase's (the institutions it was formed with, as the
model's ``c_start`` is the search cost an alliance starts with); ``milinst_max`` is the
largest over its phases. Alliances without a score (6 in 5.1) have ``milinst`` missing.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ALLIANCE_FILE = "atop5_1a.csv"
INSTITUTION_FILE = "atopinst5_1.csv"
ALLIANCE_COLUMNS = ("atopid", "begyr", "begmo", "begday", "endyr", "endmo", "endday", "ineffect", "term",
                    "bilat", "wartime", "asymm")
INSTITUTION_COLUMNS = ("atopid", "atopidphase", "milinst")
#: ATOP's last day of observation (codebook: ``ineffect`` = in effect on this day)
CENSOR_DATE = np.datetime64("2018-12-31", "D")
#: the day taken when ATOP gives the month but not the day
MISSING_DAY = 15
DAYS_PER_YEAR = 365.25

#: how a spell ends; the first two are censoring (the alliance was still alive when last seen)
ENDINGS = ("in_force", "independence_lost", "fulfilled", "violated", "renegotiated")
CENSORING = ("in_force", "independence_lost")
#: ATOP's ``term`` code of each ending that is an event
TERM_OF_ENDING = {"fulfilled": 1, "violated": 2, "renegotiated": 3}
#: the columns of a spell table (``read_atop``'s result, and what ``write_atop`` takes)
SPELL_COLUMNS = ("atopid", "start", "end", "duration", "censored", "ending", "term", "milinst", "milinst_max",
                 "bilat", "wartime", "asymm")
_CODES = {"ineffect": (0, 1), "term": (0, 1, 2, 3), "bilat": (0, 1), "wartime": (0, 1), "asymm": (0, 1)}


def read_atop(folder: str | Path) -> pd.DataFrame:
    """The alliance spells of the ATOP files in ``folder`` (columns ``SPELL_COLUMNS``, one row per
    alliance, sorted by ``atopid``); ValueError with one line naming the file and column if bad."""
    folder = Path(folder)
    alliances = _read_csv(folder, ALLIANCE_FILE, ALLIANCE_COLUMNS)
    phases = _read_csv(folder, INSTITUTION_FILE, INSTITUTION_COLUMNS)
    for col, allowed in _CODES.items():
        _check_codes(folder / ALLIANCE_FILE, alliances, col, allowed)
    _check_codes(folder / INSTITUTION_FILE, phases.dropna(subset=["milinst"]), "milinst", (0, 1, 2))
    if alliances["atopid"].duplicated().any():
        raise ValueError(f"{folder / ALLIANCE_FILE}: atopid: must be unique (one row per alliance)")

    a = alliances.sort_values("atopid").reset_index(drop=True)
    in_force = a["ineffect"].to_numpy() == 1
    start = _dates(a["begyr"], a["begmo"], a["begday"], folder / ALLIANCE_FILE, "begyr")
    end = np.where(in_force, CENSOR_DATE,
                   _dates(a["endyr"].where(~in_force, 2018), a["endmo"].where(~in_force, 12),
                          a["endday"].where(~in_force, 31), folder / ALLIANCE_FILE, "endyr"))
    duration = (end - start).astype(np.int64) / DAYS_PER_YEAR
    if (duration < 0).any():
        bad = a["atopid"][duration < 0].iloc[0]
        raise ValueError(f"{folder / ALLIANCE_FILE}: endyr: alliance {bad} ends before it begins")
    term = a["term"].to_numpy()
    ending = np.select([in_force, term == 0, term == 1, term == 2], ["in_force", "independence_lost", "fulfilled",
                                                                     "violated"], "renegotiated")
    first, highest = _milinst(phases)
    return pd.DataFrame({
        "atopid": a["atopid"].astype(np.int64),
        "start": start,
        "end": end,
        "duration": duration,
        "censored": np.isin(ending, CENSORING),
        "ending": pd.Categorical(ending, categories=ENDINGS),
        "term": term.astype(np.int8),
        "milinst": a["atopid"].map(first).astype("Int8"),
        "milinst_max": a["atopid"].map(highest).astype("Int8"),
        "bilat": a["bilat"].astype(np.int8),
        "wartime": a["wartime"].astype(np.int8),
        "asymm": a["asymm"].astype(np.int8),
    })


def write_atop(spells: pd.DataFrame, folder: str | Path) -> list[Path]:
    """Write ``spells`` (columns as ``read_atop`` returns them; ``milinst_max`` is not written) as
    ATOP-format files in ``folder`` (the columns ``read_atop`` reads, ATOP's names and codes), so
    that ``read_atop(folder)`` gives them back. Censored spells must end on ``CENSOR_DATE`` as
    ``in_force``; one phase per alliance."""
    from scenarios.output.files import atomic_write

    folder = Path(folder)
    in_force = spells["ending"].astype(str).to_numpy() == "in_force"
    if (spells["end"].to_numpy()[in_force] != CENSOR_DATE).any():
        raise ValueError(f"spells in force must end on {CENSOR_DATE} (ATOP's last day)")
    begin, finish = _ymd(spells["start"]), _ymd(spells["end"])
    alliances = pd.DataFrame({
        "atopid": spells["atopid"].astype(np.int64),
        "begyr": begin[0], "begmo": begin[1], "begday": begin[2],
        "endyr": np.where(in_force, 0, finish[0]), "endmo": np.where(in_force, 0, finish[1]),
        "endday": np.where(in_force, 0, finish[2]),
        "ineffect": in_force.astype(int),
        "term": spells["ending"].astype(str).map(TERM_OF_ENDING).fillna(0).astype(int),
        "bilat": spells["bilat"].astype(int), "wartime": spells["wartime"].astype(int),
        "asymm": spells["asymm"].astype(int),
    })
    phases = pd.DataFrame({"atopid": alliances["atopid"], "atopidphase": alliances["atopid"].astype(float),
                           "milinst": spells["milinst"].astype("Int8")})
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in ((ALLIANCE_FILE, alliances), (INSTITUTION_FILE, phases)):
        atomic_write(folder / name, lambda tmp, t=table: t.to_csv(tmp, index=False))
        written.append(folder / name)
    return written


def _read_csv(folder: Path, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    path = folder / name
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder (expected the ATOP 5.1 files {ALLIANCE_FILE}, {INSTITUTION_FILE})")
    if not path.is_file():
        raise ValueError(f"{path}: missing (an ATOP 5.1 folder holds {ALLIANCE_FILE} and {INSTITUTION_FILE};"
                         f" download ATOP from atopdata.org)")
    try:
        header = pd.read_csv(path, nrows=0).columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not a readable CSV file ({' '.join(str(e).split())})") from None
    for col in columns:
        if col not in header:
            raise ValueError(f"{path}: column {col!r} missing (required: {', '.join(columns)})")
    table = pd.read_csv(path, usecols=list(columns))
    required = [c for c in columns if c not in ("begday", "endday", "milinst")]
    for col in required:
        if table[col].isna().any():
            raise ValueError(f"{path}: column {col!r}: empty in {int(table[col].isna().sum())} rows")
    return table


def _check_codes(path: Path, table: pd.DataFrame, col: str, allowed: tuple[int, ...]) -> None:
    values = pd.to_numeric(table[col], errors="coerce")
    bad = ~values.isin(allowed)
    if bad.any():
        raise ValueError(f"{path}: column {col!r}: codes must be {'/'.join(map(str, allowed))},"
                         f" got {table[col][bad].iloc[0]!r}")


def _dates(year, month, day, path: Path, col: str) -> np.ndarray:
    """datetime64[D] of year/month/day columns (a missing day -> ``MISSING_DAY``)."""
    y = pd.to_numeric(year, errors="coerce").to_numpy()
    m = pd.to_numeric(month, errors="coerce").to_numpy()
    d = pd.to_numeric(day, errors="coerce").fillna(MISSING_DAY).to_numpy()
    ok = np.isfinite(y) & np.isfinite(m) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1)
    if not ok.all():
        raise ValueError(f"{path}: column {col!r}: not a date (year, month 1-12, day 1-31) in row {int(np.argmin(ok)) + 2}")
    months = (y.astype(np.int64) - 1970) * 12 + (m.astype(np.int64) - 1)
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    return first + (d.astype(np.int64) - 1).astype("timedelta64[D]")


def _ymd(dates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(dates, dtype="datetime64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def _milinst(phases: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per atopid: the first phase's milinst and the largest over its phases."""
    ordered = phases.sort_values(["atopid", "atopidphase"])
    first = ordered.drop_duplicates("atopid").set_index("atopid")["milinst"]
    return first, ordered.groupby("atopid")["milinst"].max()


__all__ = ["read_atop", "write_atop", "ALLIANCE_FILE", "INSTITUTION_FILE", "ALLIANCE_COLUMNS", "INSTITUTION_COLUMNS",
           "CENSOR_DATE", "ENDINGS", "CENSORING", "TERM_OF_ENDING", "SPELL_COLUMNS", "DAYS_PER_YEAR"]
