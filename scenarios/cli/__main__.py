"""``python -m scenarios.cli ...``: the ``alliances`` command."""

from scenarios.cli import console

console()
