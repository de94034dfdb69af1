"""Strategic outsiders (extension 1): ad hoc partners who choose their offers.

Each search reaches k outsiders (k = 1: one outsider per search). Outsider i has a private
valuation v_i ~ H (iid, any continuous scipy.stats distribution on [0, 1]; U[0, 1] by
default): the most it would contribute to share in the good. It knows the state of the
game (the standing offers and the protégé's acceptance rule) and offers x to maximize
(v_i - x) P(the protégé takes x); an outsider that cannot win makes no offer (x = 0).
The protégé takes an outside offer x in period 1 iff x is in the acceptable set

    A(r1) = {x >= r1 : x >= g(x)},   g(x) = phi - 1 + delta V2(x)   (Table 2),

and in period 2 iff x >= s, the best standing offer (= r2). When A(r1) = [rho, 1] the k
outsiders play a first-price auction with reserve rho: the one with the highest
valuation v_(1) wins iff v_(1) >= rho and bids

    b(v; rho) = v - int_rho^v (H(t) / H(v))^(k-1) dt        (k = 1: b = rho),

and by revenue equivalence the protégé's expected receipt is rho P(v_(1) >= rho) +
E[(v_(2) - rho)^+], v_(2) the second-highest valuation. So the *distribution of outside
offers is endogenous*: it depends on the reserve the state sets.

Period 2 is then the game of `analytic.general` with two changes: a search is worth
G_k(s) = E[(v_(2) - s)^+] to the protégé (k = 1: nothing, so he never searches again,
r* = 0 and the patron just matches m = max(x1, phi - 1)), and the patron keeps the
alliance after a lottery offer r2 with probability H(r2)^k (the best outsider values it
below r2). Period 1: against r1 the protégé's search pays

    S(r1) = -c + (rho - a) P_win + G_k(rho) + H(rho)^k * [r1 - a  if r1 >= g(0), else delta V2(0)],

with a = phi - 1, P_win = 1 - H(rho)^k; the patron gets H(rho)^k (1 - r1) (or
H(rho)^k delta P2(0)). The patron's best offer is found on a grid of 1,001 offers plus the
least offer accepted at once (bisection), refined by zooming grids; accuracy ~1e-9 in
payoffs for k = 1 (closed forms) and ~1e-7 for k >= 2 (quadrature of G_k and the bids);
G_k and r* (inverted exactly between the table's grid points) to ~1e-12.

Result for k = 1 (any H, any c >= 0, delta): the outsider bids exactly the reserve
max(r1, phi - 1) (Bertrand: it only has to match), so a search is worth nothing net of
its cost; the protégé accepts r1 = phi - 1 at once, nothing breaks up, the patron pays
the free-riding minimum and the protégé gets 0 for every c: institutional investment has
no value (c* is undefined). Outsiders that offer their valuation (``truthful=True``) are
the game of `analytic.general` with F = H^k (k = 1: the baseline; U[0, 1]: the paper's
game, `analytic.PAPER_GAME`).

Gaps: where the patron plays the period-2 lottery, g jumps above x just above r~ and A(r1)
is a union of intervals: an offer in a gap is turned down (he holds out). For k >= 2 the
outsiders then play the auction of `analytic.auction.BandAuction` (types whose usual bid
would fall in a gap pool at its lower edge or jump over it); the protégé's expected
receipt is its expected winning bid. With one interval that auction is the usual one.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytic.auction import AuctionTables, BandAuction
from analytic.general import GeneralSolver, Period2Profile, distribution_label, make_distribution, uniform_offers
from analytic.params import validate, validate_scalar
from analytic.result import OUTSIDER_FIELDS, Equilibrium
from analytic.solver import PAPER_GAME

TIE_TOLERANCE = 1e-12
_GL = np.polynomial.legendre.leggauss(24)
_GL5 = np.polynomial.legendre.leggauss(5)


def _second_survival(h, k):
    """P(v_(2) > t), the second-highest of k iid valuations, from h = H(t): 1 - H^k - k H^(k-1) (1 - H)."""
    return 1.0 - h**k - k * h ** (k - 1) * (1.0 - h)


class StrategicOutsiders(Period2Profile):
    """k strategic outsiders per search with valuations ~ H; the strategy object for the agents."""

    def __init__(self, k: int = 1, valuations=None, label: str | None = None):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k (outsiders per search) must be an integer >= 1, got {k!r}")
        self.k = int(k)
        self.H = uniform_offers() if valuations is None else valuations
        lo, hi = (float(v) for v in self.H.support())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(f"valuation distribution must have its support in [0, 1], got [{lo:g}, {hi:g}]")
        self.label = label or "U[0, 1]"
        self._tables = AuctionTables(self.H, self.k)
        self._base_cache, self._auction_cache = {}, {}
        # G_k(s) = int_s^1 P(v_(2) > t) dt at the tables' 20,001 grid points (5-point Gauss-Legendre
        # per cell on H itself); between them G follows the integral of the linear interpolant of
        # P(v_(2) > t), scaled to the cell's exact increment (see `G`)
        t, k = self._tables, self.k
        self._x = t.x
        if k > 1:
            self._surv2 = _second_survival(t.h, k)
            nodes, weights = _GL5
            half = 0.5 * np.diff(self._x)
            pts = 0.5 * (self._x[1:] + self._x[:-1])[:, None] + half[:, None] * nodes
            seg = half * (_second_survival(np.clip(np.asarray(self.H.cdf(pts), dtype=float), 0.0, 1.0), k) @ weights)
            self._G = np.concatenate([np.cumsum(seg[::-1])[::-1], [0.0]])
        else:
            self._surv2 = self._G = np.zeros_like(self._x)
        # in cell j, G(x_j+1 - u) = G(x_j+1) + u (ga_j + u gb_j) for u in [0, x_j+1 - x_j]: the integral
        # of the linear interpolant of P(v_(2) > t), scaled to the cell's exact increment of G
        lo, hi, h = self._surv2[:-1], self._surv2[1:], np.diff(self._x)
        trapezoid = 0.5 * (lo + hi) * h
        scale = np.divide(self._G[:-1] - self._G[1:], trapezoid, out=np.zeros_like(h), where=trapezoid > 0)
        self._ga, self._gb = scale * hi, scale * (lo - hi) / (2.0 * h)
        self._keep = t.hk  # P(v_(1) < r) = H(r)^k
        lottery = (1.0 - self._x) * self._keep
        self._suffix_best = np.maximum.accumulate(lottery[::-1])[::-1]
        rev = lottery[::-1]
        idx = np.maximum.accumulate(np.where(rev >= np.maximum.accumulate(rev), np.arange(len(rev)), 0))
        self._suffix_arg = (len(rev) - 1 - idx)[::-1]

    def describe(self) -> str:
        return f"{self.k} strategic outsider{'s' if self.k > 1 else ''} per search, valuations ~ {self.label}"

    # ---------------------------------------------------------------- auction pieces
    def keep(self, r):
        """P(no outsider values the good at r or more) = H(r)^k."""
        return np.interp(np.clip(r, 0.0, 1.0), self._x, self._keep)  # table of H^k, step 5e-5

    def G(self, s):
        """E[(v_(2) - s)^+]: what an auction with reserve s adds for the protégé (0 when k = 1)."""
        s = np.minimum(np.maximum(np.asarray(s, dtype=float), 0.0), 1.0)
        j = np.minimum(np.searchsorted(self._x, s, side="right") - 1, len(self._x) - 2)  # s in cell j
        u = self._x[j + 1] - s
        return self._G[j + 1] + u * (self._ga[j] + u * self._gb[j])

    def bid(self, v, reserve):
        """Equilibrium bid of an outsider with valuation v >= reserve (first-price, reserve)."""
        v, reserve = np.broadcast_arrays(np.asarray(v, dtype=float), np.asarray(reserve, dtype=float))
        if self.k == 1:
            return reserve.copy()
        t, w = _GL
        lo, hi = reserve[..., None], np.maximum(v, reserve)[..., None]
        nodes = lo + 0.5 * (hi - lo) * (t + 1.0)
        hv = np.asarray(self.H.cdf(hi), dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(hv > 0, np.asarray(self.H.cdf(nodes)) / hv, 0.0) ** (self.k - 1)
        integral = (ratio * 0.5 * (hi - lo) * w).sum(axis=-1)
        return v - integral

    def r_star(self, c):
        """min{s : G_k(s) <= c} (k = 1: 0): G inverted exactly in its grid cell (a quadratic)."""
        c = np.asarray(c, dtype=float)
        if self.k == 1:
            return np.zeros_like(c)
        i = np.searchsorted(-self._G, -c, side="left")  # first grid point with G <= c
        j = np.clip(i - 1, 0, len(self._x) - 2)  # G(x_j) > c >= G(x_j+1): r* = x_j+1 - u in cell j
        d = c - self._G[j + 1]
        ga, gb = self._ga[j], self._gb[j]
        with np.errstate(invalid="ignore", divide="ignore"):  # the root u >= 0 of gb u^2 + ga u = d
            u = np.where(d > 0, 2.0 * d / (ga + np.sqrt(np.maximum(ga**2 + 4.0 * gb * d, 0.0))), 0.0)
        u = np.clip(np.nan_to_num(u), 0.0, self._x[j + 1] - self._x[j])
        return np.where(i == 0, self._x[0], self._x[j + 1] - u)

    # ---------------------------------------------------------------- period 2
    def period2(self, x1, phi, c):
        x1, phi, c = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x1, phi, c)))
        a = phi - 1.0
        m = np.maximum(x1, a)
        rs = self.r_star(c)
        j = np.clip(np.searchsorted(self._x, m, side="left"), 0, len(self._x) - 1)
        best = self._suffix_best[j]
        # the best lottery offer on the table's grid; m itself where the best is the first grid
        # point >= m (L falls from m on): rounding m up to the grid would make g a staircase
        r_l = np.where(self._suffix_arg[j] == j, m, self._x[self._suffix_arg[j]])
        lottery = (best > 1.0 - rs) & (m < rs)
        r2 = np.where(lottery, np.maximum(r_l, m), np.maximum(rs, m))
        keep = self.keep(r2)
        V2 = np.where(lottery, -c + r2 + self.G(r2) - a, r2 - a)
        PA = np.where(lottery, keep, 1.0)
        return dict(r2=r2, lottery=lottery, V2=V2, P2=(1.0 - r2) * PA, PA=PA, C=r2 * PA)

    # ---------------------------------------------------------------- period 1
    def acceptable_base(self, phi, c, delta) -> tuple:
        """The intervals of {x : x >= g(x)} (the outside offers he takes now if they beat r1),
        ((lo, hi), ...), the last ending at 1. Located on a 5,001-point grid of x, each end
        then by bisection (40 steps) in its grid cell; cached per (phi, c, delta)."""
        key = (float(phi), float(c), float(delta))
        if key in self._base_cache:
            return self._base_cache[key]
        xs = self._x[::4]

        def ok(x):
            return x >= self.protege_reservation_period1(x, phi, c, delta)

        good = ok(xs)
        ends = []
        for i in np.flatnonzero(good[1:] != good[:-1]):
            lo, hi = xs[i], xs[i + 1]  # good changes between them
            rising = not good[i]
            for _ in range(40):  # a 2e-4 cell down to 2e-16
                mid = 0.5 * (lo + hi)
                lo, hi = (lo, mid) if bool(ok(mid)) == rising else (mid, hi)
            ends.append(hi if rising else lo)  # the least / greatest good point
        bounds = ([xs[0]] if good[0] else []) + ends + ([1.0] if good[-1] else [])
        base = tuple((float(bounds[i]), float(bounds[i + 1])) for i in range(0, len(bounds) - 1, 2))
        if len(self._base_cache) > 256:
            self._base_cache.clear()
        self._base_cache[key] = base
        return base

    def acceptable(self, r1: float, phi, c, delta) -> tuple:
        """A(r1) = {x >= r1 : x >= g(x)} as intervals ((lo, hi), ...) (empty: no acceptable offer)."""
        r1 = float(r1)
        return tuple((max(lo, r1), hi) for lo, hi in self.acceptable_base(phi, c, delta) if hi >= max(lo, r1))

    def reserve(self, r1, phi, c, delta):
        """rho(r1) = min A(r1) (inf if A is empty), and whether A(r1) is the interval [rho, 1]."""
        sets = [self.acceptable(r, phi, c, delta) for r in np.atleast_1d(np.asarray(r1, dtype=float))]
        rho = np.array([A[0][0] if A else np.inf for A in sets])
        return rho, np.array([len(A) <= 1 for A in sets])

    def auction(self, intervals: tuple) -> BandAuction:
        """The period-1 auction when the acceptable offers have gaps (k >= 2; cached)."""
        if intervals not in self._auction_cache:
            if len(self._auction_cache) > 4096:
                self._auction_cache.clear()
            self._auction_cache[intervals] = BandAuction(self._tables, intervals)
        return self._auction_cache[intervals]

    def _has_band(self, A: tuple) -> bool:
        """Whether the auction over acceptable offers A needs `BandAuction` (gaps and competition);
        otherwise it is the usual one with reserve min A (a lone outsider bids the reserve)."""
        return len(A) > 1 and self.k > 1

    def _period1_auction(self, r1, phi, c, delta):
        """(reserve, P(an outsider wins), E[winning bid; one wins], gaps) per first offer r1."""
        rho, win, mass, gaps = (np.empty(len(r1)) for _ in range(4))
        for i, r in enumerate(r1):
            A = self.acceptable(r, phi, c, delta)
            gaps[i] = max(len(A) - 1, 0)
            if not A:
                rho[i], win[i], mass[i] = np.inf, 0.0, 0.0
            elif not self._has_band(A):  # the usual auction with reserve rho (revenue equivalence)
                rho[i] = A[0][0]
                win[i] = 1.0 - self.keep(rho[i])
                mass[i] = rho[i] * win[i] + self.G(rho[i])
            else:
                au = self.auction(A)
                rho[i], win[i], mass[i] = au.reserve, au.win, au.offer_mass
        return rho, win, mass, gaps

    def search_outcome(self, r1, phi, c, delta):
        """Outcome of a search against offers r1 (array): payoffs and probabilities."""
        r1 = np.atleast_1d(np.asarray(r1, dtype=float))
        a = phi - 1.0
        rho, win, offer_mass, gaps = self._period1_auction(r1, phi, c, delta)
        lose = 1.0 - win  # no acceptable outside offer
        d = {k: float(v[0]) for k, v in self.period2(np.array([0.0]), phi, c).items()}
        g0 = a + delta * d["V2"]
        takes_r1 = r1 >= g0
        u_protege = -c + offer_mass - a * win + lose * np.where(takes_r1, r1 - a, delta * d["V2"])
        u_patron = lose * np.where(takes_r1, 1.0 - r1, delta * d["P2"])
        p_alliance = lose * np.where(takes_r1, 1.0, d["PA"])
        p_breakup = win + lose * np.where(takes_r1, 0.0, 1.0 - d["PA"])
        contribution_mass = lose * np.where(takes_r1, r1, d["C"])
        return dict(u_protege=u_protege, u_patron=u_patron, p_alliance=p_alliance, p_breakup=p_breakup,
                    p_period2=np.where(takes_r1, 0.0, lose), contribution_mass=contribution_mass,
                    reserve=rho, gaps=gaps, offer_mass=offer_mass, win=win)

    def _delay(self, phi, c, delta):
        d = {k: float(v[0]) for k, v in self.period2(np.array([0.0]), phi, c).items()}
        return dict(u_protege=delta * d["V2"], u_patron=delta * d["P2"], p_alliance=d["PA"],
                    p_breakup=1.0 - d["PA"], p_period2=1.0, contribution_mass=d["C"])

    def protege_first_move(self, r1, phi, c, delta):
        r1 = np.atleast_1d(np.asarray(r1, dtype=float))
        s = self.search_outcome(r1, phi, c, delta)["u_protege"]
        dl = self._delay(phi, c, delta)["u_protege"]
        acc = r1 - (phi - 1.0)
        # the tie tolerance never has him accept less than phi - 1 (a loss; a delay is worth >= 0)
        return np.where((acc >= s - TIE_TOLERANCE) & (acc >= dl - TIE_TOLERANCE) & (acc >= 0.0), "accept",
                        np.where(s >= dl - TIE_TOLERANCE, "search", "delay"))

    def solve(self, phi: float, c: float, delta: float) -> Equilibrium:
        phi, c, delta = validate_scalar(phi, c, delta)
        a = phi - 1.0
        grid = np.linspace(0.0, 1.0, 1001)
        floor_accepted = self.protege_first_move(np.array([a]), phi, c, delta)[0] == "accept"
        for _ in range(3):  # zoom on the best of each first move
            moves = self.protege_first_move(grid, phi, c, delta)
            so = self.search_outcome(grid, phi, c, delta)
            dl = self._delay(phi, c, delta)
            val = np.where(moves == "accept", 1.0 - grid, np.where(moves == "search", so["u_patron"], dl["u_patron"]))
            # the least accepted offer: bisection between the last non-accepted and first accepted grid offer
            acc = np.flatnonzero(moves == "accept")
            extra = []
            if acc.size and acc[0] > 0:
                lo, hi = grid[acc[0] - 1], grid[acc[0]]
                for _ in range(32):  # a 1e-3 cell down to 2e-13
                    mid = 0.5 * (lo + hi)
                    if self.protege_first_move(np.array([mid]), phi, c, delta)[0] == "accept":
                        hi = mid
                    else:
                        lo = mid
                extra.append(hi)
            if floor_accepted:
                extra.append(a)  # the free-riding minimum itself (k = 1: the closed form), not a bisection end
            best = {}
            for mv in ("accept", "search", "delay"):
                idx = np.flatnonzero(moves == mv)
                if idx.size:
                    i = idx[np.argmax(val[idx])]
                    best[mv] = (val[i], grid[i])
            span = grid[1] - grid[0]
            centres = [r for _, r in best.values()] + extra
            grid = np.unique(np.clip(np.concatenate(
                [np.linspace(r - 2 * span, r + 2 * span, 101) for r in centres] + [np.array(extra)]), 0.0, 1.0))
        moves = self.protege_first_move(grid, phi, c, delta)
        so = self.search_outcome(grid, phi, c, delta)
        dl = self._delay(phi, c, delta)
        val = np.where(moves == "accept", 1.0 - grid, np.where(moves == "search", so["u_patron"], dl["u_patron"]))
        rank = {"accept": 2, "search": 1, "delay": 0}
        w_best = val.max()
        near = np.flatnonzero(val >= w_best - TIE_TOLERANCE)
        # tie rule 6: accepted at once, then a search, then the larger offer
        key = np.array([rank[m] for m in moves[near]]) * 10.0 + grid[near]
        i = near[np.argmax(key)]
        r1, move = float(grid[i]), str(moves[i])
        if move == "accept":
            o = dict(u_patron=1.0 - r1, u_protege=r1 - a, p_alliance=1.0, p_breakup=0.0, p_period2=0.0,
                     contribution_mass=r1)
            reserve, offer = np.nan, np.nan
        elif move == "search":
            o = {k: float(v[i]) for k, v in so.items()}
            reserve = o["reserve"]
            offer = o["offer_mass"] / o["win"] if o["win"] > 0 else np.nan
        else:
            r1 = 0.0
            o = dict(dl)
            reserve, offer = np.nan, np.nan
        p_none = float(np.clip(1.0 - o["p_alliance"] - o["p_breakup"], 0.0, 1.0))
        ec = o["contribution_mass"] / o["p_alliance"] if o["p_alliance"] > 0 else np.nan
        return Equilibrium(
            columns=OUTSIDER_FIELDS, solver=self, phi=phi, c=c, delta=delta, k=self.k, r1=r1, first_move=move, u_patron=float(o["u_patron"]),
            u_protege=float(o["u_protege"]), p_alliance=float(o["p_alliance"]), p_breakup=float(o["p_breakup"]),
            p_none=p_none, p_period2=float(o["p_period2"]), expected_contribution=float(ec),
            contribution_excess=float(ec - a), reserve=float(reserve), expected_outside_offer=float(offer),
            r_star=float(self.r_star(c)), offer_gaps=int(o.get("gaps", 0)))

    def solve_many(self, phi, c, delta) -> pd.DataFrame:
        phi, c, delta = (np.ravel(v) for v in np.broadcast_arrays(*validate(phi, c, delta)))
        return pd.DataFrame([self.solve(p, cc, d).as_dict() for p, cc, d in zip(phi, c, delta)],
                            columns=list(OUTSIDER_FIELDS))

    # ---------------------------------------------------------------- the agents
    def draw_offers(self, rng, r1, first_move, phi, c, delta, partners=None):
        """Outside offers (x1, x2) for one round of many alliances, from fresh valuations
        ``H.ppf(rng.random((n, k)))`` for the first search, then for the second.

        x1: the winning bid against the period-1 reserve rho(r1) (0: no acceptable offer);
        x2: the winning bid against r2 after no acceptable first offer (period 2 is reached
        only with x1 = 0: an acceptable x1 is taken at once). Alliances are grouped by
        their (r1, phi, c) so that the reserve is computed once per group.
        """
        n = len(r1)
        phi = np.broadcast_to(np.asarray(phi, dtype=float), (n,))
        c = np.broadcast_to(np.asarray(c, dtype=float), (n,))
        v1 = self.H.ppf(rng.random((n, self.k))).max(axis=1)
        v2 = self.H.ppf(rng.random((n, self.k))).max(axis=1)
        x1, x2 = np.zeros(n), np.zeros(n)
        key = np.stack([np.asarray(r1, dtype=float), phi, c], axis=1)
        uk, inv = np.unique(key, axis=0, return_inverse=True)
        inv = inv.ravel()
        for j, (r, p, cc) in enumerate(uk):
            rows = np.flatnonzero(inv == j)
            x1[rows] = self.period1_bid(v1[rows], r, p, cc, delta)
            x2[rows] = self.period2_bid(v2[rows], p, cc, delta)
        return x1, x2

    def period1_bid(self, v, r1, phi, c, delta):
        """The winning bid of a period-1 search against the first offer r1, given the highest
        valuation v among the k outsiders (array): its equilibrium bid against the acceptable
        offers A(r1) (the band auction's where A has gaps), 0 where v is below min A (no
        outsider can win) or A is empty."""
        v = np.asarray(v, dtype=float)
        x = np.zeros(v.shape)
        A = self.acceptable(r1, phi, c, delta)
        if A:
            w = v >= A[0][0]
            x[w] = self.auction(A).bid(v[w]) if self._has_band(A) else self.bid(v[w], A[0][0])
        return x

    def period2_bid(self, v, phi, c, delta):
        """The winning bid of a period-2 search (reached with no standing outside offer) given
        the highest valuation v: its bid against the patron's offer r2, 0 where v < r2."""
        v = np.asarray(v, dtype=float)
        x = np.zeros(v.shape)
        r2 = float(self.patron_offer_period2(0.0, phi, c, delta))
        w = v >= r2
        x[w] = self.bid(v[w], r2)
        return x


class _MaxOf:
    """The highest of k iid valuations ~ H (what truthful outsiders offer): cdf H^k."""

    def __init__(self, base, k):
        self.base, self.kk = base, k

    def support(self):
        return self.base.support()

    def cdf(self, x):
        return np.asarray(self.base.cdf(x)) ** self.kk

    def pdf(self, x):
        return self.kk * np.asarray(self.base.cdf(x)) ** (self.kk - 1) * np.asarray(self.base.pdf(x))

    def ppf(self, u):
        return self.base.ppf(np.asarray(u) ** (1.0 / self.kk))


def truthful_solver(k: int = 1, valuations=None, label: str | None = None):
    """Outsiders who offer their valuations: the paper's game `analytic.PAPER_GAME` (k = 1, U[0, 1])
    or `analytic.general`'s with F = H^k."""
    if k == 1 and valuations is None:
        return PAPER_GAME
    base = uniform_offers() if valuations is None else valuations
    dist = base if k == 1 else _MaxOf(base, k)
    return GeneralSolver(dist, label=f"max of {k} x {label or 'U[0, 1]'}" if k > 1 else label)


__all__ = ["StrategicOutsiders", "OUTSIDER_FIELDS", "truthful_solver", "outsiders_solver"]


_CACHE: dict = {}


def outsiders_solver(k: int = 1, dist: str = "uniform", truthful: bool = False, **params):
    """A (cached) solver for k outsiders per search with valuations ~ scipy.stats.<dist>(**params):
    `StrategicOutsiders`, or for truthful outsiders `truthful_solver`."""
    key = (k, dist, truthful, tuple(sorted(params.items())))
    if key not in _CACHE:
        plain = dist == "uniform" and not params
        H = None if plain else make_distribution(dist, **params)
        label = distribution_label(dist, params)
        _CACHE[key] = truthful_solver(k, H, label) if truthful else StrategicOutsiders(k, H, label)
    return _CACHE[key]
