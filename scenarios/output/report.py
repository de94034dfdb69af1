"""The protégé's side of a run: which bargaining moves he used and what they won.

Moves (Krebs' typology, the strongest step the protégé took in the round):
``cooperate`` (accepted the first offer), ``delay`` (asked for a second offer
without looking outside), ``court_outsiders`` (searched: drew an ad hoc
partner's offer, a threat of exit, but stayed or produced nothing) and
``exit`` (broke up to produce with the ad hoc partner).

What a move won: ``concession`` is the patron's contribution above the
free-riding minimum phi - 1 when the alliance acts; ``won`` is the same excess
over phi - 1 from whichever partner he produced with (0 if nothing was produced).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agents.game import MOVES
from scenarios.run.measures import band_edges, band_index


def load_events(out_dir: str | Path):
    path = Path(out_dir) / "events.parquet"
    if not Path(out_dir).is_dir():
        raise ValueError(f"{out_dir}: not a directory; give the --out DIR of an `alliances run`")
    if not path.is_file():
        raise ValueError(f"{path}: missing; run the scenario with events recorded (output.events = true)")
    import pandas as pd

    return pd.read_parquet(path)


def moves_by_band(events, bands: int = 4):
    """Per search-cost band and move: uses, share, outcomes and what the move extracted."""
    import pandas as pd

    c = events["search_cost"].to_numpy()
    edges = band_edges(c, bands)
    if edges[0] == edges[-1]:
        labels = np.array([f"c = {edges[0]:.4f}"])
        key = np.zeros(len(c), dtype=int)
    else:
        key = band_index(c, edges)
        labels = np.array([f"[{a:.4f}, {b:.4f}{']' if i == len(edges) - 2 else ')'}"
                           for i, (a, b) in enumerate(zip(edges[:-1], edges[1:]))])
    df = pd.DataFrame(
        {
            "band": pd.Categorical(labels[key], categories=list(labels), ordered=True),
            "move": pd.Categorical(events["move"].astype(str), categories=list(MOVES), ordered=True),
            "alliance": (events["outcome"] == "alliance").to_numpy(),
            "concession": events["concession"].to_numpy(dtype=float),
            "won": events["won"].to_numpy(dtype=float),
            "payoff": events["protege_payoff"].to_numpy(dtype=float),
        }
    )
    g = df.groupby(["band", "move"], observed=False)
    table = g.agg(
        uses=("won", "size"),
        alliance_acts=("alliance", "mean"),
        concession=("concession", "mean"),
        won=("won", "mean"),
        payoff=("payoff", "mean"),
    ).reset_index()
    totals = df.groupby("band", observed=False)["won"].size()
    table["share"] = table["uses"] / table["band"].map(totals).astype(float).to_numpy()
    return table[["band", "move", "uses", "share", "alliance_acts", "concession", "won", "payoff"]]


def report_lines(out_dir: str | Path, bands: int = 4) -> list[str]:
    """The report printed by ``alliances report DIR``."""
    events = load_events(out_dir)
    if len(events) == 0:
        return [f"{out_dir}: events.parquet has no rows"]
    table = moves_by_band(events, bands)
    overall = moves_by_band(events.assign(search_cost=0.0), 1).drop(columns="band")
    fmt = {
        "uses": "{:,.0f}".format,
        "share": "{:.1%}".format,
        "alliance_acts": lambda v: "" if np.isnan(v) else f"{v:.1%}",
        "concession": lambda v: "" if np.isnan(v) else f"{v:.4f}",
        "won": lambda v: "" if np.isnan(v) else f"{v:.4f}",
        "payoff": lambda v: "" if np.isnan(v) else f"{v:.4f}",
    }
    lines = [
        f"{len(events):,} alliance-rounds in {out_dir}",
        "protégé's bargaining moves: cooperate (accept), delay (wait for a second offer),",
        "court_outsiders (search, then stay or produce nothing), exit (break up);",
        "concession = patron's contribution - (phi - 1) when the alliance acts;"
        " won = excess over phi - 1 from whoever he produced with (0 if nothing).",
        "",
        "all alliance-rounds:",
        overall[overall["uses"] > 0].to_string(index=False, formatters=fmt, na_rep="-"),
        "",
        "by search-cost band:",
        table[table["uses"] > 0].to_string(index=False, formatters=fmt, na_rep="-"),
    ]
    return lines
