"""Where the alliance system churns and where it freezes, from the mean-field (docs/system.md, "Regimes").

    python benchmarks/meanfield_regimes.py [--scenario system_balancing] [--discounts 0,0.01,...]
                                           [--weak 1,0.75,0.5,0.25] [--simulate ROUNDS] [--out DIR]

For every load discount and strength of the weak powers (the strong are 1; the scenario's
group weights), the scenario's powers and protégés (same seed) are given to the mean-field
(agents.meanfield) and its stationary state is reached from the initial loads. Printed and
written to DIR/regimes.csv: the stationary churn (breakups per alliance-round), the share of
protégés whose alliances still break up (p > 0, the churning c's), the largest c that still churns,
the effective number of poles and the strong powers' share of protégés, and lambda_f, the load
discount from which a frozen configuration exists (`analytic.meanfield.MeanField.frozen_frontier`:
a finite system can fall into one and stay); with ``--simulate R``
also the simulated churn and strong share over the last half of R rounds. DIR/regimes.png: the
churn against the load discount, one line per weak strength. Progress bar on stderr.
"""
from __future__ import annotations

import argparse
import csv
import io
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from agents.distributions import CostDistribution
from agents.meanfield import meanfield_of
from analytic.meanfield import MeanFieldError
from scenarios.output.files import atomic_write, save_figure
from scenarios.scenario import load_scenario

FIELDS = ("load_discount", "weak_strength", "lambda_f", "churn", "share_churning", "c_max_churning", "effective_poles",
          "strong_share", "sim_churn", "sim_strong_share", "seconds")


def cell(sc, load_discount: float, weak: float, simulate: int, c_nodes: int) -> dict:
    strength = sc.system.strength
    weights = strength.weights if strength.kind == "groups" else (1, 1)
    spec = replace(sc.system, load_discount=load_discount,
                   strength=CostDistribution("groups", values=(1.0, weak), weights=tuple(weights)[:2]))
    run = replace(sc, system=spec)
    t0 = time.perf_counter()
    model = run.build_model(record_events=False)
    mf, group, _ = meanfield_of(model, c_nodes=c_nodes)
    try:
        st = mf.solve()
    except MeanFieldError as exc:  # a cell that does not settle is reported, not fatal
        print(f"load discount {load_discount:g}, weak strength {weak:g}: {exc}")
        return dict({k: float("nan") for k in FIELDS}, load_discount=load_discount, weak_strength=weak)
    churning = (st.p_breakup > 0) & (st.led > 1e-6)  # alliances that still break up, and exist
    strong = st.strength == 1.0
    _, lambda_f = meanfield_of(model, c_nodes=model.n_proteges)[0].frozen_frontier()  # every drawn c: the least counts
    row = dict(load_discount=load_discount, weak_strength=weak, lambda_f=lambda_f, churn=st.breakups_per_round / mf.n,
               share_churning=float(st.led[churning].sum() / mf.n),
               c_max_churning=float(st.c[churning.any(axis=0)].max()) if churning.any() else float("nan"),
               effective_poles=st.effective_poles,
               strong_share=float((st.load * st.count)[strong].sum() / mf.n),
               sim_churn=float("nan"), sim_strong_share=float("nan"))
    if simulate:
        keep = []
        for t in range(simulate):
            model.step()
            if t >= simulate // 2:
                keep.append((model.datacollector.model_vars["breakups"][-1], np.bincount(model.patron_of, minlength=group.size)))
        b = model.system.strength == 1.0
        row["sim_churn"] = float(np.mean([k[0] for k in keep]) / mf.n)
        row["sim_strong_share"] = float(np.mean([k[1][b].sum() for k in keep]) / mf.n)
    row["seconds"] = time.perf_counter() - t0
    return row


def main(argv=None) -> None:
    from tqdm import tqdm

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="system_balancing")
    ap.add_argument("--discounts", default="0,0.01,0.02,0.05,0.1,0.2,0.5")
    ap.add_argument("--weak", default="1,0.75,0.5,0.25")
    ap.add_argument("--c-nodes", type=int, default=24)
    ap.add_argument("--simulate", type=int, default=0, metavar="ROUNDS")
    ap.add_argument("--out", default="out/meanfield_regimes")
    args = ap.parse_args(argv)
    sc = load_scenario(args.scenario)
    grid = [(float(d), float(w)) for w in args.weak.split(",") for d in args.discounts.split(",")]
    rows = [cell(sc, d, w, args.simulate, args.c_nodes) for d, w in tqdm(grid, desc="regimes", unit="cell")]
    print(" ".join(f"{k:>16}" for k in FIELDS))
    for r in rows:
        print(" ".join(f"{r[k]:>16.4g}" for k in FIELDS))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS)
    w.writeheader()
    w.writerows(rows)
    atomic_write(out / "regimes.csv", lambda tmp: Path(tmp).write_text(buf.getvalue()))

    from scenarios.output.style import themed_pyplot

    plt = themed_pyplot()  # the project's style, as every output figure
    fig, ax = plt.subplots(figsize=(6, 4))
    for weak in sorted({r["weak_strength"] for r in rows}, reverse=True):
        rs = [r for r in rows if r["weak_strength"] == weak]
        line, = ax.plot([r["load_discount"] for r in rs], [r["churn"] for r in rs], marker="o",
                        label=f"weak strength {weak:g} (mean-field)")
        if args.simulate:
            ax.plot([r["load_discount"] for r in rs], [r["sim_churn"] for r in rs], ls=":", marker="x",
                    color=line.get_color())
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlabel("load discount")
    ax.set_ylabel("stationary breakups per alliance-round")
    ax.set_title(f"{sc.name}: churn at the mean-field stationary state" + (" (x: simulated)" if args.simulate else ""))
    ax.legend()
    fig.tight_layout()
    save_figure(fig, out / "regimes.png", 120, bbox_inches="tight")
    print(f"wrote {out / 'regimes.csv'}, {out / 'regimes.png'}")


if __name__ == "__main__":
    main()
