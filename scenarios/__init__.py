"""Scenario files, the scenario runner, sweeps, figures and the `alliances` command-line interface."""
