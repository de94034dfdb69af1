"""``alliances extension ...``: figures and tables for the paper's extensions (docs/extensions.md).

``alliances extension offers``: extension 4 (footnote 13). For each outside-offer
distribution F (``uniform`` or ``NAME:k=v,k=v`` for any continuous ``scipy.stats``
distribution with support in [0, 1], e.g. ``beta:a=2,b=5``), solves the game with
``analytic.general`` on a grid of search costs c and draws the breakup probability,
the patron's expected contribution and the protégé's expected payoff against c
(with c* marked). Writes ``offers.png`` and ``offers.csv`` and prints, per F, c* and
whether footnote 13's non-monotonicity holds (breakups rise, then fall, as c falls
towards 0 below the value where the patron switches to the offer accepted at once).
"""
from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.cli import add_param
from scenarios.output.files import save_figure
from scenarios.output.style import pyplot

#: resolution of the extension figures (PNG)
DPI = 110
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


def solver_of(spec: tuple):
    """The (cached) solver a picklable spec names: ("dist", name, params) for extension 4,
    ("pie", Benefits) for extension 3."""
    if spec[0] == "pie":
        from analytic.bargaining import pie_solver

        return pie_solver(spec[1])
    from analytic.general import solver_for

    return solver_for(spec[1], **spec[2])


def _solve_chunk(args):
    spec, phi, c, delta = args
    return solver_of(spec).solve_many(phi=phi, c=np.asarray(c), delta=delta)


def solve_over_c(specs: dict, phi, delta, c, workers=1, column="dist") -> pd.DataFrame:
    """Equilibria of each solver spec (label -> spec) over the search costs c, in processes;
    one row per (label, c), the label in ``column``."""
    chunks = np.array_split(np.asarray(c, dtype=float), max(1, int(workers)))
    jobs = [(label, (spec, phi, ch, delta)) for label, spec in specs.items() for ch in chunks if ch.size]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=int(workers)) as ex:
            parts = list(ex.map(_solve_chunk, [j for _, j in jobs]))
    else:
        parts = [_solve_chunk(j) for _, j in jobs]
    frames = []
    for (label, _), part in zip(jobs, parts):
        part = part.copy()
        part.insert(0, column, label)
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def offers_data(dists, phi=1.1, delta=0.99, c_max=0.04, points=41, workers=1) -> pd.DataFrame:
    """One row per (distribution, c): the general equilibrium's outcome measures."""
    import analytic

    analytic.validate(phi=phi, c=c_max, delta=delta)
    if int(points) != points or points < 3:
        raise ValueError(f"--points must be an integer >= 3, got {points}")
    c = np.linspace(0.0, float(c_max), int(points))
    return solve_over_c(dist_specs(dists), phi, delta, c, workers)


def dist_specs(dists) -> dict:
    """Label -> solver spec for ``--dist`` strings."""
    specs = {}
    for d in dists:
        n, p = parse_dist(d)
        specs[n if not p else f"{n}({', '.join(f'{k}={v:g}' for k, v in p.items())})"] = ("dist", n, p)
    return specs


def footnote13(df: pd.DataFrame, column: str = "dist") -> pd.DataFrame:
    """Per group: c*, the switch value of c, and whether breakups are non-monotone in c."""
    rows = []
    for dist, g in df.groupby(column, sort=False):
        g = g.sort_values("c")
        pb = g["p_breakup"].to_numpy()
        c = g["c"].to_numpy()
        searching = np.flatnonzero(pb > 0)
        switch = float(c[searching[-1] + 1]) if searching.size and searching[-1] + 1 < len(c) else np.nan
        inner = pb[searching] if searching.size else np.array([])
        k = int(np.argmax(inner)) if inner.size else -1
        non_mono = bool(inner.size >= 3 and 0 < k < inner.size - 1 and inner[k] > inner[0] + 1e-9)
        i = int(np.argmax(g["u_protege"].to_numpy()))
        rows.append({column: dist, "c_star": float(c[i]), "u_protege_at_c_star": float(g["u_protege"].iloc[i]),
                     "u_protege_at_0": float(g["u_protege"].iloc[0]), "c_switch": switch,
                     "max_p_breakup": float(pb.max()), "c_at_max_breakup": float(c[np.argmax(pb)]),
                     "p_breakup_at_0": float(pb[0]), "non_monotone": non_mono})
    return pd.DataFrame(rows)


def _switch_job(args):
    spec, phi, delta, lo, hi, iters = args
    solver = solver_of(spec)
    for _ in range(iters):  # first move 'search' at lo, 'accept' at hi
        mid = 0.5 * (lo + hi)
        if solver.solve(phi, mid, delta).first_move == "accept":
            hi = mid
        else:
            lo = mid
    return hi


def refine_switch(specs: dict, df: pd.DataFrame, phi, delta, iters=22, workers=1, column="dist") -> dict:
    """c at which the patron switches to the offer accepted at once, by bisection between
    the grid points around it (22 halvings of the grid step), per label of ``specs``."""
    jobs, labels = [], []
    for label, g in df.groupby(column, sort=False):
        g = g.sort_values("c")
        mv = g["first_move"].to_numpy()
        i = np.flatnonzero((mv[:-1] != "accept") & (mv[1:] == "accept"))
        if i.size:
            jobs.append((specs[label], phi, delta, float(g["c"].iloc[i[-1]]), float(g["c"].iloc[i[-1] + 1]), iters))
            labels.append(label)
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=int(workers)) as ex:
            found = list(ex.map(_switch_job, jobs))
    else:
        found = [_switch_job(j) for j in jobs]
    return dict(zip(labels, found))


def plot_over_c(df: pd.DataFrame, column: str, path: Path, title: str, legend_title: str, dashed=()) -> Path:
    """Breakups, the patron's contribution and the protégé's payoff against c, one line per
    value of ``column`` (broken where the first move switches; dot: the protégé's best c);
    the groups in ``dashed`` drawn dashed."""
    plt = pyplot()

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    for label, g in df.groupby(column, sort=False):
        g = g.sort_values("c")
        style = "--" if label in dashed else "-"
        # break the lines where the first move changes (no false vertical rise at the jump)
        seg = np.concatenate([[0], np.cumsum(g["first_move"].to_numpy()[1:] != g["first_move"].to_numpy()[:-1])])
        color = None
        for s in np.unique(seg):
            part = g[seg == s]
            for ax, col in zip(axes, ("p_breakup", "expected_contribution", "u_protege")):
                line, = ax.plot(part["c"], part[col], style, color=color, lw=1.6,
                                label=label if (s == 0 and ax is axes[0]) else None)
                color = line.get_color()
        i = int(np.argmax(g["u_protege"].to_numpy()))
        axes[2].plot(g["c"].iloc[i], g["u_protege"].iloc[i], "o", color=color)
    axes[0].set(xlabel="search cost c", ylabel="P(breakup)", title="breakups")
    axes[1].set(xlabel="search cost c", ylabel="E[contribution | alliance acts]", title="patron's contribution")
    axes[2].set(xlabel="search cost c", ylabel="protégé's expected payoff", title="protégé's payoff (dot: c*)")
    axes[0].legend(title=legend_title, fontsize=7, title_fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path, DPI)


def plot_offers(df: pd.DataFrame, path: Path, phi: float, delta: float) -> Path:
    return plot_over_c(df, "dist", path, "Extension 4: outside offers from other distributions"
                       f" (phi = {phi:g}, delta = {delta:g})", "outside offers")


def run_offers(args: argparse.Namespace) -> int:
    dists = args.dist or list(DEFAULT_DISTS)
    df = offers_data(dists, phi=args.phi, delta=args.delta, c_max=args.c_max, points=args.points,
                     workers=args.workers)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "offers.csv", index=False)
    summary = footnote13(df)
    switch = refine_switch(dist_specs(dists), df, args.phi, args.delta, workers=args.workers)
    summary.insert(2, "c_switch_exact", summary["dist"].map(switch))
    summary.to_csv(out / "offers_summary.csv", index=False)
    if not args.no_plot:
        plot_offers(df, out / "offers.png", args.phi, args.delta)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"wrote offers.csv, offers_summary.csv{'' if args.no_plot else ', offers.png'} to {out}")
    return 0


def _solve_outsiders(args):
    k, phi, c, delta = args
    from analytic.outsiders import StrategicOutsiders

    s = StrategicOutsiders(k)
    return pd.DataFrame([s.solve(phi, float(cc), delta).as_dict() for cc in c])


def outsiders_data(ks=(1, 2, 3), phi=1.1, delta=0.99, c_min=0.0, c_max=0.04, points=20, workers=1):
    """Strategic outsiders (k per search, U[0, 1] valuations) against the paper's draws, over c."""
    import analytic

    analytic.validate(phi=phi, c=c_max, delta=delta)
    c = np.linspace(float(c_min), float(c_max), int(points))
    base = analytic.solve_many(phi=phi, c=c, delta=delta)
    base = base[["phi", "c", "delta", "r1", "first_move", "u_patron", "u_protege", "p_breakup",
                 "expected_contribution"]].copy()
    base.insert(0, "outsiders", "paper: U[0, 1] draws")
    chunks = np.array_split(c, max(1, int(workers)))
    jobs = [(int(k), phi, ch, delta) for k in ks for ch in chunks if ch.size]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=int(workers)) as ex:
            parts = list(ex.map(_solve_outsiders, jobs))
    else:
        parts = [_solve_outsiders(j) for j in jobs]
    frames = [base]
    for (k, *_), part in zip(jobs, parts):
        part = part.copy()
        part.insert(0, "outsiders", f"{k} strategic outsider{'s' if k > 1 else ''}")
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def plot_outsiders(df: pd.DataFrame, path: Path, phi: float, delta: float) -> Path:
    plt = pyplot()

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for name, g in df.groupby("outsiders", sort=False):
        g = g.sort_values("c")
        style = "--" if name.startswith("paper") else "-"
        for ax, col in zip(axes, ("p_breakup", "expected_contribution", "u_protege")):
            ax.plot(g["c"], g[col], style, marker="." if not name.startswith("paper") else None, lw=1.5,
                    label=name if ax is axes[0] else None)
    axes[0].set(xlabel="search cost c", ylabel="P(breakup)", title="breakups")
    axes[1].set(xlabel="search cost c", ylabel="E[contribution | alliance acts]", title="patron's contribution")
    axes[2].set(xlabel="search cost c", ylabel="protégé's expected payoff", title="protégé's payoff")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Extension 1: strategic outsiders vs the paper's draws (phi = {phi:g}, delta = {delta:g})")
    fig.tight_layout()
    return save_figure(fig, path, DPI)


def run_outsiders(args: argparse.Namespace) -> int:
    df = outsiders_data(tuple(args.k or (1, 2, 3)), phi=args.phi, delta=args.delta, c_min=args.c_min,
                        c_max=args.c_max, points=args.points, workers=args.workers)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "outsiders.csv", index=False)
    if not args.no_plot:
        plot_outsiders(df, out / "outsiders.png", args.phi, args.delta)
    cols = ["outsiders", "c", "first_move", "r1", "p_breakup", "expected_contribution", "u_protege", "u_patron"]
    pick = df[np.isclose(df["c"], df["c"].min()) | np.isclose(df["c"], df["c"].max())][cols]
    print(pick.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"wrote outsiders.csv{'' if args.no_plot else ', outsiders.png'} to {out}")
    return 0


def add_c_grid_options(p, c_max: float, points: int, out: str, cost: str) -> None:
    """phi, delta, the grid of search costs, workers, output directory: the options every
    ``alliances extension`` subcommand shares."""
    add_param(p, "phi", 1.1, "production cost")
    add_param(p, "delta", 0.99, "discount factor")
    add_param(p, "c_max", c_max, "largest search cost on the grid")
    p.add_argument("--points", type=int, default=points, help=f"search costs on the grid (default: {points}; {cost})")
    p.add_argument("--workers", type=int, default=1, help="processes (default: 1)")
    p.add_argument("--out", default=out, help=f"output directory (default: {out})")
    p.add_argument("--no-plot", action="store_true", help="tables only")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "extension", help="the paper's extensions: figures and tables (docs/extensions.md)",
        description="Figures and tables for the paper's extensions (docs/extensions.md).")
    sub = p.add_subparsers(dest="extension", metavar="EXTENSION", required=True)
    o = sub.add_parser(
        "offers", help="extension 4: outside offers from any distribution on [0, 1] (footnote 13)",
        description=__doc__.split("\n\n")[1])
    o.add_argument("--dist", action="append", metavar="NAME[:k=v,...]",
                   help="an outside-offer distribution, repeatable (default: " + ", ".join(DEFAULT_DISTS) + ")")
    add_c_grid_options(o, c_max=0.04, points=41, out="out/extension_offers", cost="~1 s each per F")
    o.set_defaults(handler=run_offers)

    s = sub.add_parser(
        "outsiders", help="extension 1: k strategic outsiders per search vs the paper's draws",
        description="Solve the game with k strategic outsiders per search (U[0, 1] valuations, "
                    "analytic.outsiders) on a grid of c and draw breakups, the patron's contribution "
                    "and the protégé's payoff against the paper's non-strategic U[0, 1] draws. "
                    "Writes outsiders.csv and outsiders.png.")
    s.add_argument("--k", type=int, action="append", help="outsiders per search, repeatable (default: 1, 2, 3)")
    add_param(s, "c_min", 0.0, "smallest search cost")
    add_c_grid_options(s, c_max=0.04, points=20, out="out/extension_outsiders", cost="0.2-3.5 s each per k")
    s.set_defaults(handler=run_outsiders)

    from scenarios.studies.pie import add_parser as add_pie_parser

    add_pie_parser(sub)
