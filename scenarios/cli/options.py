"""Helpers for the subcommands' handlers: float parameter options, the size check and JSON output."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any


def add_param(parser: argparse.ArgumentParser, name: str, default: float | None,
              help: str) -> None:
    """Add a float option ``--name``; required when ``default`` is None.

    Range checks are left to ``analytic.validate`` so that the messages are the
    analytic module's own.
    """
    opt = "--" + name.replace("_", "-")
    if default is None:
        parser.add_argument(opt, dest=name, type=float, required=True, metavar=name.upper(),
                            help=help)
    else:
        parser.add_argument(opt, dest=name, type=float, default=default,
                            metavar=name.upper(), help=f"{help} (default: {default:g})")


def add_size_check(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-size-check``: run even what the memory estimate says cannot fit."""
    parser.add_argument("--no-size-check", dest="size_check", action="store_false",
                        help="skip the memory check made before starting (the command may then be killed"
                             " for lack of memory)")


def add_workers(parser: argparse.ArgumentParser, note: str = "") -> None:
    """Add ``--workers N``, the same everywhere: processes to use, an integer >= 1 (default: the CPUs)."""
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="worker processes, an integer >= 1 (default: the number of CPUs"
                             + (f"; {note})" if note else ")"))


def workers_of(args: argparse.Namespace) -> int:
    """The ``--workers`` of ``args`` checked (ValueError naming it), the number of CPUs if not given."""
    import os

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers: must be an integer >= 1, got {workers!r}")
    return workers


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, dataclasses and dicts to JSON types; nan/inf -> None."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy
        return to_jsonable(value.tolist())
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def print_json(value: Any) -> None:
    print(json.dumps(to_jsonable(value), indent=2, allow_nan=False))
