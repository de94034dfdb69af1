"""A check shared by the extension scenarios' tests: simulated events against a solver, per c group."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats


def assert_groups_match(events, pred) -> None:
    """Per search-cost group (a row of ``pred``, a solver's solve_many): the breakup frequency
    within 4 SE of p_breakup and the patron's mean contribution within 4 SE of
    expected_contribution (exact where they cannot vary); alliance-rounds are independent
    (c fixed, new offers every round). A chi-square over the groups is not significant at 0.1%."""
    chi2, dof = 0.0, 0
    for _, row in pred.iterrows():
        g = events[events["search_cost"] == row["c"]]
        broke = (g["outcome"] == "breakup").to_numpy()
        p = row["p_breakup"]
        if 0 < p < 1:
            se = np.sqrt(p * (1 - p) / len(g))
            assert abs(broke.mean() - p) <= 4 * se, (row["c"], broke.mean(), p)
            chi2 += (broke.mean() - p) ** 2 / se**2
            dof += 1
        else:
            assert broke.mean() == p
        contr = g["contribution"].dropna().to_numpy()
        if contr.std() > 1e-9:
            assert abs(contr.mean() - row["expected_contribution"]) <= 4 * contr.std() / np.sqrt(contr.size)
        else:
            assert contr.mean() == pytest.approx(row["expected_contribution"], abs=1e-12)
    assert stats.chi2.sf(chi2, dof) > 1e-3
