"""``python -m scenarios.cli ...``: the ``alliances`` command."""

import sys

from scenarios.cli import main

sys.exit(main())
