"""The docs name what is shipped: every bundled scenario and sweep, every table of baseline.toml's comments."""

from __future__ import annotations

from pathlib import Path

from agents.investment import INVESTMENT_RULES
from scenarios.scenario import SCENARIO_DIR, scenario_keys
from scenarios.sweep_spec import SWEEP_DIR

REPO = Path(__file__).resolve().parents[1]


def test_the_population_doc_lists_every_bundled_scenario_and_sweep():
    text = (REPO / "docs" / "population-model.md").read_text()
    for folder in (SCENARIO_DIR, SWEEP_DIR):
        for p in folder.glob("*.toml"):
            assert f"`{p.stem}`" in text, p.stem


def test_baseline_toml_comments_name_every_table_and_investment_rule():
    text = (SCENARIO_DIR / "baseline.toml").read_text()
    for table in (k for k in scenario_keys() if k and "." not in k):
        assert f"[{table}]" in text, table
    for rule in INVESTMENT_RULES:
        assert f'"{rule}"' in text, rule


def test_the_readme_says_how_long_the_suite_takes_and_what_the_browser_test_needs():
    text = (REPO / "README.md").read_text()
    assert "about 5 minutes" in text and "chromium" in text
