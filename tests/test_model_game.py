"""The vectorized round (agents.game): tie rules on chosen draws, and frequencies against analytic."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import analytic
from analytic.bargaining import Benefits
from agents import game
from agents.game import ACCEPT, ALLIANCE, BREAKUP, DELAY, NONE, SEARCH, move_codes, play_round


def _fake_solver(r2=0.5, g=0.7, searches=False):
    """A stand-in for analytic with fixed strategy values, to reach every branch."""
    return SimpleNamespace(
        benefits=Benefits(),
        patron_offer_period2=lambda x1, phi, c, delta: np.maximum(np.full(np.shape(x1), r2), 0.0),
        protege_reservation_period1=lambda x1, phi, c, delta: np.full(np.shape(x1), g),
        protege_searches_period2=lambda s_bar, c: np.full(np.shape(s_bar), searches),
    )


def test_move_codes_rejects_unknown_moves():
    assert move_codes(["accept", "search", "delay"]).tolist() == [ACCEPT, SEARCH, DELAY]
    with pytest.raises(ValueError, match="first_move"):
        move_codes(["accept", "wait"])


def test_accept_acts_in_period_one_at_r1():
    res = play_round([0.6], [ACCEPT], 1.1, [0.05], 0.99, [0.99], [0.99], solver=_fake_solver())
    assert res.outcome[0] == ALLIANCE and res.period[0] == 1 and res.searches[0] == 0
    assert res.contribution[0] == 0.6 and np.isnan(res.x1[0])
    assert res.patron_payoff[0] == pytest.approx(0.4)
    assert res.protege_payoff[0] == pytest.approx(1 - 1.1 + 0.6)


def test_period_one_tie_goes_to_the_outside_offer():
    # x1 == r1 >= g: the most recent proposal (x1) wins -> breakup
    res = play_round([0.75], [SEARCH], 1.1, [0.01], 0.9, [0.75], [0.0], solver=_fake_solver(g=0.7))
    assert res.outcome[0] == BREAKUP and res.source[0] == game.FROM_X1 and res.taken[0] == 0.75
    assert np.isnan(res.contribution[0])
    assert res.protege_payoff[0] == pytest.approx(1 - 1.1 + 0.75 - 0.01)


def test_period_one_takes_r1_when_it_beats_x1_and_g():
    res = play_round([0.75], [SEARCH], 1.1, [0.01], 0.9, [0.3], [0.0], solver=_fake_solver(g=0.75))
    assert res.outcome[0] == ALLIANCE and res.contribution[0] == 0.75 and res.period[0] == 1
    assert res.x1[0] == 0.3 and res.searches[0] == 1


def test_period_two_ties_go_to_the_most_recent_offer():
    s = _fake_solver(r2=0.5, g=0.99, searches=True)
    # x2 == r2 == 0.5 > x1: x2 wins
    res = play_round([0.2], [SEARCH], 1.1, [0.01], 0.9, [0.4], [0.5], solver=s)
    assert res.outcome[0] == BREAKUP and res.source[0] == game.FROM_X2 and res.searches[0] == 2
    # x2 below r2: the patron's r2
    res = play_round([0.2], [SEARCH], 1.1, [0.01], 0.9, [0.4], [0.49], solver=s)
    assert res.outcome[0] == ALLIANCE and res.contribution[0] == 0.5 and res.period[0] == 2
    # no second search, r2 == x1: r2 (more recent) wins
    s = _fake_solver(r2=0.4, g=0.99, searches=False)
    res = play_round([0.2], [SEARCH], 1.1, [0.01], 0.9, [0.4], [0.9], solver=s)
    assert res.outcome[0] == ALLIANCE and res.contribution[0] == 0.4 and np.isnan(res.x2[0])
    assert res.patron_payoff[0] == pytest.approx(0.9 * 0.6)


def test_nothing_is_produced_below_the_free_riding_minimum():
    s = _fake_solver(r2=0.05, g=0.99, searches=True)
    res = play_round([0.0], [DELAY], 1.2, [0.01], 0.9, [0.9], [0.1], solver=s)
    assert res.outcome[0] == NONE and res.source[0] == game.NO_SOURCE and np.isnan(res.taken[0])
    assert np.isnan(res.x1[0]) and res.x2[0] == 0.1
    assert res.protege_payoff[0] == pytest.approx(-0.9 * 0.01)  # only the discounted second search cost
    # exactly phi - 1 is produced (tie rule 3)
    res = play_round([0.0], [DELAY], 1.25, [0.01], 0.9, [0.9], [0.25], solver=s)
    assert res.outcome[0] == BREAKUP


def test_delay_goes_to_period_two_without_an_outside_offer():
    res = play_round([0.1], [DELAY], 1.1, [0.01], 0.9, [0.99], [0.99], solver=_fake_solver(r2=0.6))
    assert res.period[0] == 2 and res.searches[0] == 0 and np.isnan(res.x1[0])
    assert res.outcome[0] == ALLIANCE and res.contribution[0] == 0.6
    assert game.MOVES[res.bargaining_move[0]] == "delay"


def test_bargaining_moves():
    s = _fake_solver(r2=0.5, g=0.7, searches=False)
    res = play_round(
        [0.6, 0.6, 0.6, 0.6], [ACCEPT, SEARCH, SEARCH, DELAY], 1.1, [0.01] * 4, 0.9,
        [0.0, 0.8, 0.2, 0.0], [0.0] * 4, solver=s,
    )
    assert [game.MOVES[m] for m in res.bargaining_move] == ["cooperate", "exit", "court_outsiders", "delay"]


POINTS = [
    (1.1, 0.0, 0.99),
    (1.1, 0.01, 0.99),
    (1.1, 0.025, 0.99),
    (1.1, 0.04, 0.99),  # Prop. 1: accept at once
    (1.3, 0.005, 0.8),
    (1.45, 0.02, 0.95),
    (1.7, 0.001, 0.5),  # outside the paper's assumptions
]


@pytest.mark.parametrize("phi,c,delta", POINTS)
def test_frequencies_match_analytic(phi, c, delta):
    """400,000 rounds at one point: outcome shares within 4.5 standard errors of analytic."""
    eq = analytic.solve(phi=phi, c=c, delta=delta)
    n = 400_000
    r1, moves = np.full(n, eq.r1), np.full(n, eq.first_move)
    x1, x2 = analytic.PAPER_GAME.draw_offers(np.random.default_rng(12345), r1, moves, phi, np.full(n, c), delta)
    res = play_round(r1, move_codes(moves), phi, np.full(n, c), delta, x1, x2)
    for code, p in ((ALLIANCE, eq.p_alliance), (BREAKUP, eq.p_breakup), (NONE, eq.p_none)):
        freq = np.mean(res.outcome == code)
        se = np.sqrt(max(p * (1 - p), 1e-12) / n)
        assert abs(freq - p) <= 4.5 * se + 1e-12, (game.OUTCOMES[code], freq, p)
    acted = res.outcome == ALLIANCE
    if acted.any():
        contr = res.contribution[acted]
        se = max(contr.std(), 1e-9) / np.sqrt(acted.sum())
        assert abs(contr.mean() - eq.expected_contribution) <= 4.5 * se + 1e-12
    assert np.mean(res.period == 2) == pytest.approx(eq.p_period2, abs=4.5 * np.sqrt(0.25 / n))
    # the protégé's mean realized payoff is his equilibrium expected utility
    se = res.protege_payoff.std() / np.sqrt(n)
    assert abs(res.protege_payoff.mean() - eq.u_protege) <= 4.5 * se + 1e-9
    se = res.patron_payoff.std() / np.sqrt(n)
    assert abs(res.patron_payoff.mean() - eq.u_patron) <= 4.5 * se + 1e-9


@pytest.mark.parametrize("n", [0, 1, 7, 5000])
def test_distinct_points_are_numpys_unique(n):
    """The round's distinct (F row, phi, c, b) points, by a lexsort: what np.unique gives."""
    rng = np.random.default_rng(n)
    key = np.empty(n, dtype=[("f", np.int64), ("p", float), ("c", float), ("b", float)])
    key["f"] = rng.integers(0, 5, n)
    key["p"] = rng.choice([1.1, 1.3], n)
    key["c"] = rng.choice(np.linspace(0.0, 0.04, 7), n)
    key["b"] = rng.choice([1.0, 0.6, 0.25], n)
    uk, inverse = game.distinct_points(key)
    want_uk, want_inverse = np.unique(key, return_inverse=True)
    assert np.array_equal(uk, want_uk) and np.array_equal(inverse, want_inverse.ravel())
    assert np.array_equal(uk[inverse], key)
