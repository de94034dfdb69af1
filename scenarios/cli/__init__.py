"""The ``alliances`` command-line interface.

One argparse parser; every subcommand lives in its own module and registers
itself. To add a subcommand, write a module with

    def register(subparsers):
        p = subparsers.add_parser("name", help="one line for `alliances --help`",
                                  description="longer text for `alliances name --help`")
        p.add_argument(...)
        p.set_defaults(handler=run)        # run(args: argparse.Namespace) -> int | None

and append its import path to ``COMMAND_MODULES`` below. That is all.

Conventions every handler can rely on (``main`` enforces them):

* A ``ValueError`` raised by a handler (a bad parameter: ``analytic.validate``
  raises these) is printed as ONE line ``alliances: error: <message>`` on stderr
  and the exit code is 2, with no traceback. Argparse's own errors (unknown
  option, ``--phi abc``) are printed the same way, also with exit code 2.
* An ``OSError`` (e.g. an output directory that cannot be written) is printed
  the same way with exit code 1.
* The handler's return value is the exit code (``None`` means 0). Write results
  to stdout; nothing else should go to stderr on success.
* Modules are imported every time the CLI starts, so keep their top-level
  imports light: import matplotlib, mesa etc. inside the handler.

Helpers for handlers, in ``scenarios.cli.options``: ``add_param`` (a float
parameter option such as ``--phi``) and ``to_jsonable`` / ``print_json`` (nan ->
null, numpy -> Python).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

PROG = "alliances"

#: Import paths of the modules that define ``register(subparsers)``, in the
#: order their subcommands appear in ``alliances --help``.
COMMAND_MODULES: list[str] = [
    "scenarios.cli.equilibrium",  # equilibrium, welfare
    "scenarios.cli.figure",  # figure 3 | 4
    "scenarios.cli.run",  # run, report
    "scenarios.cli.sweep",  # sweep
    "scenarios.cli.analyze",  # analyze (Sobol / Morris indices of a sensitivity sweep)
    "scenarios.cli.system",  # system-meanfield (the alliance system's mean-field state)
    "scenarios.cli.dashboard",  # dashboard
    "scenarios.cli.extension",  # extension offers | outsiders | pie (the paper's extensions)
    "scenarios.cli.atop",  # atop summarize | synthesize (the ATOP alliance data)
    "scenarios.cli.calibrate",  # calibrate: fit a scenario's [calibration] parameters to ATOP
    "scenarios.cli.catalog",  # scenarios: the bundled scenarios and sweeps
]


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line: ``alliances: error: <message>``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        _print_error(message)
        sys.exit(2)


def _print_error(message: str) -> None:
    one_line = " ".join(str(message).split())
    print(f"{PROG}: error: {one_line}", file=sys.stderr)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("alliances")
    except PackageNotFoundError:
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Fang & Ramsay's two-period alliance game: equilibrium, welfare, "
                    "figures and agent-based scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                       parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``alliances`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:  # a registered parser forgot set_defaults(handler=...)
        parser.error(f"subcommand {args.command!r} has no handler")
    try:
        code = handler(args)
    except ValueError as exc:
        _print_error(exc)
        return 2
    except BrokenPipeError:  # e.g. `alliances equilibrium ... | head -1`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        _print_error(exc)
        return 1
    return 0 if code is None else int(code)


def console() -> None:
    """The ``alliances`` console script (and ``python -m scenarios.cli``): :func:`main`, then exit.

    Before exiting, ``gc.freeze()`` spares Python's shutdown a last garbage collection over every
    object the command made (a quarter of a second of a small `alliances run`): the files are
    written and closed by then, so only memory the process is giving back anyway is left to it."""
    import gc

    code = main()
    gc.freeze()
    sys.exit(code)

