"""The model's records as pyarrow Tables with fixed schemas (the output files' columns)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from agents.game import FIRST_MOVES, MOVES, OUTCOMES


def _cat(codes: np.ndarray, names) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, dtype=np.int8)), pa.array(list(names), type=pa.string())
    )


def _nullable_id(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype=np.int64)
    return pa.array(values, mask=values < 0, type=pa.int64())


def _nan_to_null(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype=float)
    return pa.array(values, mask=np.isnan(values), type=pa.float64())


EVENT_COLUMNS = (
    "step", "alliance", "protege", "patron", "search_cost", "phi", "r1", "first_move",
    "outcome", "period", "searches", "x1", "x2", "r2", "contribution", "concession",
    "partner1", "partner2", "partner", "move", "won", "protege_payoff", "patron_payoff",
)


def events_table(chunks: list[dict]) -> pa.Table:
    """One row per alliance-round; nulls where a value does not apply (no search, no alliance)."""
    if chunks:
        cols = {k: np.concatenate([ch[k] for ch in chunks]) for k in EVENT_COLUMNS}
    else:
        cols = {k: np.array([], dtype=float) for k in EVENT_COLUMNS}
    arrays = {
        "step": pa.array(cols["step"].astype(np.int32)),
        "alliance": pa.array(cols["alliance"].astype(np.int64)),
        "protege": pa.array(cols["protege"].astype(np.int64)),
        "patron": pa.array(cols["patron"].astype(np.int64)),
        "search_cost": pa.array(cols["search_cost"].astype(float)),
        "phi": pa.array(cols["phi"].astype(float)),
        "r1": pa.array(cols["r1"].astype(float)),
        "first_move": _cat(cols["first_move"], FIRST_MOVES),
        "outcome": _cat(cols["outcome"], OUTCOMES),
        "period": pa.array(cols["period"].astype(np.int8)),
        "searches": pa.array(cols["searches"].astype(np.int8)),
        "x1": _nan_to_null(cols["x1"]),
        "x2": _nan_to_null(cols["x2"]),
        "r2": _nan_to_null(cols["r2"]),
        "contribution": _nan_to_null(cols["contribution"]),
        "concession": _nan_to_null(cols["concession"]),
        "partner1": _nullable_id(cols["partner1"]),
        "partner2": _nullable_id(cols["partner2"]),
        "partner": _nullable_id(cols["partner"]),
        "move": _cat(cols["move"], MOVES),
        "won": pa.array(cols["won"].astype(float)),
        "protege_payoff": pa.array(cols["protege_payoff"].astype(float)),
        "patron_payoff": pa.array(cols["patron_payoff"].astype(float)),
    }
    return pa.table(arrays)


SPELL_COLUMNS = ("alliance", "protege", "patron", "start", "end", "c_start", "c_end", "rounds_acted", "ended")


def alliances_table(chunks: list[dict]) -> pa.Table:
    """One row per alliance spell, sorted by alliance id."""
    cols = {k: np.concatenate([ch[k] for ch in chunks]) if chunks else np.array([]) for k in SPELL_COLUMNS}
    order = np.argsort(cols["alliance"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    start = cols["start"].astype(np.int64)
    end = cols["end"].astype(np.int64)
    ended = np.asarray(cols["ended"]).astype(str)
    return pa.table(
        {
            "alliance": pa.array(cols["alliance"].astype(np.int64)),
            "protege": pa.array(cols["protege"].astype(np.int64)),
            "patron": pa.array(cols["patron"].astype(np.int64)),
            "start": pa.array(start),
            "end": pa.array(end),
            "duration": pa.array(end - start + 1),
            "c_start": pa.array(cols["c_start"].astype(float)),
            "c_end": pa.array(cols["c_end"].astype(float)),
            "rounds_acted": pa.array(cols["rounds_acted"].astype(np.int64)),
            "ended": _cat(np.where(ended == "breakup", 0, 1), ("breakup", "censored")),
        }
    )


def steps_table(df) -> pa.Table:
    """Per-step metrics with an explicit ``step`` column."""
    df = df.reset_index(drop=True)
    arrays = {"step": pa.array(np.arange(1, len(df) + 1, dtype=np.int32))}
    for col in df.columns:
        values = np.asarray(df[col])
        if col in ("alliances", "acted", "breakups", "none"):
            arrays[col] = pa.array(values.astype(np.int64))
        else:
            arrays[col] = pa.array(values.astype(float))
    return pa.table(arrays)


POWER_COLUMNS = ("power", "role", "strength", "load_end", "mean_load", "proteges_won", "proteges_lost",
                 "offers_made", "contributions")


def powers_table(cols: dict) -> pa.Table:
    """One row per power of a system (columns POWER_COLUMNS)."""
    ints = ("power", "load_end", "proteges_won", "proteges_lost", "offers_made")
    return pa.table({k: pa.array(np.asarray(cols[k]).astype(np.int64)) if k in ints
                     else pa.array(np.asarray(cols[k]).astype(str)) if k == "role"
                     else pa.array(np.asarray(cols[k]).astype(float)) for k in POWER_COLUMNS})
