"""Exact backward induction of the two-period alliance game over its whole domain.

The patron's payoff from a first offer r1 that sends the protégé searching is (section 3.2.3)

    W(r1) = (1 - r1) y(r1) + delta * int_{[y(r1), 1] in H} P2(x1) dx1,

where H = {x1 : x1 < g(x1)} are the draws after which the protégé would hold out for
period 2 even with x1 in hand, g is his period-1 reservation (`protege_reservation_period1`)
and y(r1) = min(r1, sup{x1 : g(x1) <= r1}) is the chance that he takes r1 in period 1.
Period-2 play is piecewise polynomial in x1 between the breakpoints phi - 1, 1/2, r~ and r*,
so every integral here is exact. W is continuous between the values g takes on its
plateaus (where it jumps up), is r1 (1 - r1) where y = r1, and is concave where y moves
along the lottery part of g; the patron's best search-inducing offer is therefore among a
short list of candidates (breakpoints, plateau values, the two stationary points), which
`solve_many` evaluates exactly and compares with the offer accepted at once, max(r*, phi - 1)
(Lemma 2), and with letting the protégé delay.

`PaperGame` is this game as an `analytic.protocol.GameSolver` (`PAPER_GAME`, its one
instance, is what `analytic.make_solver` gives for the paper's setting); `solve`,
`solve_many` and the strategy functions of `analytic.strategies` are the short way to it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytic import paper, strategies
from analytic.params import validate, validate_scalar
from analytic.protocol import GameSolver, independent_offers
from analytic.result import EQUILIBRIUM_FIELDS, Equilibrium

#: Payoff differences below this are ties, broken by the tie rules (docs/analytic-api.md).
TIE_TOLERANCE = 1e-12
_N_PIECES = 5
_V2, _P2, _PA, _CONTRIB = range(4)


def _poly_at(coef, x):
    """Value at x of the quadratic with coefficients coef[..., 0:3] (constant term first)."""
    return coef[..., 0] + coef[..., 1] * x + coef[..., 2] * x**2


class _Game:
    """Period-2 play and the protégé's reservation, as polynomials on the pieces of [0, 1]."""

    def __init__(self, phi, c, delta):
        self.phi, self.c, self.delta = (np.asarray(v, dtype=float)[:, None] for v in (phi, c, delta))
        self.a = self.phi - 1.0
        self.rho = paper.r_star(self.c)
        breaks = np.concatenate(
            [np.zeros_like(self.a), self.a, np.full_like(self.a, 0.5),
             np.nan_to_num(paper.r_tilde(self.c), nan=1.0), self.rho, np.ones_like(self.a)], axis=1)
        breaks = np.sort(np.clip(breaks, 0.0, 1.0), axis=1)
        self.lo, self.hi = breaks[:, :-1], breaks[:, 1:]
        mid = 0.5 * (self.lo + self.hi)
        below_a = self.hi <= self.a
        m_mid = np.maximum(mid, self.a)
        lottery = strategies.period2_is_lottery(m_mid, self.c)
        r2_mid = strategies.period2_offer(m_mid, self.c, lottery)
        # On each piece r2 = u + v x1: constant below phi - 1 and below the floor it matches, else x1.
        v = (~below_a) & (r2_mid == m_mid)
        u = np.where(v, 0.0, r2_mid)
        q = strategies.period2_coeffs(lottery, self.phi, self.c)  # (n, K, quantity, power in r2)
        u, v = u[..., None], v[..., None].astype(float)
        self.poly = np.stack([q[..., 0] + q[..., 1] * u + q[..., 2] * u**2,
                              (q[..., 1] + 2.0 * q[..., 2] * u) * v,
                              q[..., 2] * v**2], axis=-1)  # (n, K, quantity, power in x1)
        self.g = self.delta[..., None] * self.poly[:, :, _V2, :]
        self.g[..., 0] += self.a
        self.h_end = self._hold_out_end()

    def _g_at(self, x):
        return _poly_at(self.g, x)

    def _hold_out_end(self):
        """End e of H on each piece: x1 - g(x1) is nondecreasing there, so H is [lo, e)."""
        lo, hi = self.lo, self.hi
        f_lo, f_hi = lo - self._g_at(lo), hi - self._g_at(hi)
        g0, g1, g2 = self.g[..., 0], self.g[..., 1], self.g[..., 2]
        b = 1.0 - g1
        with np.errstate(invalid="ignore", divide="ignore"):
            root = 2.0 * g0 / (b + np.sqrt(np.maximum(b * b - 4.0 * g2 * g0, 0.0)))
        return np.where(f_lo >= 0, lo, np.where(f_hi < 0, hi, np.clip(root, lo, hi)))

    def takes_r1_share(self, r1):
        """y(r1): measure of draws after which the protégé takes r1 in period 1. r1 is (n, M)."""
        r1 = r1[..., None]
        lo, hi = self.lo[:, None, :], self.hi[:, None, :]
        g = self.g[:, None, :, :]
        g_lo, g_hi = _poly_at(g, lo), _poly_at(g, hi)
        rest = r1 - g[..., 0]
        denominator = g[..., 1] + np.sqrt(np.maximum(g[..., 1] ** 2 + 4.0 * g[..., 2] * rest, 0.0))
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            root = np.where(denominator > 0, 2.0 * rest / denominator, lo)  # rest = 0 there: root at lo
        t = np.where(g_lo > r1, 0.0, np.where(g_hi <= r1, hi, np.clip(root, lo, hi)))
        return np.minimum(r1[..., 0], t.max(axis=-1))

    def outcome(self, r1, wanted=("u_patron", "u_protege", "p_alliance", "p_breakup", "p_period2",
                                  "contribution_mass")):
        """Payoffs and outcome measures of a search-inducing first offer r1 (n, M); only those `wanted`."""
        y = self.takes_r1_share(r1)
        yk = y[..., None]
        lo, e, hi = (np.maximum(yk, b[:, None, :]) for b in (self.lo, self.h_end, self.hi))

        def held(quantity):  # int over the draws in H (play goes on to period 2), summed over pieces
            p = self.poly[:, None, :, quantity, :]
            def prim(x):
                return p[..., 0] * x + p[..., 1] * x**2 / 2 + p[..., 2] * x**3 / 3
            return (prim(e) - prim(lo)).sum(axis=-1)

        def taken_share():  # draws outside H: he takes x1 at once
            return (hi - e).sum(axis=-1)

        formulas = dict(
            u_patron=lambda: (1.0 - r1) * y + self.delta * held(_P2),
            u_protege=lambda: (-self.c + y * (r1 - self.a) + self.delta * held(_V2)
                               + ((hi**2 - e**2) / 2).sum(axis=-1) - self.a * taken_share()),
            p_alliance=lambda: y + held(_PA),
            p_breakup=lambda: taken_share() + (e - lo).sum(axis=-1) - held(_PA),
            p_period2=lambda: (e - lo).sum(axis=-1),
            contribution_mass=lambda: y * r1 + held(_CONTRIB),
        )
        return {name: formulas[name]() for name in wanted}

    def delay_outcome(self):
        """Payoffs and outcome measures if the protégé moves straight on to period 2 (x1 = 0)."""
        v = strategies.period2_values(0.0, self.phi, self.c)[:, 0]
        return dict(u_patron=self.delta[:, 0] * v[:, _P2], u_protege=self.delta[:, 0] * v[:, _V2],
                    p_alliance=v[:, _PA], p_breakup=1.0 - v[:, _PA], p_period2=np.ones_like(v[:, 0]),
                    contribution_mass=v[:, _CONTRIB])

    def accept_threshold(self):
        """Least first offer the protégé accepts at once: max(r*, phi - 1) (Lemma 2, whole domain)."""
        return np.maximum(self.rho, self.a)[:, 0]

    def search_beats_delay(self, r1):
        """Does the protégé search rather than delay against r1 (n, M)? (tie rule 5: search)"""
        delay_value = self.delay_outcome()["u_protege"]
        return self.protege_search_value(r1) >= delay_value[:, None] - TIE_TOLERANCE

    def protege_search_value(self, r1):
        """Protégé's expected payoff from searching against r1 (n, M)."""
        return self.outcome(r1, wanted=("u_protege",))["u_protege"]

    def least_search_offer(self):
        """Least r1 against which the protégé searches rather than delays (0 if he never delays).

        His search value is Theta(0) + Phi(r1), Phi(r1) = int (r1 - max(x1, g(x1)))^+ dx1, which is
        convex and increasing with slope y(r1), and the offer max(r*, phi - 1) makes him search
        or accept; Newton's method from there stays on the searching side and converges to it.
        """
        r1 = self.accept_threshold()[:, None]
        value_at_zero = self.protege_search_value(np.zeros_like(r1))
        shortfall = self.delay_outcome()["u_protege"][:, None] - value_at_zero
        delays_at_zero = shortfall[:, 0] > TIE_TOLERANCE
        for _ in range(60):
            gain = self.protege_search_value(r1) - value_at_zero
            slope = self.takes_r1_share(r1)
            with np.errstate(invalid="ignore", divide="ignore"):
                step = np.where(slope > 0, (gain - shortfall) / slope, 0.0)
            step = np.where(delays_at_zero[:, None], np.maximum(step, 0.0), 0.0)
            r1 = r1 - step
            if np.all(step < 1e-15):
                break
        return np.where(delays_at_zero, r1[:, 0], 0.0), delays_at_zero

    def candidate_offers(self, least_search):
        """First offers among which the patron's best search-inducing offer lies.

        W jumps up at the values g takes on its plateaus and where g jumps (g(lo), g(hi-)),
        falls after them while y(r1) stays put, is r1 (1 - r1) where y = r1 (peak 1/2; ends at the
        edges e of H), and is concave where y moves along the lottery part of g, with its peak
        where 1 - g(x) - delta x = 0, i.e. x = sqrt(2(2 - phi)/delta + 2(phi - 1) + 2c) - 1.
        """
        delta, a, c = self.delta, self.a, self.c
        with np.errstate(over="ignore"):
            x_peak = np.sqrt(2.0 * (1.0 - a) / delta + 2.0 * a + 2.0 * c) - 1.0
        x_peak = np.clip(x_peak, np.maximum(a, 0.5), np.nan_to_num(paper.r_tilde(c), nan=0.5))
        m_peak = strategies.period2_values(x_peak, self.phi, c)[..., _V2]
        return np.concatenate(
            [np.full_like(a, 0.5), least_search[:, None], a + delta * m_peak, self.h_end,
             self._g_at(self.lo), self._g_at(self.hi)], axis=1)


def _best_search_offer(phi, c, delta):
    """Patron's best search-inducing offer, its outcome, and whether the protégé can be made to delay."""
    game = _Game(phi, c, delta)
    r_acc = game.accept_threshold()
    least_search, delay_possible = game.least_search_offer()
    offers = np.clip(game.candidate_offers(least_search), 0.0, 1.0)
    w = game.outcome(offers, wanted=("u_patron",))["u_patron"]
    feasible = (offers < r_acc[:, None]) & (offers >= least_search[:, None] - TIE_TOLERANCE)
    w = np.where(feasible, w, -np.inf)
    w_best = w.max(axis=1)
    # Tie rule 6: among equally good search-inducing offers, the larger offer.
    best = np.argmax(np.where(w >= w_best[:, None] - TIE_TOLERANCE, offers, -np.inf), axis=1)
    r1 = offers[np.arange(len(r_acc)), best]
    search = {k: v[:, 0] for k, v in game.outcome(r1[:, None]).items()}
    search["r1"] = r1
    search["u_patron"] = np.where(np.isfinite(w_best), search["u_patron"], -np.inf)
    return search, delay_possible


def _solve_arrays(phi, c, delta) -> dict:
    game = _Game(phi, c, delta)
    r_acc = game.accept_threshold()
    delay = game.delay_outcome()
    # Where r* <= phi - 1 the patron's offer phi - 1 is accepted and leaves her the most she can
    # ever get, 1 - (phi - 1): no search needs to be considered there.
    n = len(r_acc)
    search = {k: np.full(n, np.nan) for k in delay}
    search["u_patron"], search["r1"] = np.full(n, -np.inf), np.full(n, np.nan)
    delay_possible = np.zeros(n, dtype=bool)
    can_search = game.rho[:, 0] > game.a[:, 0]
    if can_search.any():
        sub, sub_delay = _best_search_offer(phi[can_search], c[can_search], delta[can_search])
        for k, v in sub.items():
            search[k][can_search] = v
        delay_possible[can_search] = sub_delay
    w_best, search_r1 = search["u_patron"], search["r1"]
    delay_value = np.where(delay_possible, delay["u_patron"], -np.inf)
    accept_value = 1.0 - r_acc
    choose_accept = accept_value >= np.maximum(w_best, delay_value) - TIE_TOLERANCE
    choose_search = ~choose_accept & (w_best >= delay_value - TIE_TOLERANCE)

    def pick(accept, search_v, delay_v):
        return np.where(choose_accept, accept, np.where(choose_search, search_v, delay_v))

    a = game.a[:, 0]
    r1 = pick(r_acc, search_r1, 0.0)
    result = dict(
        r1=r1,
        first_move=pick("accept", "search", "delay"),
        u_patron=pick(accept_value, search["u_patron"], delay["u_patron"]),
        u_protege=pick(r_acc - a, search["u_protege"], delay["u_protege"]),
        p_alliance=pick(1.0, search["p_alliance"], delay["p_alliance"]),
        p_breakup=pick(0.0, search["p_breakup"], delay["p_breakup"]),
        p_period2=pick(0.0, search["p_period2"], delay["p_period2"]),
    )
    contribution_mass = pick(r_acc, search["contribution_mass"], delay["contribution_mass"])
    result["p_none"] = np.clip(1.0 - result["p_alliance"] - result["p_breakup"], 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        result["expected_contribution"] = np.where(
            result["p_alliance"] > 0, contribution_mass / result["p_alliance"], np.nan)
    result["contribution_excess"] = result["expected_contribution"] - a
    bad = ~np.isfinite(result["u_patron"] + result["u_protege"] + result["p_alliance"] + result["r1"])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FloatingPointError(f"solver failed at phi={phi[i]!r}, c={c[i]!r}, delta={delta[i]!r}")
    return result


def _paper_fields(phi, c, delta) -> dict:
    lower = paper.delta_lower_bound(phi, c)
    rs = paper.r_star(c)
    return dict(
        r_star=rs, r_tilde=paper.r_tilde(c), r1_star=paper.r1_star(phi, c, delta),
        regime=paper.regime(c), delta_lower_bound=lower,
        paper_assumptions_hold=(phi < 1.5) & (delta >= lower) & (rs >= phi - 1.0),
    )


def solve_many(phi, c, delta) -> pd.DataFrame:
    """Equilibria over arrays of parameters (broadcast together); one DataFrame row per point."""
    phi, c, delta = (np.ravel(v) for v in np.broadcast_arrays(*validate(phi, c, delta)))
    columns = dict(phi=phi, c=c, delta=delta)
    if len(phi):
        columns.update(_solve_arrays(phi, c, delta))
        columns.update(_paper_fields(phi, c, delta))
    return pd.DataFrame(columns, columns=list(EQUILIBRIUM_FIELDS))


def solve(phi: float, c: float, delta: float) -> Equilibrium:
    """The unique subgame-perfect equilibrium at (phi, c, delta)."""
    phi, c, delta = validate_scalar(phi, c, delta)
    row = solve_many(phi, c, delta).iloc[0]
    values = {name: row[name] for name in EQUILIBRIUM_FIELDS}
    for name, value in values.items():
        values[name] = value.item() if isinstance(value, np.generic) else value
    values["paper_assumptions_hold"] = bool(values["paper_assumptions_hold"])
    return Equilibrium(**values, columns=EQUILIBRIUM_FIELDS, solver=PAPER_GAME)


def protege_first_move(r1, phi, c, delta):
    """Protégé's first move against any first offer r1: 'accept', 'search' or 'delay' (Lemma 2)."""
    phi, c, delta = validate(phi, c, delta)
    r1, phi, c, delta = (np.ravel(v) for v in np.broadcast_arrays(np.asarray(r1, dtype=float), phi, c, delta))
    game = _Game(phi, c, delta)
    searches = game.search_beats_delay(r1[:, None])[:, 0]
    return np.where(r1 >= game.accept_threshold(), "accept", np.where(searches, "search", "delay"))


class PaperGame(GameSolver):
    """The paper's game: outside offers x ~ U[0, 1], the good worth 1 to each side; exact and vectorized."""

    vectorized = True

    def solve(self, phi: float, c: float, delta: float) -> Equilibrium:
        return solve(phi, c, delta)

    def solve_many(self, phi, c, delta) -> pd.DataFrame:
        return solve_many(phi, c, delta)

    def protege_first_move(self, r1, phi, c, delta):
        return protege_first_move(r1, phi, c, delta)

    def protege_reservation_period1(self, x1, phi, c, delta):
        return strategies.protege_reservation_period1(x1, phi, c, delta)

    def patron_offer_period2(self, x1, phi, c, delta=1.0):
        return strategies.patron_offer_period2(x1, phi, c, delta)

    def protege_searches_period2(self, s_bar, c):
        return strategies.protege_searches_period2(s_bar, c)

    def draw_offers(self, rng, r1, first_move, phi, c, delta, partners=None):
        """Two U[0, 1] offers per alliance, ``rng.random((2, n))``, whoever was drawn."""
        return independent_offers(rng, len(r1))

    def describe(self) -> str:
        return "the paper's game: outside offers ~ U[0, 1], the good worth 1 to each side"


#: The paper's game as a solver object (the default solver of the agents).
PAPER_GAME = PaperGame()
