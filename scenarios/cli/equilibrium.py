"""Subcommands on the analytic solution: ``alliances equilibrium`` and ``alliances welfare``."""

from __future__ import annotations

import argparse
import math
from typing import Any

from scenarios.cli.options import add_param, print_json

# One-line meanings of the Equilibrium fields (docs/analytic-api.md), shown in the table.
FIELD_MEANINGS = {
    "phi": "production cost",
    "c": "search cost",
    "delta": "discount factor",
    "r1": "patron's first-period offer",
    "first_move": "protégé's first move on the equilibrium path",
    "u_patron": "patron's expected discounted payoff",
    "u_protege": "protégé's expected discounted payoff",
    "p_alliance": "P(the alliance acts)",
    "p_breakup": "P(protégé produces with an ad hoc partner)",
    "p_none": "P(nothing is produced)",
    "p_period2": "P(the game reaches period 2)",
    "expected_contribution": "E[patron's contribution | alliance acts]",
    "contribution_excess": "expected_contribution - (phi - 1)",
    "r_star": "r* (eq. 3)",
    "r_tilde": "r~ (eq. 5; nan when c >= 1/32)",
    "r1_star": "r1* (section 3.2.1)",
    "regime": "prop1 (c >= 1/32) or prop2",
    "delta_lower_bound": "the paper's lower bound on delta (3.2.1)",
    "paper_assumptions_hold": "phi < 3/2, delta above the paper's bound, r* >= phi - 1",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "equilibrium",
        help="the subgame-perfect equilibrium at one parameter point",
        description="Solve the two-period alliance game at (phi, c, delta) and print the "
                    "equilibrium: offers, first move, payoffs, outcome probabilities and the "
                    "paper's thresholds.",
    )
    add_param(p, "phi", 1.1, "production cost, in (1, 2)")
    add_param(p, "c", None, "search cost, >= 0")
    add_param(p, "delta", 0.99, "discount factor, in (0, 1]")
    p.add_argument("--json", action="store_true", help="print all fields as JSON (nan -> null)")
    p.set_defaults(handler=run_equilibrium)

    p = subparsers.add_parser(
        "welfare",
        help="the protégé's optimal search cost c* and phi*(delta)",
        description="The search cost c* that maximises the protégé's expected utility at "
                    "(phi, delta), his utility there and at c = 0, and phi*(delta), the "
                    "production cost from which on c = 0 is best for him (paper, section 5).",
    )
    add_param(p, "phi", 1.1, "production cost, in (1, 2)")
    add_param(p, "delta", 0.99, "discount factor, in (0, 1]")
    p.add_argument("--json", action="store_true", help="print as JSON (nan -> null)")
    p.set_defaults(handler=run_welfare)


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "nan"
    return f"{x:.6g}"


def _print_table(rows: list[tuple[str, Any, str]]) -> None:
    width_name = max(len(r[0]) for r in rows)
    width_value = max(len(_fmt(r[1])) for r in rows)
    for name, value, meaning in rows:
        line = f"{name:<{width_name}}  {_fmt(value):>{width_value}}"
        if meaning:
            line += f"  {meaning}"
        print(line.rstrip())


def equilibrium_record(phi: float, c: float, delta: float) -> dict[str, Any]:
    """All fields of ``analytic.solve(phi, c, delta)`` as an ordered dict."""
    import analytic

    analytic.validate(phi=phi, c=c, delta=delta)
    eq = analytic.solve(phi=phi, c=c, delta=delta)
    return eq.as_dict()


def welfare_record(phi: float, delta: float) -> dict[str, Any]:
    """c*, the protégé's utility at c* and at c = 0, and phi*(delta)."""
    import analytic

    analytic.validate(phi=phi, c=0.0, delta=delta)
    w = analytic.optimal_search_cost(phi=phi, delta=delta)
    u_at_zero = getattr(w, "u_protege_at_zero", None)
    if u_at_zero is None:
        u_at_zero = analytic.solve(phi=phi, c=0.0, delta=delta).u_protege
    return {
        "phi": phi,
        "delta": delta,
        "c_star": w.c_star,
        "u_protege_at_c_star": w.u_protege,
        "u_protege_at_c0": u_at_zero,
        "gain_over_c0": w.u_protege - u_at_zero,
        "phi_star": analytic.phi_star(delta=delta),
    }


WELFARE_MEANINGS = {
    "phi": "production cost",
    "delta": "discount factor",
    "c_star": "c*: search cost maximising the protégé's expected utility",
    "u_protege_at_c_star": "protégé's expected utility at c*",
    "u_protege_at_c0": "protégé's expected utility at c = 0",
    "gain_over_c0": "u at c* minus u at c = 0",
    "phi_star": "phi*(delta): for phi >= phi*, c = 0 is best for the protégé "
                "(2 = a positive c is best for every phi < 2)",
}


def run_equilibrium(args: argparse.Namespace) -> int:
    record = equilibrium_record(args.phi, args.c, args.delta)
    if args.json:
        print_json(record)
    else:
        _print_table([(k, v, FIELD_MEANINGS.get(k, "")) for k, v in record.items()])
    return 0


def run_welfare(args: argparse.Namespace) -> int:
    record = welfare_record(args.phi, args.delta)
    if args.json:
        print_json(record)
    else:
        _print_table([(k, v, WELFARE_MEANINGS.get(k, "")) for k, v in record.items()])
    return 0
