"""``alliances system-meanfield``: the alliance system's mean-field stationary state (issue 11)."""

from __future__ import annotations

import argparse

COLUMNS = ("role", "strength", "powers", "in_pool", "mean_load", "valuation", "breakup_rate", "won_share")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "system-meanfield",
        help="the mean-field stationary state of a scenario's alliance system (no simulation)",
        description=(
            "Group the scenario's powers by (starting role, strength) and its protégés by search cost, "
            "and compute the stationary state the mean-field dynamics reach from the initial loads "
            "(docs/system.md, 'The mean-field stationary state'): per group the mean load, the breakup "
            "rate of the alliances it leads and its share of the breakups won; the effective number of "
            "poles, the mean outside offer, and the load discount lambda_f from which a frozen "
            "configuration exists. Needs a [system] table."
        ),
    )
    p.add_argument("scenario", metavar="NAME_OR_PATH", help="bundled scenario name or scenario file")
    p.add_argument("--seed", type=int, default=None, help="override the scenario's seed (the powers' strengths)")
    p.add_argument("--json", action="store_true", help="print as JSON (nan -> null)")
    p.set_defaults(handler=_run)


def record(sc) -> dict:
    """The mean-field stationary state of a scenario with a [system] table, as a dict."""
    from agents.meanfield import meanfield_of

    if sc.system is None:
        raise ValueError(f"{sc.path}: system: the scenario has no [system] table; the mean-field state is for"
                         f" the alliance system (see docs/system.md)")
    try:
        model = sc.build_model(record_events=False)
        mf, _, roles = meanfield_of(model)
        state = mf.solve()
        # the frontier is set by the least c: every drawn c, not the bins
        _, lambda_f = meanfield_of(model, c_nodes=model.n_proteges)[0].frozen_frontier()
    except ValueError as exc:
        raise ValueError(f"{sc.path}: {exc}") from None
    groups = [dict(role=r, **g) for r, g in zip(roles, state.table())]
    return {"scenario": sc.name, "seed": sc.seed, "groups": groups,
            "breakups_per_round": state.breakups_per_round, "effective_poles": state.effective_poles,
            "mean_offer": state.mean_offer, "frozen": state.frozen, "chattering": state.chattering,
            "rounds": state.rounds, "residual": state.residual, "load_discount": sc.system.load_discount,
            "lambda_f": lambda_f}


def _run(args: argparse.Namespace) -> int:
    from scenarios.cli.options import print_json
    from scenarios.scenario import load_scenario

    sc = load_scenario(args.scenario).with_overrides(seed=args.seed)
    rec = record(sc)
    if args.json:
        print_json(rec)
        return 0
    print(f"mean-field stationary state of {sc.name} (seed {sc.seed})")
    rows = [[str(g[k]) if isinstance(g[k], (str, bool, int)) else f"{g[k]:.4g}" for k in COLUMNS] for g in rec["groups"]]
    width = [max(len(k), *(len(r[i]) for r in rows)) for i, k in enumerate(COLUMNS)]
    print("  ".join(k.rjust(w) for k, w in zip(COLUMNS, width)))
    for r in rows:
        print("  ".join(v.rjust(w) for v, w in zip(r, width)))
    state = ("frozen (no breakups: the state reached from the start)" if rec["frozen"]
             else "settled at a threshold (mean of the chattering)" if rec["chattering"] else "stationary")
    print(f"breakups per round {rec['breakups_per_round']:.4g}; effective poles {rec['effective_poles']:.4g};"
          f" mean outside offer {rec['mean_offer']:.4g}; {state} after {rec['rounds']} mean-field rounds")
    where = "above: a frozen configuration exists" if rec["load_discount"] >= rec["lambda_f"] else "below: none exists"
    print(f"frozen frontier: load discount lambda_f = {rec['lambda_f']:.4g} (this scenario {rec['load_discount']:g},"
          f" {where}; docs/system.md, 'Regimes')")
    return 0
