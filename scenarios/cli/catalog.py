"""``alliances scenarios``: the bundled scenarios and sweeps, one line each."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "scenarios", help="list the bundled scenarios (alliances run NAME) and sweeps (alliances sweep NAME)",
        description="List the scenario files shipped in scenarios/ and the sweep files in scenarios/sweeps/,"
                    " each with its description.")
    p.set_defaults(handler=run)


def catalog() -> dict[str, list[tuple[str, str]]]:
    """"scenarios" and "sweeps" -> (name, description) of each bundled file."""
    from scenarios.scenario import SCENARIO_DIR, read_toml
    from scenarios.sweep_spec import SWEEP_DIR

    def entries(folder):
        out = []
        for path in sorted(folder.glob("*.toml")):
            data = read_toml(path)
            out.append((path.stem, " ".join(str(data.get("description", "")).split())))
        return out

    return {"scenarios": entries(SCENARIO_DIR), "sweeps": entries(SWEEP_DIR)}


def run(args: argparse.Namespace) -> int:
    cat = catalog()
    for title, command in (("scenarios", "alliances run NAME"), ("sweeps", "alliances sweep NAME")):
        rows = cat[title]
        width = max((len(n) for n, _ in rows), default=0)
        print(f"bundled {title} ({command}):")
        for name, desc in rows:
            print(f"  {name:<{width}}  {desc}".rstrip())
    return 0
