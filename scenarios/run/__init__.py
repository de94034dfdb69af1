"""Running scenarios: one run (``runner``), a sweep of many runs (``sweep``)."""
