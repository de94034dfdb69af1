"""The alliance game for any continuous outside-offer distribution F on [0, 1] (extension 4).

The paper draws the ad hoc partners' offers x1, x2 from U[0, 1] and says (footnote 13)
that its non-monotonicity result does not depend on that. `GeneralSolver(F)` solves the
same game, by the same backward induction as `analytic.solver`, for any continuous F on
[0, 1] given as a frozen ``scipy.stats`` distribution (default: U[0, 1], which gives back
`analytic.solve`). Notation as in the paper: a = phi - 1, x1, x2 outside offers, r1, r2 the
patron's offers.

Period 2 (Lemma 1 and Table 1 for any F). With s the best standing offer, a second search
is worth G(s) = E[(x2 - s)^+] = int_s^1 (1 - F); the protégé searches iff G(s) > c, i.e.
iff s < r* = min{s : G(s) <= c} (uniform: 1 - sqrt(2c), eq. 3). With m = max(x1, a) the
offer the patron must match, she either offers the sure r2 = max(r*, m) (payoff 1 - r2) or
a lottery offer r2 in [m, r*) that makes him search again (payoff L(r2) = (1 - r2) F(r2),
eq. 4). Her best lottery offer r_L(m) = argmax_{[m, 1]} L does not depend on c; she plays
the lottery iff max_{[m, 1]} L > 1 - r* (tie rule 1), i.e. iff m < r~, the generalized
eq. 5 threshold. His period-2 value is V2 = r2 - a (sure) or theta(r2) = -c + r2 + G(r2) - a
(lottery, eq. 2), nondecreasing in x1.

Period 1. After a search that drew x1 he takes max(r1, x1) now iff it is >= g(x1) =
a + delta V2(x1) (`protege_reservation_period1`); g is nondecreasing, so he takes r1 on
[0, y), y = min(r1, t), t = sup{x : g(x) <= r1}, and holds out on H within (t, 1],
H = {x : x < g(x)}. Lemma 2 holds for any F: he accepts r1 at once iff r1 >= max(r*, a).
The patron's payoff from a search-inducing r1 is

    W(r1) = (1 - r1) F(y) + delta * int_{H within (t, 1]} P2 dF.

The patron's benefit from the good is 1 in the paper; ``patron_benefit=b`` replaces her
payoffs 1 - r by b - r everywhere (extension 3, `analytic.bargaining`, solves the game
with unequal benefits in these terms).

Numerics and accuracy (measured in tests/test_general.py):

* G is integrated with 8-point Gauss-Legendre on 2048 cells and interpolated by cubic
  Hermite with the exact derivative G' = -(1 - F): error <= 1e-12 for densities smooth
  on [0, 1] (exact for U[0, 1]).
* The local maxima of L are found on a 20,001-point grid and refined (bounded Brent,
  xtol 1e-12); r*, r~ and t(r1) are found by bisection to 1e-15.
* Every integral over x1 is split at the points where period-2 play or membership of H
  changes (a, r~, r*, the peaks of L, and the crossings x = g(x), located by a scan on
  a 4,097-point grid then bisection), and integrated by 12-point Gauss-Legendre on cells
  of width <= 1/256, the weights of each cell rescaled to its exact mass F(hi) - F(lo).
  Payoffs and outcome probabilities of a given r1 are thus exact to ~1e-12 when the
  density is smooth; features of period-2 play narrower than 1/4096 could be missed.
* The patron's best search-inducing offer: W on a 1,500-point grid of offers plus every
  value g takes at the ends and middles of the pieces (where W jumps up), then the best
  local maxima refined by golden-section search to 1e-11 in offer.

Stated accuracy (tested against `analytic.solve` on the whole domain, away from
knife-edge ties where the first move switches): payoffs and probabilities to 1e-8,
offers to 1e-6 (the patron's payoff is flat at its optimum, so the offer is the least
accurate quantity). Against the independent brute force (tests/brute_force.py fed the
quantiles of F) for Beta distributions, see tests/test_general.py.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from analytic.division import Benefits
from analytic.params import validate, validate_scalar
from analytic.protocol import GameSolver, independent_offers
from analytic.result import GENERAL_FIELDS, Equilibrium

TIE_TOLERANCE = 1e-12
_GL_G = np.polynomial.legendre.leggauss(8)
_GL_X = np.polynomial.legendre.leggauss(12)
_Q_NAMES = ("one", "P2", "PA", "C", "V2", "x")


def _gl_nodes(lo, hi, rule):
    """Gauss-Legendre nodes (..., n) and weights on [lo, hi] (arrays broadcast)."""
    t, w = rule
    lo, hi = np.asarray(lo, dtype=float)[..., None], np.asarray(hi, dtype=float)[..., None]
    half = 0.5 * (hi - lo)
    return lo + half * (t + 1.0), half * w


class Period2Profile(GameSolver):
    """Period-2 strategy functions with analytic's signatures, from a solver's `period2(x1, phi, c)`
    (a dict with r2 and V2) and `search_threshold(c)` (r*: he searches again below it)."""

    def search_threshold(self, c):
        return self.r_star(c)

    def patron_offer_period2(self, x1, phi, c, delta=1.0):
        """Patron's period-2 offer r2 given the standing outside offer x1 (0 without a first search)."""
        return self.period2(x1, phi, c)["r2"]

    def protege_searches_period2(self, s_bar, c):
        """Protégé searches in period 2 iff s_bar = max(x1, r2, phi - 1) < r*."""
        return np.asarray(s_bar) < self.search_threshold(c)

    def protege_reservation_period1(self, x1, phi, c, delta):
        """g(x1) = phi - 1 + delta V2(x1): after drawing x1 he takes max(r1, x1) now iff it is >= g."""
        return np.asarray(phi, dtype=float) - 1.0 + np.asarray(delta, dtype=float) * self.period2(x1, phi, c)["V2"]


class GeneralSolver(Period2Profile):
    """Backward induction of the alliance game for outside offers x ~ F (a frozen scipy.stats
    distribution with support in [0, 1]); its `draw_offers` draws the agents' offers from F."""

    def __init__(self, dist=None, label: str | None = None, patron_benefit: float = 1.0):
        self.dist = uniform_offers() if dist is None else dist
        # b: what the good is worth to the patron (the paper: 1; extension 3, `analytic.bargaining`)
        self.patron_benefit = float(patron_benefit)
        lo, hi = (float(v) for v in self.dist.support())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(f"outside-offer distribution must have its support in [0, 1], got [{lo:g}, {hi:g}]")
        self.label = label or "U[0, 1]"
        # in the paper's terms: a patron's benefit b, the protégé's 1 with either partner
        self.benefits = Benefits(patron=self.patron_benefit)
        self._setup_F()
        self._setup_G()
        self._setup_L()

    # ------------------------------------------------------------ F and its integrals
    def _setup_F(self):
        n = 4096
        self._fx = np.linspace(0.0, 1.0, n + 1)
        self._fv = np.clip(self.dist.cdf(self._fx), 0.0, 1.0)
        d = np.asarray(self.dist.pdf(self._fx), dtype=float)
        secant = np.diff(self._fv) * n
        bad = ~np.isfinite(d)
        d[bad] = np.concatenate([secant[:1], secant])[bad] if bad[0] else d[bad]
        d[-1] = secant[-1] if bad[-1] else d[-1]
        self._fd = d
        # the first and last cells (where a density may be singular) use scipy directly
        self._f_exact = (self._fx[1], self._fx[-2])

    def F(self, x):
        """CDF of the outside offers: cubic Hermite on 4096 cells with F' = pdf (scipy at the end cells)."""
        x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
        n = len(self._fx) - 1
        k = np.minimum((x * n).astype(int), n - 1)
        t = x * n - k
        h = 1.0 / n
        h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
        h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
        v = (h00 * self._fv[k] + h10 * h * self._fd[k] + h01 * self._fv[k + 1] + h11 * h * self._fd[k + 1])
        ends = (x < self._f_exact[0]) | (x > self._f_exact[1])
        if np.any(ends):
            v = np.where(ends, self.dist.cdf(x), v)
        return np.clip(v, 0.0, 1.0)

    def outside_offer(self, u):
        """Offers from U[0, 1] draws (inverse CDF): how agents draw an ad hoc partner's offer."""
        return np.clip(self.dist.ppf(np.asarray(u, dtype=float)), 0.0, 1.0)

    def draw_offers(self, rng, r1, first_move, phi, c, delta, partners=None):
        """Two offers ~ F per alliance: `outside_offer` of ``rng.random((2, n))``, whoever was drawn."""
        return independent_offers(rng, len(r1), self.outside_offer)

    def _setup_G(self):
        n = 2048
        self._gx = np.linspace(0.0, 1.0, n + 1)
        nodes, w = _gl_nodes(self._gx[:-1], self._gx[1:], _GL_G)
        cell = ((1.0 - self.F(nodes)) * w).sum(axis=1)
        self._gv = np.concatenate([np.cumsum(cell[::-1])[::-1], [0.0]])  # G at the grid
        self._gd = -(1.0 - self.F(self._gx))                               # G' at the grid
        self.mean = float(self._gv[0])

    def G(self, s):
        """E[(x - s)^+] = int_s^1 (1 - F): what a search adds to a standing offer s."""
        s = np.clip(np.asarray(s, dtype=float), 0.0, 1.0)
        h = self._gx[1] - self._gx[0]
        k = np.minimum((s / h).astype(int), len(self._gx) - 2)
        t = (s - self._gx[k]) / h
        h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
        h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
        return (h00 * self._gv[k] + h10 * h * self._gd[k] + h01 * self._gv[k + 1]
                + h11 * h * self._gd[k + 1])

    def r_star(self, c):
        """min{s : G(s) <= c}: the protégé holding s searches again iff s < r* (eq. 3)."""
        c = np.asarray(c, dtype=float)
        lo, hi = np.zeros_like(c), np.ones_like(c)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            ok = self.G(mid) <= c
            hi, lo = np.where(ok, mid, hi), np.where(ok, lo, mid)
        top = float(self.dist.support()[1])  # c = 0: he searches below the top of the support
        return np.where(c >= self.mean, 0.0, np.where(c <= 0.0, top, hi))

    # ------------------------------------------------------------ the period-2 lottery
    def L(self, r):
        """Patron's period-2 payoff from an offer r that makes him search again: (b - r) F(r)."""
        r = np.asarray(r, dtype=float)
        return (self.patron_benefit - r) * self.F(r)

    def _setup_L(self):
        grid = np.linspace(0.0, 1.0, 20001)
        v = self.L(grid)
        i = np.flatnonzero((v[1:-1] >= v[:-2]) & (v[1:-1] > v[2:])) + 1
        peaks = []
        for j in i:
            res = optimize.minimize_scalar(lambda r: -float(self.L(r)), bounds=(grid[j - 1], grid[j + 1]),
                                           method="bounded", options=dict(xatol=1e-12))
            peaks.append(res.x if -res.fun >= v[j] else grid[j])
        self.peaks = np.array(sorted(peaks)) if peaks else np.array([1.0])
        pv = self.L(self.peaks)
        # suffix argmax over the peaks (largest offer among exact ties)
        best = np.empty(len(pv), dtype=int)
        best[-1] = len(pv) - 1
        for k in range(len(pv) - 2, -1, -1):
            best[k] = k if pv[k] > pv[best[k + 1]] else best[k + 1]
        self._peak_best = best
        self._peak_val = pv

    def lottery_offer(self, m):
        """r_L(m) = argmax_{[m, 1]} L and its value: the patron's best offer >= m that makes him search."""
        m = np.asarray(m, dtype=float)
        k = np.searchsorted(self.peaks, m, side="right")  # first peak > m
        has = k < len(self.peaks)
        kk = np.minimum(k, len(self.peaks) - 1)
        j = self._peak_best[kk]
        peak_r, peak_v = self.peaks[j], self._peak_val[j]
        lm = self.L(m)
        use_peak = has & (peak_v > lm)
        return np.where(use_peak, peak_r, m), np.where(use_peak, peak_v, lm)

    def r_tilde(self, c):
        """sup{m : max_{[m,1]} L > 1 - r*}: the patron plays the lottery iff m < r~ (nan: never)."""
        c = np.asarray(c, dtype=float)
        sure = self.patron_benefit - self.r_star(c)
        never = self.lottery_offer(0.0)[1] <= sure
        lo, hi = np.zeros_like(c), np.ones_like(c)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lot = self.lottery_offer(mid)[1] > sure
            lo, hi = np.where(lot, mid, lo), np.where(lot, hi, mid)
        return np.where(never, np.nan, lo)

    # ------------------------------------------------------------ period-2 play
    def search_threshold(self, c):
        """r*(c) computed once per distinct c."""
        c = np.asarray(c, dtype=float)
        if c.ndim == 0 or c.size == 1:
            return np.full(c.shape, self.r_star(c.ravel()[:1])[0])
        uc, inv = np.unique(c, return_inverse=True)
        return self.r_star(uc)[inv].reshape(c.shape)

    def period2(self, x1, phi, c, rs=None):
        """Period-2 play after standing offer x1: dict of r2, lottery, V2, P2, PA (p alliance), C."""
        x1, phi, c = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x1, phi, c)))
        a = phi - 1.0
        m = np.maximum(x1, a)
        rs = self.search_threshold(c) if rs is None else rs
        b = self.patron_benefit
        r_l, v_l = self.lottery_offer(m)
        # b < m: every offer he would take costs her more than the good is worth to her (never
        # when b >= 1, as in the paper): she makes none (r2 = nan) and he searches or takes m
        gives_up = m > b
        lottery = (v_l > b - rs) & (m < rs) & ~gives_up
        r2 = np.where(lottery, r_l, np.maximum(rs, m))
        f2 = self.F(r2)
        alone = np.where(m < rs, -c + m + self.G(m) - a, m - a)
        V2 = np.where(gives_up, alone, np.where(lottery, -c + r2 + self.G(r2) - a, r2 - a))
        PA = np.where(gives_up, 0.0, np.where(lottery, f2, 1.0))
        return dict(r2=np.where(gives_up, np.nan, r2), lottery=lottery, V2=V2,
                    P2=np.where(gives_up, 0.0, (b - r2) * PA), PA=PA, C=np.where(gives_up, 0.0, r2 * PA))

    def protege_first_move(self, r1, phi, c, delta):
        """Protégé's first move ('accept' | 'search' | 'delay') against any first offer r1."""
        r1, phi, c, delta = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (r1, phi, c, delta)))
        out = np.empty(r1.shape, dtype=object)
        for idx in np.ndindex(r1.shape):
            p = _Point(self, phi[idx], c[idx], delta[idx])
            if r1[idx] >= p.r_acc:
                out[idx] = "accept"
            else:
                s = p.outcome(np.array([r1[idx]]), ("u_protege",))["u_protege"][0]
                out[idx] = "search" if s >= p.delay["u_protege"] - TIE_TOLERANCE else "delay"
        return out.astype(str)

    # ------------------------------------------------------------ solving
    def solve(self, phi: float, c: float, delta: float) -> Equilibrium:
        phi, c, delta = validate_scalar(phi, c, delta)
        return Equilibrium(**_Point(self, phi, c, delta).equilibrium(), columns=GENERAL_FIELDS, solver=self)

    def solve_many(self, phi, c, delta) -> pd.DataFrame:
        """Equilibria over arrays of parameters (broadcast); one row per point (GENERAL_FIELDS)."""
        phi, c, delta = (np.ravel(v) for v in np.broadcast_arrays(*validate(phi, c, delta)))
        rows = [_Point(self, p, cc, d).equilibrium() for p, cc, d in zip(phi, c, delta)]
        return pd.DataFrame(rows, columns=list(GENERAL_FIELDS))

    def describe(self) -> str:
        return f"outside offers ~ {self.label}"


class _Point:
    """One parameter point: the pieces of [0, 1] in x1, the integrals over them, W(r1)."""

    def __init__(self, solver: GeneralSolver, phi, c, delta):
        self.s, self.phi, self.c, self.delta = solver, float(phi), float(c), float(delta)
        self.a = self.phi - 1.0
        self.rs = float(solver.r_star(self.c))
        self.rt = float(solver.r_tilde(self.c))
        self.r_acc = max(self.rs, self.a)
        self._build_cells()
        d = self.p2(np.array([0.0]))
        self.delay = dict(u_patron=self.delta * d["P2"][0], u_protege=self.delta * d["V2"][0],
                          p_alliance=d["PA"][0], p_breakup=1.0 - d["PA"][0], p_period2=1.0,
                          contribution_mass=d["C"][0])

    def p2(self, x):
        return self.s.period2(x, self.phi, self.c, self.rs)

    def g(self, x):
        return self.a + self.delta * self.p2(x)["V2"]

    def _status(self, x):
        """A code that changes where period-2 play or membership of H changes."""
        q = self.p2(x)
        gives_up = np.isnan(q["r2"])
        r_is_m = np.isclose(q["r2"], np.maximum(x, self.a), rtol=0, atol=1e-14) | gives_up
        peak = np.searchsorted(self.s.peaks, np.where(gives_up, 0.0, q["r2"]) - 1e-13)
        hold = x < self.a + self.delta * q["V2"]
        code = (q["lottery"].astype(np.int64) * 2 + r_is_m) * 4096 + np.where(r_is_m, 0, peak) * 2 + hold
        return code + gives_up * 16 * 4096

    def _build_cells(self):
        xs = np.linspace(0.0, 1.0, 4097)
        st = self._status(xs)
        change = np.flatnonzero(st[1:] != st[:-1])
        lo, hi = xs[change], xs[change + 1]
        s_lo = st[change]
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            same = self._status(mid) == s_lo
            lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
        known = [self.a, self.rs, self.rt, self.s.patron_benefit, *self.s.peaks]
        breaks = np.concatenate([[0.0, 1.0], hi, [k for k in known if np.isfinite(k)]])
        breaks = np.unique(np.clip(breaks, 0.0, 1.0))
        # pieces, each split into cells of width <= 1/256
        edges = [breaks[0]]
        for b0, b1 in zip(breaks[:-1], breaks[1:]):
            k = max(int(np.ceil((b1 - b0) * 256)), 1)
            edges.extend(np.linspace(b0, b1, k + 1)[1:])
        e = np.array(edges)
        e = e[np.concatenate([[True], np.diff(e) > 0])]
        self.edges = e
        self.lo, self.hi = e[:-1], e[1:]
        mid = 0.5 * (self.lo + self.hi)
        self.hold = mid < self.g(mid)                   # H, cell by cell
        vals = self._cell_integrals(self.lo, self.hi)   # (cells, quantity)
        held = vals * self.hold[:, None]
        self.tail = np.vstack([np.cumsum(held[::-1], axis=0)[::-1], np.zeros((1, len(_Q_NAMES)))])
        self.piece_mid = 0.5 * (breaks[:-1] + breaks[1:])
        self.breaks = breaks
        self._x_table = np.unique(np.concatenate([e, np.linspace(0.0, 1.0, 8193)]))
        self._g_table = np.maximum.accumulate(self.g(self._x_table))

    def _cell_integrals(self, lo, hi):
        """int over [lo, hi] of (1, P2, PA, C, V2, x) dF, by Gauss-Legendre with exact cell mass."""
        nodes, w = _gl_nodes(lo, hi, _GL_X)
        with np.errstate(invalid="ignore"):
            dens = np.where(w > 0, self.s.dist.pdf(nodes) * w, 0.0)  # a zero-width cell at a singular end
        dens = np.nan_to_num(dens, nan=0.0, posinf=0.0)
        mass = self.s.F(hi) - self.s.F(lo)
        tot = dens.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(tot > 0, mass / tot, 0.0)
        wt = dens * scale[:, None]
        q = self.p2(nodes.ravel())
        qs = [np.ones(nodes.size), q["P2"], q["PA"], q["C"], q["V2"], nodes.ravel()]
        return np.stack([(v.reshape(nodes.shape) * wt).sum(axis=1) for v in qs], axis=-1)

    def held_from(self, t):
        """int over H within (t, 1] of (1, P2, PA, C, V2, x) dF, for an array of t."""
        t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
        k = np.clip(np.searchsorted(self.edges, t, side="right") - 1, 0, len(self.lo) - 1)
        part = self._cell_integrals(t, self.hi[k]) * self.hold[k][:, None]
        return self.tail[k + 1] + part

    def t_of(self, r1):
        """sup{x : g(x) <= r1} (0 if g(0) > r1): bracketed on a table of g (nondecreasing), then bisection."""
        r1 = np.asarray(r1, dtype=float)
        k = np.searchsorted(self._g_table, r1, side="right") - 1
        kk = np.clip(k, 0, len(self._x_table) - 2)
        lo, hi = self._x_table[kk], self._x_table[kk + 1]
        for _ in range(42):
            mid = 0.5 * (lo + hi)
            ok = self.g(mid) <= r1
            lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
        t = np.where(k >= len(self._x_table) - 1, 1.0, lo)
        return np.where(k < 0, 0.0, t)

    def outcome(self, r1, wanted=("u_patron", "u_protege", "p_alliance", "p_breakup", "p_period2",
                                  "contribution_mass")):
        """Payoffs and outcome measures of search-inducing first offers r1 (1-d array)."""
        r1 = np.asarray(r1, dtype=float)
        t = self.t_of(r1)
        y = np.minimum(r1, t)
        Fy = self.s.F(y)
        J = self.held_from(t)
        one, P2, PA, C, V2, X = (J[:, i] for i in range(6))
        out = {}
        if "u_patron" in wanted:
            out["u_patron"] = (self.s.patron_benefit - r1) * Fy + self.delta * P2
        if "u_protege" in wanted:
            above = self.s.G(y) + y * (1.0 - Fy) - self.a * (1.0 - Fy)  # int_y^1 (x - a) dF
            out["u_protege"] = (-self.c + (r1 - self.a) * Fy + above - (X - self.a * one)
                                + self.delta * V2)
        if "p_alliance" in wanted:
            out["p_alliance"] = Fy + PA
        if "p_breakup" in wanted:
            out["p_breakup"] = 1.0 - Fy - PA
        if "p_period2" in wanted:
            out["p_period2"] = one
        if "contribution_mass" in wanted:
            out["contribution_mass"] = r1 * Fy + C
        return out

    def least_search_offer(self):
        """Least r1 against which he searches rather than delays (tie: search); 0 if he never delays.

        His search value is nondecreasing in r1: the bracket is narrowed on 64-point grids."""
        d = self.delay["u_protege"]

        def searches(r):
            return self.outcome(r, ("u_protege",))["u_protege"] >= d - TIE_TOLERANCE

        if searches(np.array([0.0]))[0]:
            return 0.0, False
        lo, hi = 0.0, self.r_acc
        for _ in range(10):
            grid = np.linspace(lo, hi, 65)
            ok = searches(grid)
            j = int(np.argmax(ok)) if ok.any() else 64
            lo, hi = grid[max(j - 1, 0)], grid[j]
        return float(hi), True

    def best_search_offer(self, least):
        """Patron's best search-inducing offer in [least, r_acc), at most her benefit b (an offer
        above b only turns hold-outs, worth >= 0 to her, into losses), and its payoff (-inf if none)."""
        b = self.s.patron_benefit
        top, closed = (b, True) if b < self.r_acc else (self.r_acc, False)
        if least > top or (least == top and not closed):
            return np.nan, -np.inf
        grid = np.linspace(least, top, 1501)[: None if closed else -1]
        lim = np.concatenate([self.breaks[:-1] + 1e-12, self.breaks[1:] - 1e-12, self.piece_mid])
        plateaus = self.g(np.clip(lim, 0.0, 1.0))
        cand = np.concatenate([grid, plateaus, [least]])
        cand = np.unique(cand[(cand >= least) & ((cand <= top) if closed else (cand < top))])
        w = self.outcome(cand, ("u_patron",))["u_patron"]

        # refine the best local maxima of the sampled W by zooming grids (factor 20 a step)
        is_max = np.ones(len(cand), dtype=bool)
        is_max[1:] &= w[1:] >= w[:-1]
        is_max[:-1] &= w[:-1] >= w[1:]
        idx = np.flatnonzero(is_max)
        idx = idx[np.argsort(-w[idx])][:4]
        lo = cand[np.maximum(idx - 1, 0)]
        hi = cand[np.minimum(idx + 1, len(cand) - 1)]
        extra_r, extra_w = [], []
        for _ in range(7):
            grid = np.linspace(lo, hi, 41, axis=-1)  # (maxima, 41)
            wg = self.outcome(grid.ravel(), ("u_patron",))["u_patron"].reshape(grid.shape)
            extra_r.append(grid.ravel())
            extra_w.append(wg.ravel())
            j = np.argmax(wg, axis=1)
            rows = np.arange(len(lo))
            lo = grid[rows, np.maximum(j - 1, 0)]
            hi = grid[rows, np.minimum(j + 1, 40)]
        extra_r, extra_w = np.concatenate(extra_r), np.concatenate(extra_w)
        w_best = max(w.max(), extra_w.max())
        # tie rule 6 (the larger offer among equally good ones) among the sampled candidates,
        # which hold the exact jump points; a refined interior maximum otherwise
        near = w >= w_best - TIE_TOLERANCE
        if near.any():
            return float(cand[near].max()), float(w_best)
        return float(extra_r[np.argmax(extra_w)]), float(w_best)

    def equilibrium(self) -> dict:
        a, delta = self.a, self.delta
        least, delay_possible = self.least_search_offer()
        if self.rs > a:
            r_s, w_s = self.best_search_offer(least)
        else:
            r_s, w_s = np.nan, -np.inf
        w_d = self.delay["u_patron"] if delay_possible else -np.inf
        w_a = self.s.patron_benefit - self.r_acc
        if w_a >= max(w_s, w_d) - TIE_TOLERANCE:
            move, r1 = "accept", self.r_acc
            o = dict(u_patron=w_a, u_protege=self.r_acc - a, p_alliance=1.0, p_breakup=0.0,
                     p_period2=0.0, contribution_mass=self.r_acc)
            margin = w_a - max(w_s, w_d)
        elif w_s >= w_d - TIE_TOLERANCE:
            move, r1 = "search", r_s
            o = {k: float(v[0]) for k, v in self.outcome(np.array([r_s])).items()}
            margin = w_s - max(w_a, w_d)
        else:
            move, r1 = "delay", 0.0
            o = dict(self.delay)
            margin = w_d - max(w_a, w_s)
        p_none = float(np.clip(1.0 - o["p_alliance"] - o["p_breakup"], 0.0, 1.0))
        ec = o["contribution_mass"] / o["p_alliance"] if o["p_alliance"] > 0 else np.nan
        lottery_at_a = bool(self.p2(np.array([0.0]))["lottery"][0])
        return dict(phi=self.phi, c=self.c, delta=delta, r1=float(r1), first_move=move,
                    u_patron=float(o["u_patron"]), u_protege=float(o["u_protege"]),
                    p_alliance=float(o["p_alliance"]), p_breakup=float(o["p_breakup"]), p_none=p_none,
                    p_period2=float(o["p_period2"]), expected_contribution=float(ec),
                    contribution_excess=float(ec - a), r_star=self.rs, r_tilde=self.rt,
                    regime="prop2" if lottery_at_a else "prop1", margin=float(margin))


# ------------------------------------------------------------------ distributions by name
def uniform_offers():
    """U[0, 1], the paper's outside offers, as a frozen scipy.stats distribution."""
    from scipy import stats  # (here, not at the top: it takes a fifth of a second to import)

    return stats.uniform(0.0, 1.0)


def make_distribution(name: str = "uniform", **params):
    """A frozen scipy.stats continuous distribution by name and parameters, support in [0, 1].

    E.g. ``make_distribution("beta", a=2, b=5)``; ``"uniform"`` without parameters is U[0, 1].
    Raises ValueError with a one-line message if the name, the parameters or the support is bad.
    """
    from scipy import stats  # (here, not at the top: it takes a fifth of a second to import)

    if not isinstance(name, str) or not isinstance(getattr(stats, name, None), stats.rv_continuous):
        raise ValueError(f"not a continuous scipy.stats distribution: {name!r}")
    try:
        dist = getattr(stats, name)(**params)
        lo, hi = (float(v) for v in dist.support())
    except (TypeError, ValueError) as e:
        raise ValueError(f"scipy.stats.{name}({_fmt(params)}): {e}") from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo < 0.0 or hi > 1.0 or not hi > lo:
        raise ValueError(f"scipy.stats.{name}({_fmt(params)}) has support [{lo:g}, {hi:g}]; it must lie in [0, 1]")
    return dist


def _fmt(params: dict) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v!r}" for k, v in params.items())


_CACHE: dict = {}


def solver_for(name: str = "uniform", **params) -> GeneralSolver:
    """A (cached) GeneralSolver for ``scipy.stats.<name>(**params)``."""
    key = (name, tuple(sorted(params.items())))
    if key not in _CACHE:
        _CACHE[key] = GeneralSolver(make_distribution(name, **params), label=distribution_label(name, params))
    return _CACHE[key]


def distribution_label(name: str, params: dict) -> str:
    """'U[0, 1]' for the paper's draws, else e.g. 'beta(a=2, b=5)'."""
    return "U[0, 1]" if name == "uniform" and not params else f"{name}({_fmt(params)})"


__all__ = ["GeneralSolver", "GENERAL_FIELDS", "distribution_label", "make_distribution", "solver_for", "uniform_offers"]
