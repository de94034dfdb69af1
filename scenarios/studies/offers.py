"""Extension 4 (footnote 13): outside offers from any distribution F on [0, 1].

For each F (``uniform`` or ``NAME:k=v,k=v`` for any continuous ``scipy.stats``
distribution with support in [0, 1], e.g. ``beta:a=2,b=5``) the game is solved with
``analytic.general`` on a grid of search costs c: the breakup probability, the
patron's expected contribution and the protégé's expected payoff against c, c*, and
whether footnote 13's non-monotonicity holds (breakups rise, then fall, as c falls
towards 0 below the value where the patron switches to the offer accepted at once).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # (over_c and pandas are imported where used: `alliances --help` imports this module)
    import pandas as pd

DEFAULT_DISTS = ("uniform", "beta:a=2,b=5", "beta:a=5,b=2", "beta:a=2,b=2")


def parse_dist(spec: str) -> tuple[str, dict]:
    """``beta:a=2,b=5`` -> ("beta", {"a": 2.0, "b": 5.0}); checked by analytic.general."""
    from analytic.general import make_distribution

    name, _, rest = spec.partition(":")
    params = {}
    for item in filter(None, rest.split(",")):
        k, eq, v = item.partition("=")
        try:
            params[k.strip()] = float(v)
        except ValueError:
            raise ValueError(f"--dist {spec!r}: parameter {item!r} is not k=number") from None
        if not eq:
            raise ValueError(f"--dist {spec!r}: parameter {item!r} is not k=number")
    make_distribution(name.strip(), **params)
    return name.strip(), params


def dist_specs(dists) -> dict:
    """Label -> solver spec for ``--dist`` strings."""
    specs = {}
    for d in dists:
        n, p = parse_dist(d)
        specs[n if not p else f"{n}({', '.join(f'{k}={v:g}' for k, v in p.items())})"] = ("dist", n, p)
    return specs


def offers_data(dists, phi=1.1, delta=0.99, c_max=0.04, points=41, workers=1) -> pd.DataFrame:
    """One row per (distribution, c): the general equilibrium's outcome measures."""
    import analytic
    from scenarios.studies import over_c

    analytic.validate(phi=phi, c=c_max, delta=delta)
    if int(points) != points or points < 3:
        raise ValueError(f"--points must be an integer >= 3, got {points}")
    c = np.linspace(0.0, float(c_max), int(points))
    return over_c.solve_over_c(dist_specs(dists), phi, delta, c, workers)


def plot_offers(df: pd.DataFrame, path: Path, phi: float, delta: float, c_star: dict | None = None) -> Path:
    from scenarios.studies import over_c

    return over_c.plot_over_c(df, "dist", path, "Extension 4: outside offers from other distributions"
                              f" (phi = {phi:g}, delta = {delta:g})", "outside offers", c_star=c_star)


def offers_study(out, dists=DEFAULT_DISTS, phi=1.1, delta=0.99, c_max=0.04, points=41, workers=1,
                 plot=True) -> pd.DataFrame:
    """Write ``offers.csv`` (one row per F and c), ``offers_summary.csv`` (per F: c*, the
    switch to the offer accepted at once, exactly, and the breakups' shape) and, if
    ``plot``, ``offers.png`` into ``out``; return the summary."""
    from scenarios.studies import over_c

    dists = list(dists)
    df = offers_data(dists, phi=phi, delta=delta, c_max=c_max, points=points, workers=workers)
    over_c.write_table(df, out, "offers.csv")
    summary = over_c.footnote13(df, optima=over_c.c_stars(dist_specs(dists), df, phi, delta, workers=workers))
    for line in over_c.coarse_grid_warnings(summary, "dist", points):
        print(line, file=sys.stderr, flush=True)
    switch = over_c.refine_switch(dist_specs(dists), df, phi, delta, workers=workers)
    summary.insert(2, "c_switch_exact", summary["dist"].map(switch))
    over_c.write_table(summary, out, "offers_summary.csv")
    if plot:
        plot_offers(df, Path(out) / "offers.png", phi, delta, c_star=over_c.c_star_points(summary, "dist"))
    return summary
