"""One round of the two-period alliance game for many alliances at once.

The population model plays its rounds here, for all alliances in one batch of
array operations; ``agents.reference`` plays the same round one protégé at a
time, as the readable specification (tests/test_reference_agents.py checks that
the two agree). Given each alliance's
equilibrium first offer ``r1`` and the protégé's first move (from the solver's
``solve_many``), its parameters and the two outside offers of the round per
alliance (``x1`` and ``x2``, drawn before by the solver's ``draw_offers``), it
plays the equilibrium strategy profile draw by draw, vectorized with numpy:

* ``accept``: the alliance acts in period 1 with contribution ``r1``.
* ``search``: the protégé pays ``c`` and sees ``x1``. He takes ``max(r1, x1)``
  now iff it is at least ``g = solver.protege_reservation_period1(x1, ...)``;
  ``x1`` wins a tie with ``r1`` (a breakup), else the alliance acts at ``r1``.
  Otherwise period 2 with the standing offer ``x1``.
* ``delay``: period 2 with ``x1 = 0``.
* period 2: the patron offers ``r2 = solver.patron_offer_period2(x1, ...)``.
  With ``s_bar = max(x1, r2, phi - 1)`` the protégé searches again iff
  ``solver.protege_searches_period2(s_bar, c)``; he then takes the best of
  ``x2, r2, x1`` (ties to the most recent: ``x2 > r2 > x1``), else the better of
  ``r2`` and ``x1`` (``r2`` on a tie). If what he would take is below
  ``phi - 1`` nothing is produced.

``solver`` is an ``analytic.protocol.GameSolver`` (default: the paper's game,
``analytic.PAPER_GAME``). Pure functions of arrays: no random numbers are drawn
here, so tests can feed chosen offers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytic import PAPER_GAME

#: First moves, in the order of their integer codes.
FIRST_MOVES = ("accept", "search", "delay")
ACCEPT, SEARCH, DELAY = 0, 1, 2

#: Outcomes, in the order of their integer codes.
OUTCOMES = ("alliance", "breakup", "none")
ALLIANCE, BREAKUP, NONE = 0, 1, 2

#: Who made the offer the protégé produced with (``NO_SOURCE`` if nothing was produced).
SOURCES = ("patron", "x1", "x2")
FROM_PATRON, FROM_X1, FROM_X2, NO_SOURCE = 0, 1, 2, -1

#: The protégé's bargaining move (Krebs' typology), in the order of their codes:
#: the strongest step he took in the round.
MOVES = ("cooperate", "delay", "court_outsiders", "exit")
COOPERATE, DELAY_MOVE, COURT, EXIT = 0, 1, 2, 3


def move_codes(first_moves) -> np.ndarray:
    """Integer codes (``ACCEPT``/``SEARCH``/``DELAY``) for an array of first-move strings."""
    arr = np.asarray(first_moves)
    codes = np.full(arr.shape, -1, dtype=np.int8)
    for code, name in enumerate(FIRST_MOVES):
        codes[arr == name] = code
    if (codes < 0).any():
        bad = sorted(set(arr[codes < 0].tolist()))
        raise ValueError(f"first_move: unknown value(s) {bad}; allowed: {list(FIRST_MOVES)}")
    return codes


def distinct_points(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct rows of the structured array ``key``, sorted field by field, and each row's
    index among them): ``np.unique(key, return_inverse=True)``, by a lexsort of the fields
    (five times faster at 10,000 alliances: numpy sorts a structured array element by element)."""
    order = np.lexsort([key[name] for name in reversed(key.dtype.names)])
    ordered = key[order]
    new = np.ones(key.size, dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(key.size, dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


@dataclass
class RoundResult:
    """What happened in each alliance this round (arrays of one entry per alliance)."""

    outcome: np.ndarray  # int8, ALLIANCE / BREAKUP / NONE
    period: np.ndarray  # int8, 1 or 2: the period in which the round ended
    searches: np.ndarray  # int8, 0, 1 or 2 searches by the protégé
    source: np.ndarray  # int8, FROM_PATRON / FROM_X1 / FROM_X2 / NO_SOURCE
    taken: np.ndarray  # float, the offer produced with (nan if nothing produced)
    contribution: np.ndarray  # float, the patron's accepted contribution (nan unless ALLIANCE)
    x1: np.ndarray  # float, first outside offer (nan if no first search)
    x2: np.ndarray  # float, second outside offer (nan if no second search)
    r2: np.ndarray  # float, the patron's period-2 offer (nan if period 2 not reached or she made none)
    protege_payoff: np.ndarray  # float, discounted, net of search costs
    patron_payoff: np.ndarray  # float, discounted

    @property
    def bargaining_move(self) -> np.ndarray:
        """Krebs-style move code: exit (breakup), court outsiders (searched), delay, cooperate."""
        move = np.where(self.period == 2, DELAY_MOVE, COOPERATE).astype(np.int8)
        move[self.searches > 0] = COURT
        move[self.outcome == BREAKUP] = EXIT
        return move


def play_round(r1, first_move, phi, c, delta, offer1, offer2, solver=None, strategies=None, points=None,
               patron_benefit=None) -> RoundResult:
    """Play one round of the equilibrium in every alliance.

    ``r1``, ``first_move`` (integer codes, see :func:`move_codes`), ``phi``,
    ``c``, ``offer1`` and ``offer2`` are arrays of one entry per alliance
    (``phi`` and ``delta`` may be scalars). ``offer1`` and ``offer2`` are
    the offers of the first and second ad hoc partner (the solver's
    ``draw_offers``); they are only looked at where a search happens.
    ``solver`` (an ``analytic.protocol.GameSolver``, default
    ``analytic.PAPER_GAME``) provides the strategy functions and the benefits
    from the good: unless they are the paper's (``benefits.is_paper``; they are
    not for ``analytic.bargaining.PieSolver``, extension 3), the round is played
    in the ad hoc units of its strategy functions (phi and the patron's offers
    shifted, see ``analytic.bargaining``); contributions, ``r2`` and payoffs
    are reported as paid.

    ``strategies`` (e.g. an ``analytic.piecewise.PiecewiseEquilibria``) with ``points`` (one
    index per alliance): alliance i plays the strategy functions of point ``points[i]``
    (``protege_reservation_period1(x1, point)``, ``patron_offer_period2(x1, point)``,
    ``protege_searches_period2(s_bar, point)``) instead of the solver's, as in a population
    where every alliance faces its own outside-offer distribution (``agents.system``); the
    solver then only gives the benefits. ``patron_benefit`` (one per alliance, default the
    solver's ``benefits.patron``): what the good is worth to each patron, for her payoff.
    """
    solver = PAPER_GAME if solver is None else solver
    benefits = solver.benefits
    b_patron, b_ally, b_ad_hoc = benefits.patron, benefits.protege_ally, benefits.protege_ad_hoc
    shift = b_ad_hoc - b_ally  # a contribution r is worth r - shift against an ad hoc offer

    r1 = np.asarray(r1, dtype=float)
    n = r1.shape[0]
    first_move = np.asarray(first_move)
    phi = np.broadcast_to(np.asarray(phi, dtype=float), (n,))
    phi_play, r1 = (phi, r1) if benefits.is_paper else (phi - b_ad_hoc + 1.0, r1 - shift)
    c = np.broadcast_to(np.asarray(c, dtype=float), (n,))
    delta = float(delta)
    offer1 = np.asarray(offer1, dtype=float)
    offer2 = np.asarray(offer2, dtype=float)
    if patron_benefit is not None:
        b_patron = np.broadcast_to(np.asarray(patron_benefit, dtype=float), (n,))
    if strategies is None:
        def reservation(i, x):
            return solver.protege_reservation_period1(x, phi_play[i], c[i], delta)

        def offer_period2(i, x):
            return solver.patron_offer_period2(x, phi_play[i], c[i], delta)

        def searches_again(i, s):
            return solver.protege_searches_period2(s, c[i])
    else:
        points = np.asarray(points, dtype=np.intp)

        def reservation(i, x):
            return strategies.protege_reservation_period1(x, points[i])

        def offer_period2(i, x):
            return strategies.patron_offer_period2(x, points[i])

        def searches_again(i, s):
            return strategies.protege_searches_period2(s, points[i])

    outcome = np.full(n, NONE, dtype=np.int8)
    period = np.ones(n, dtype=np.int8)
    searches = np.zeros(n, dtype=np.int8)
    source = np.full(n, NO_SOURCE, dtype=np.int8)
    taken = np.full(n, np.nan)
    x1 = np.full(n, np.nan)
    x2 = np.full(n, np.nan)
    r2 = np.full(n, np.nan)

    # Period 1: accept.
    acc = np.flatnonzero(first_move == ACCEPT)
    outcome[acc] = ALLIANCE
    source[acc] = FROM_PATRON
    taken[acc] = r1[acc]

    # Period 1: search, then take the best standing offer now or move on.
    srch = np.flatnonzero(first_move == SEARCH)
    searches[srch] = 1
    xs = offer1[srch]
    x1[srch] = xs
    rs = r1[srch]
    g = np.asarray(reservation(srch, xs), dtype=float)
    best = np.maximum(rs, xs)
    now = best >= g
    took_x1 = now & (xs >= rs)
    took_r1 = now & (xs < rs)
    i = srch[took_x1]
    outcome[i], source[i], taken[i] = BREAKUP, FROM_X1, xs[took_x1]
    i = srch[took_r1]
    outcome[i], source[i], taken[i] = ALLIANCE, FROM_PATRON, rs[took_r1]

    # Period 2: after a search that was not cashed in, or after a delay.
    later = np.concatenate([srch[~now], np.flatnonzero(first_move == DELAY)])
    later.sort()
    if later.size:
        period[later] = 2
        p2 = phi_play[later]
        xa = np.where(np.isnan(x1[later]), 0.0, x1[later])
        ra = np.asarray(offer_period2(later, xa), dtype=float)
        r2[later] = ra  # nan: she makes no offer he would take (only when her benefit is below x1)
        ra = np.where(np.isnan(ra), -np.inf, ra)
        floor = p2 - 1.0
        s_bar = np.maximum(np.maximum(xa, ra), floor)
        again = np.asarray(searches_again(later, s_bar), dtype=bool)

        # the standing choice without a second search: r2 unless x1 beats it
        choice = np.where(ra >= xa, ra, xa)
        src = np.where(ra >= xa, FROM_PATRON, FROM_X1).astype(np.int8)
        # a second search: x2 wins ties with both r2 and x1
        xb = offer2[later]
        use_x2 = again & (xb >= choice)
        choice = np.where(use_x2, xb, choice)
        src = np.where(use_x2, FROM_X2, src).astype(np.int8)
        searches[later] += again.astype(np.int8)
        x2[later[again]] = xb[again]

        produced = choice >= floor
        src = np.where(produced, src, NO_SOURCE).astype(np.int8)
        source[later] = src
        taken[later] = np.where(produced, choice, np.nan)
        outcome[later] = np.where(
            ~produced, NONE, np.where(src == FROM_PATRON, ALLIANCE, BREAKUP)
        ).astype(np.int8)

    alliance = outcome == ALLIANCE
    taken = np.where(alliance, taken + shift, taken)  # ad hoc units -> contributions
    r2 = r2 + shift
    contribution = np.where(alliance, taken, np.nan)
    disc = np.where(period == 2, delta, 1.0)
    produced = outcome != NONE
    first_search = (first_move == SEARCH).astype(float)
    second_search = searches - first_search
    benefit = np.where(alliance, b_ally, b_ad_hoc)  # the protégé's, from what he produced
    protege_payoff = (
        np.where(produced, disc * (benefit - phi + np.where(produced, taken, 0.0)), 0.0)
        - c * first_search
        - delta * c * second_search
    )
    patron_payoff = np.where(alliance, disc * (b_patron - np.where(alliance, taken, 0.0)), 0.0)
    return RoundResult(
        outcome=outcome,
        period=period,
        searches=searches,
        source=source,
        taken=taken,
        contribution=contribution,
        x1=x1,
        x2=x2,
        r2=r2,
        protege_payoff=protege_payoff,
        patron_payoff=patron_payoff,
    )
