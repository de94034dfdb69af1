"""The alliance game, exactly and vectorized, for piecewise-linear outside-offer CDFs.

In a population whose outside offers come from the powers a search draws (issue 11), a
protégé meets offers from a mixture of uniforms, F(x) = sum_j w_j min(1, x / v_j): a
piecewise-linear CDF with knots at the v_j, different for every patron and every round.
`solve_many(F, phi, c, delta, patron_benefit)` solves the game of `analytic.general` (same
backward induction, same tie rules, same output columns) for a whole batch of points at
once, each with its own F (a row of a `PiecewiseLinearCDF`), phi, c, delta and patron
benefit b, and `PiecewiseEquilibria` holds the strategy functions the agents play.

Why it is exact. On each piece of F the density f is constant, so G(s) = int_s^1 (1 - F)
is quadratic and the lottery payoff L(r) = (b - r) F(r) is a concave quadratic (closed-form
peak). Then r* and r~ are roots of quadratics, and the patron's best lottery offer r_L(m) =
argmax_{[m, 1]} L equals m or one of the "record" peaks of L (a peak higher than all of L
to its right); it jumps to such a peak on a gap of standing offers m that ends at the peak
and starts where L last had the peak's height (for a mixture of uniforms L is concave on
[0, b]: one gap [0, peak)). Splitting [0, 1] in x1 at phi - 1, r*, r~, b, the gaps' ends,
and the knots where period-2 quantities move with x1 (the lottery with r2 = x1, and his
own search between b and r* when she gives up) gives cells on which period-2 play is one
of a few kinds and every period-2 quantity (V2, P2, p_alliance, contribution) and the
protégé's reservation g(x1) = a + delta V2(x1) is a polynomial of degree <= 2 in x1:
every integral against dF is a difference of cubic primitives (moving cells, inside one
piece of F) or of F and G at the cell's ends (constant cells). The patron's payoff W(r1)
from a search-inducing offer is (b - r1) F(r1) + const (concave on each piece, peaks at
the local maxima of L) where he takes r1 whenever he draws less, jumps up at the values g
takes at the ends of the cells, and where the share he takes is t(r1) = g^-1(r1) it is
smooth with stationary points at the roots of a quadratic on each cell. Her best offer is
therefore the best of a finite candidate list (those peaks, jump values, ends of H inside
cells, stationary points, the least offer against which he searches, b), each evaluated
exactly; the tie rules are `analytic.general`'s.

Numerics: no grids, no quadrature; the only iteration is Newton's method for the least
offer against which the protégé searches rather than delays (his search value is convex
in r1, as in `analytic.solver`). Measured (tests/test_piecewise.py): with F = U[0, 1] it
equals `analytic.solve_many` to ~1e-14 (tested 1e-10) away from knife-edge ties; for
mixtures it agrees with `analytic.general.GeneralSolver` to 6e-8 where the offers are off
the knots and to 1e-4 where an offer sits on a knot (GeneralSolver's cubic-Hermite F
rounds the kinks off there; the exact payoff of our offer is then at least that of its
offer), and with the brute force within the brute force's error bound. Speed:
benchmarks/bench_piecewise.py (about 7,000 points/s for 100-knot F's on 2 cores); the
work is proportional to points x cells, cells ~ the knots below r~ and between b and r*.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytic.params import validate

TIE_TOLERANCE = 1e-12
#: Output columns of `solve_many`: those of `analytic.general.GENERAL_FIELDS` plus patron_benefit.
PIECEWISE_FIELDS = ("phi", "c", "delta", "patron_benefit", "r1", "first_move", "u_patron", "u_protege",
                    "p_alliance", "p_breakup", "p_none", "p_period2", "expected_contribution",
                    "contribution_excess", "r_star", "r_tilde", "regime", "margin")
_Q_ONE, _Q_P2, _Q_PA, _Q_C, _Q_V2, _Q_X = range(6)
_CHUNK_ELEMENTS = 500_000  # points x cells solved at once: bounds memory, keeps the arrays in cache


# ---------------------------------------------------------------- row-wise array helpers
# Queries address the rows of a batch explicitly: an array q of any shape with an array
# `rows` (broadcast against q) saying which row each query belongs to; rows=None means q has
# one leading axis per row.
def _rows_of(n, q, rows):
    if rows is not None:
        return np.asarray(rows, dtype=np.intp)
    return np.arange(n, dtype=np.intp).reshape((n,) + (1,) * (np.ndim(q) - 1))


def _take(a, k, rows):
    """a[rows, k] for a (n, P, ...), k and rows broadcast together."""
    n, P = a.shape[:2]
    return a.reshape((n * P,) + a.shape[2:])[rows * P + k]


def _locate(keys, q, rows, strict=False):
    """The last j in [0, P-2] with keys[row, j] <= q (< q if strict), per query; keys (n, P)
    nondecreasing along rows. One flat searchsorted over the rows shifted apart, then an exact
    check (the shift can only round a key up to equal a query, never past it)."""
    n, P = keys.shape
    q = np.asarray(q, dtype=float)
    rows = np.broadcast_to(rows, q.shape)
    lo = min(float(keys.min()), float(q.min())) if q.size else 0.0
    span = max(float(keys.max()), float(q.max()) if q.size else 0.0) - lo + 1.0
    off = np.arange(n, dtype=float) * span
    flat = (keys - lo + off[:, None]).ravel()
    j = np.searchsorted(flat, (q - lo + off[rows]).ravel(), side="left" if strict else "right").reshape(q.shape)
    j = np.clip(j - 1 - rows * P, 0, P - 2)
    kj = _take(keys, j, rows)
    wrong = np.flatnonzero((((kj >= q) if strict else (kj > q)) & (j > 0)).ravel())
    if wrong.size:  # rounded up to a query: an exact binary search over [0, j) of those rows
        qw, rw = q.ravel()[wrong], rows.ravel()[wrong]
        lo, hi = np.zeros(wrong.size, dtype=np.intp), j.ravel()[wrong]   # keys[hi] fails
        while np.any(hi - lo > 1):
            mid = (lo + hi) // 2
            km = keys[rw, mid]
            ok = (km < qw) if strict else (km <= qw)
            lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
        j = j.copy()
        j.ravel()[wrong] = lo
    return j


def _poly(coef, x):
    """Value of the quadratic coef[..., 0:3] (constant term first) at x."""
    return coef[..., 0] + coef[..., 1] * x + coef[..., 2] * x * x


def _prim(coef, x):
    """Primitive of the quadratic coef[..., 0:3] at x (zero at 0)."""
    return x * (coef[..., 0] + x * (coef[..., 1] / 2 + x * coef[..., 2] / 3))


def _upper_root(f, B, C):
    """Larger root u of f u^2 - B u + C = 0 (f >= 0), in a cancellation-free form."""
    D = np.sqrt(np.maximum(B * B - 4.0 * f * C, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(B > 0, (B + D) / np.where(f > 0, 2.0 * f, np.inf), 2.0 * C / (B - D))


# ---------------------------------------------------------------- piecewise-linear CDFs
class PiecewiseLinearCDF:
    """A batch of continuous piecewise-linear CDFs on [0, 1], one per row.

    knots (n, K+1): 0 = x_0 <= x_1 <= ... <= x_K = 1 (repeated knots pad rows to a common K);
    values (n, K+1): 0 = F_0 <= ... <= F_K = 1, equal at repeated knots (no atoms).
    Methods take x of shape (n, ...) (one leading axis per row) or any shape with ``rows``."""

    def __init__(self, knots, values):
        x, F = np.atleast_2d(np.asarray(knots, dtype=float)), np.atleast_2d(np.array(values, dtype=float))
        if x.shape != F.shape or x.shape[1] < 2:
            raise ValueError(f"knots and values must have the same shape (n, K+1), K >= 1; got {x.shape} and {F.shape}")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(F))):
            raise ValueError("knots and values must be finite")
        if np.any(x[:, 0] != 0.0) or np.any(x[:, -1] != 1.0) or np.any(np.diff(x, axis=1) < 0):
            raise ValueError("knots must be nondecreasing from 0 to 1 in each row")
        if np.any(F[:, 0] != 0.0) or np.any(np.abs(F[:, -1] - 1.0) > 1e-12) or np.any(np.diff(F, axis=1) < 0):
            raise ValueError("values must be nondecreasing from 0 to 1 in each row (a CDF)")
        if np.any((np.diff(x, axis=1) == 0) & (np.diff(F, axis=1) != 0)):
            raise ValueError("values must be equal at repeated knots (F continuous, no atoms)")
        F = np.minimum(F, 1.0)
        F[:, -1] = 1.0
        self.knots, self.values = x, F
        h = np.diff(x, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.density = np.where(h > 0, np.diff(F, axis=1) / np.where(h > 0, h, 1.0), 0.0)  # (n, K)
        cell = h * (1.0 - 0.5 * (F[:, :-1] + F[:, 1:]))
        # G at the knots: G(x_k) = int_{x_k}^1 (1 - F)
        self.G_knots = np.concatenate([np.cumsum(cell[:, ::-1], axis=1)[:, ::-1], np.zeros((len(x), 1))], axis=1)
        x0, F0, f = x[:, :-1], F[:, :-1], self.density
        # F and G on each piece as polynomials in x: F = f0 + f1 x, G = g0 + g1 x + g2 x^2
        self.f_poly = np.stack([F0 - f * x0, f], axis=-1)                                  # (n, K, 2)
        self.g_poly = np.stack([self.G_knots[:, :-1] + (1.0 - F0) * x0 + 0.5 * f * x0**2,
                                -(1.0 - F0) - f * x0, 0.5 * f], axis=-1)                   # (n, K, 3)

    def __len__(self):
        return self.knots.shape[0]

    @property
    def n_pieces(self) -> int:
        return self.knots.shape[1] - 1

    #: what __init__ computes, row by row (so that a row's arrays do not depend on the others)
    _ROW_ARRAYS = ("knots", "values", "density", "G_knots", "f_poly", "g_poly")

    def take(self, rows) -> "PiecewiseLinearCDF":
        """The CDFs of the given rows (an index array), as a new batch (the rows' checked and
        precomputed arrays, not checked and computed again)."""
        rows = np.atleast_1d(rows)  # (a single row index: a batch of one)
        out = object.__new__(PiecewiseLinearCDF)
        for name in self._ROW_ARRAYS:
            setattr(out, name, getattr(self, name)[rows])
        return out

    def piece(self, x, rows=None):
        """Index of the piece holding x: the last k with x_k <= x, in [0, K-1]."""
        return _locate(self.knots, np.clip(x, 0.0, 1.0), _rows_of(len(self), x, rows))

    def cdf(self, x, rows=None, piece=None):
        """F(x)."""
        rows = _rows_of(len(self), x, rows)
        x = np.clip(x, 0.0, 1.0)
        k = self.piece(x, rows) if piece is None else piece
        p = _take(self.f_poly, k, rows)
        return np.minimum(p[..., 0] + p[..., 1] * x, 1.0)

    def pdf(self, x, rows=None):
        """Density (right-continuous; 0 outside [0, 1))."""
        rows = _rows_of(len(self), x, rows)
        x = np.asarray(x, dtype=float)
        inside = (x >= 0.0) & (x < 1.0)
        return np.where(inside, _take(self.density, self.piece(x, rows), rows), 0.0)

    def G(self, s, rows=None, piece=None):
        """G(s) = E[(x - s)^+] = int_s^1 (1 - F)."""
        rows = _rows_of(len(self), s, rows)
        s = np.clip(s, 0.0, 1.0)
        k = self.piece(s, rows) if piece is None else piece
        return _poly(_take(self.g_poly, k, rows), s)

    def cdf_and_G(self, x, rows=None):
        """(F(x), G(x)) from one search for the piece."""
        rows = _rows_of(len(self), x, rows)
        x = np.clip(x, 0.0, 1.0)
        k = self.piece(x, rows)
        return self.cdf(x, rows, k), self.G(x, rows, k)

    def ppf(self, q, rows=None):
        """Inverse CDF: the least x with F(x) >= q, q in [0, 1]."""
        rows = _rows_of(len(self), q, rows)
        q = np.clip(q, 0.0, 1.0)
        k = _locate(self.values, q, rows, strict=True)  # last k with F_k < q
        f = _take(self.density, k, rows)
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(f > 0, (q - _take(self.values, k, rows)) / np.where(f > 0, f, 1.0), 0.0)
        return np.clip(np.where(q <= 0.0, 0.0, _take(self.knots, k, rows) + step), 0.0, 1.0)

    def mean(self):
        """E[x] = G(0) for each row."""
        return self.G_knots[:, 0].copy()


def mixture_of_uniforms(v, weights=None) -> PiecewiseLinearCDF:
    """F(x) = sum_j w_j min(1, x / v_j): offers from a power drawn with chance w_j who offers
    v_j u, u ~ U[0, 1]. v (J,) or (n, J) in (0, 1]; weights the same shape, >= 0 (default
    equal), normalised per row. Knots: 0, the sorted v_j, 1."""
    v = np.atleast_2d(np.asarray(v, dtype=float))
    w = np.ones_like(v) if weights is None else np.broadcast_to(np.atleast_2d(np.asarray(weights, dtype=float)), v.shape)
    if not np.all((v > 0) & (v <= 1)):
        raise ValueError(f"v must be in (0, 1], got {float(v[~((v > 0) & (v <= 1))][0])!r}")
    if not (np.all(np.isfinite(w)) and np.all(w >= 0)) or np.any(w.sum(axis=1) <= 0):
        raise ValueError("weights must be finite, >= 0, with a positive sum in each row")
    order = np.argsort(v, axis=1, kind="stable")
    v, w = np.take_along_axis(v, order, 1), np.take_along_axis(w, order, 1)
    w = w / w.sum(axis=1, keepdims=True)
    n = v.shape[0]
    # equal v_j make one knot: merge their weights, move the spare slots to the end (v = 1, w = 0)
    dup = np.concatenate([np.zeros((n, 1), bool), v[:, 1:] == v[:, :-1]], axis=1)
    if dup.any():
        group = np.cumsum(~dup, axis=1) - 1
        merged = np.zeros_like(w)
        np.add.at(merged, (np.arange(n)[:, None].repeat(v.shape[1], 1), group), w)
        first = np.where(~dup, v, 2.0)
        v = np.sort(first, axis=1)
        keep = int((~dup).sum(axis=1).max())
        v, w = np.minimum(v[:, :keep], 1.0), merged[:, :keep]
    knots = np.concatenate([np.zeros((n, 1)), v, np.ones((n, 1))], axis=1)
    # F(x_k) = (sum of w_j with v_j <= x_k) + x_k (sum of w_j / v_j with v_j > x_k)
    done = np.concatenate([np.zeros((n, 1)), np.cumsum(w, axis=1), np.ones((n, 1))], axis=1)
    slope = np.concatenate([np.cumsum((w / v)[:, ::-1], axis=1)[:, ::-1], np.zeros((n, 2))], axis=1)
    values = np.clip(done + knots * slope, 0.0, 1.0)
    values[:, 0] = 0.0
    values[knots >= 1.0] = 1.0  # all components done (a rounded sum of weights may fall short)
    # a component is 'done' at its own knot; equal v_j give repeated knots with equal values
    values = np.maximum.accumulate(values, axis=1)
    return PiecewiseLinearCDF(knots, values)


def uniform_cdf(n: int = 1, pieces: int = 1) -> PiecewiseLinearCDF:
    """n copies of U[0, 1], written with `pieces` equal pieces."""
    x = np.linspace(0.0, 1.0, pieces + 1)
    return PiecewiseLinearCDF(np.tile(x, (n, 1)), np.tile(x, (n, 1)))


class ScipyLikeCDF:
    """One row of a `PiecewiseLinearCDF` as a frozen-scipy-like distribution (cdf, pdf, ppf,
    support): what `analytic.general.GeneralSolver` takes."""

    def __init__(self, F: PiecewiseLinearCDF, row: int = 0):
        self._F = F.take(np.array([row]))

    def _apply(self, fn, x):
        x = np.asarray(x, dtype=float)
        return fn(x.reshape(1, -1)).reshape(x.shape)

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        return np.where(x < 0, 0.0, self._apply(self._F.cdf, x))

    def pdf(self, x):
        return self._apply(self._F.pdf, x)

    def ppf(self, q):
        return self._apply(self._F.ppf, q)

    def support(self):
        return 0.0, 1.0

    def mean(self):
        return float(self._F.mean()[0])



# ---------------------------------------------------------------- the batch solver
class _Batch:
    """n points (F row, phi, c, delta, b): period 2, the cells of x1, the integrals, W(r1).
    Parameters are arrays (n,); queries are arrays with the rows they belong to."""

    _PERIOD2_SETUP = ("phi", "c", "delta", "b", "a", "rs", "rt", "peak", "peak_val", "record", "next_record",
                      "jumps", "gap_start", "gap_end", "local_max")

    def __init__(self, F: PiecewiseLinearCDF, phi, c, delta, b, cells: bool = True):
        self.F, self.n = F, len(F)
        self.phi, self.c, self.delta, self.b = (np.asarray(v, dtype=float) for v in (phi, c, delta, b))
        self.a = self.phi - 1.0
        self.rs = self._r_star()
        self._setup_lottery()
        self.rt = self._r_tilde()
        if cells:
            self._build_cells()

    def subset(self, idx) -> "_Batch":
        """The points idx of a batch made with cells=False, with their cells built."""
        out = object.__new__(_Batch)
        out.F, out.n = self.F.take(idx), len(idx)
        for name in self._PERIOD2_SETUP:
            setattr(out, name, getattr(self, name)[idx])
        out._build_cells()
        return out

    def cell_counts(self):
        """Edges each point's cells need (before padding to a common number)."""
        moving, _ = self._moving_knots()
        return moving.sum(axis=1) + 2 * self.jumps.sum(axis=1) + 7

    def _rows(self, q, rows=None):
        return _rows_of(self.n, q, rows)

    # ---- period 2 -------------------------------------------------------------------
    def _r_star(self):
        """min{s : G(s) <= c}: root of a quadratic on the piece where G crosses c."""
        F, c = self.F, self.c[:, None]
        Gk = F.G_knots
        k = np.clip((Gk > c).sum(axis=1, keepdims=True) - 1, 0, F.n_pieces - 1)
        r = self._rows(k)
        x0, F0, f = _take(F.knots, k, r), _take(F.values, k, r), _take(F.density, k, r)
        rest, slope = _take(Gk, k, r) - c, 1.0 - F0
        with np.errstate(invalid="ignore", divide="ignore"):
            u = 2.0 * rest / (slope + np.sqrt(np.maximum(slope**2 - 2.0 * f * rest, 0.0)))
        rs = np.minimum(x0 + np.nan_to_num(u, nan=0.0), _take(F.knots, k + 1, r))
        return np.where(c >= Gk[:, :1], 0.0, rs)[:, 0]

    def L(self, r, rows=None, piece=None):
        """Patron's lottery payoff (b - r) F(r)."""
        rows = self._rows(r, rows)
        return (self.b[rows] - r) * self.F.cdf(r, rows, piece)

    def _setup_lottery(self):
        """Peaks of L on each piece, the record peaks (higher than all of L to their right) and,
        for each record, the gap of standing offers m from which the patron jumps to it."""
        F, b = self.F, self.b[:, None]
        x0, x1 = F.knots[:, :-1], F.knots[:, 1:]
        f0, f = F.f_poly[..., 0], F.f_poly[..., 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.where(f > 0, (b * f - f0) / np.where(f > 0, 2.0 * f, 1.0), -np.inf)
        self.peak = np.clip(stat, x0, x1)                                   # (n, K)
        self.peak_val = (b - self.peak) * (f0 + f * self.peak)
        n, K = self.peak.shape
        later = np.concatenate([np.maximum.accumulate(self.peak_val[:, ::-1], axis=1)[:, ::-1][:, 1:],
                                np.full((n, 1), -np.inf)], axis=1)
        self.record = self.peak_val > later
        idx = np.broadcast_to(np.arange(K), (n, K))
        # next record strictly after each piece (K: none), previous record strictly before (-1: none)
        nxt = np.minimum.accumulate(np.where(self.record, idx, K)[:, ::-1], axis=1)[:, ::-1]
        self.next_record = np.concatenate([nxt[:, 1:], np.full((n, 1), K)], axis=1)
        prv = np.maximum.accumulate(np.where(self.record, idx, -1), axis=1)
        prev_record = np.concatenate([np.full((n, 1), -1), prv[:, :-1]], axis=1)
        # the gap of record k starts where L comes down to its height on the previous record's piece
        start = self._level_crossing(np.maximum(prev_record, 0), self.peak_val)
        gap_start = np.where(prev_record >= 0, start, 0.0)
        # on a falling stretch of L every piece starts with a record whose gap is empty: no edge
        self.jumps = self.record & (gap_start < self.peak)
        self.gap_start = np.where(self.jumps, gap_start, 1.0)
        self.gap_end = np.where(self.jumps, self.peak, 1.0)
        # local maxima of L (where W can peak while he takes r1 whenever he draws less): a
        # stationary point inside a piece, or a knot where L rises into it and falls after it
        interior = (stat > x0) & (stat < x1)
        falls_next = np.concatenate([self.peak[:, 1:] == x0[:, 1:], np.ones((n, 1), bool)], axis=1)
        self.local_max = interior | ((self.peak == x1) & falls_next)

    def _level_crossing(self, k, level):
        """sup{r in piece k : L(r) > level}, for pieces k (n, M) whose peak is above level."""
        r = self._rows(k)
        x0, F0, f = _take(self.F.knots, k, r), _take(self.F.values, k, r), _take(self.F.density, k, r)
        bx = self.b[r] - x0
        u = _upper_root(f, bx * f - F0, level - bx * F0)
        return np.clip(x0 + np.nan_to_num(u, nan=0.0, posinf=1.0, neginf=0.0),
                       _take(self.peak, k, r), _take(self.F.knots, k + 1, r))

    def _r_tilde(self):
        """sup{m : max_{[m, 1]} L > b - r*}: the patron plays the lottery iff m < r~ (nan: never)."""
        above = self.peak_val > (self.b - self.rs)[:, None]
        K = above.shape[1]
        k = (K - 1 - np.argmax(above[:, ::-1], axis=1))[:, None]
        rt = self._level_crossing(k, (self.b - self.rs)[:, None])[:, 0]
        return np.where(above.any(axis=1), rt, np.nan)

    def lottery_offer(self, m, rows=None, piece=None):
        """r_L(m) = argmax_{[m, 1]} L (the larger offer among exact ties) and its value."""
        rows = self._rows(m, rows)
        k = self.F.piece(m, rows) if piece is None else piece
        Lm = self.L(m, rows, k)
        pk, pv = _take(self.peak, k, rows), _take(self.peak_val, k, rows)
        own = (pk > m) & (pv > Lm)
        r_a, v_a = np.where(own, pk, m), np.where(own, pv, Lm)
        K = self.peak.shape[1]
        nr = _take(self.next_record, k, rows)
        has = nr < K
        nr = np.minimum(nr, K - 1)
        r_b, v_b = _take(self.peak, nr, rows), np.where(has, _take(self.peak_val, nr, rows), -np.inf)
        use_b = v_b > v_a
        return np.where(use_b, r_b, r_a), np.where(use_b, v_b, v_a)

    def period2(self, x1, rows=None):
        """Period-2 play after standing offer x1, as `analytic.general.GeneralSolver.period2`:
        r2 (nan where the patron gives up, m > b), lottery, V2, P2, PA (p alliance), C."""
        rows = self._rows(x1, rows)
        a, b, c, rs = self.a[rows], self.b[rows], self.c[rows], self.rs[rows]
        m = np.maximum(x1, a)
        km = self.F.piece(m, rows)
        r_l, v_l = self.lottery_offer(m, rows, km)
        gives_up = m > b
        lottery = (v_l > b - rs) & (m < rs) & ~gives_up
        r2 = np.where(lottery, r_l, np.maximum(rs, m))
        k2 = self.F.piece(r2, rows)
        f2 = self.F.cdf(r2, rows, k2)
        alone = np.where(m < rs, -c + m + self.F.G(m, rows, km) - a, m - a)
        V2 = np.where(gives_up, alone, np.where(lottery, -c + r2 + self.F.G(r2, rows, k2) - a, r2 - a))
        PA = np.where(gives_up, 0.0, np.where(lottery, f2, 1.0))
        return dict(r2=np.where(gives_up, np.nan, r2), lottery=lottery, gives_up=gives_up, m=m, V2=V2,
                    P2=np.where(gives_up, 0.0, (b - r2) * PA), PA=PA, C=np.where(gives_up, 0.0, r2 * PA))

    # ---- the cells of x1 --------------------------------------------------------------
    def _moving_knots(self):
        """Knots where period-2 quantities move with x1 (the lottery with r2 = x1 below r~, his own
        search between b and r* when she gives up), outside the gaps where r2 is a fixed peak;
        and the largest number of gaps of a point."""
        col = lambda v: v[:, None]
        x = self.F.knots
        with np.errstate(invalid="ignore"):
            moving = ((x > col(self.a)) & (x < col(self.rt))) | ((x > col(self.b)) & (x < col(self.rs)))
        n_jumps = int(self.jumps.sum(axis=1).max())
        slots = np.argsort(~self.jumps, axis=1, kind="stable")[:, :n_jumps]
        for gs, ge in zip(np.take_along_axis(self.gap_start, slots, 1).T, np.take_along_axis(self.gap_end, slots, 1).T):
            moving &= ~((x > col(gs)) & (x < col(ge)))
        return moving, n_jumps

    def _build_cells(self):
        """Cells of x1 on which period-2 play is of one kind and each quantity a polynomial.

        Below phi - 1 and wherever the patron's offer r2 does not move with x1, every quantity
        is constant and integrals against dF need only F and G at the ends; the knots of F are
        edges only where the quantities move with x1 (the lottery with r2 = x1 below r~, and
        the search on his own between b and r* when she gives up)."""
        F, n = self.F, self.n
        col = lambda v: v[:, None]
        x = F.knots
        moving, n_jumps = self._moving_knots()
        extra = np.concatenate([np.zeros((n, 1)), col(self.a), col(self.rs), col(np.nan_to_num(self.rt, nan=1.0)),
                                col(self.b), self.gap_start, self.gap_end], axis=1)
        edges = np.sort(np.concatenate([np.where(moving, x, 1.0), np.clip(extra, 0.0, 1.0)], axis=1), axis=1)
        used = int(moving.sum(axis=1).max()) + 7 + 2 * n_jumps
        self.edges = np.concatenate([edges[:, :used], np.ones((n, 1))], axis=1)   # (n, N+1), ends at 1
        lo, hi = self.edges[:, :-1], self.edges[:, 1:]
        self.lo, self.hi = lo, hi
        mid = 0.5 * (lo + hi)
        rows = self._rows(mid)
        kf = F.piece(mid, rows)                         # piece of F (used only on cells inside one piece)
        self.cell_density = _take(F.density, kf, rows)
        q = self.period2(mid, rows)
        follows = (mid > col(self.a)) & (q["gives_up"] | (q["r2"] == q["m"]))  # r2 (or m) = x1 on the cell
        fp = _take(F.f_poly, kf, rows)
        f0, f1 = fp[..., 0], fp[..., 1]
        self.cell_f0 = f0
        a, b, c = col(self.a), col(self.b), col(self.c)
        lot = follows & q["lottery"]
        sure = follows & ~q["lottery"] & ~q["gives_up"]
        searched = lot | (follows & q["gives_up"] & (q["m"] < col(self.rs)))   # V2 = -c + x + G(x) - a
        plain = follows & ~searched            # V2 = x1 - a (sure r2 = x1, or he takes m = x1 alone)
        gp = _take(F.g_poly, kf, rows)
        # coefficients (constant, x, x^2) of each quantity; where she gives up P2 = PA = C = 0 (as at mid)
        coef = {
            _Q_V2: (np.where(searched, gp[..., 0] - c - a, np.where(plain, -a, q["V2"])),
                    np.where(searched, gp[..., 1] + 1.0, np.where(plain, 1.0, 0.0)), np.where(searched, gp[..., 2], 0.0)),
            _Q_P2: (np.where(sure, b, np.where(lot, b * f0, q["P2"])), np.where(sure, -1.0, np.where(lot, b * f1 - f0, 0.0)),
                    np.where(lot, -f1, 0.0)),
            _Q_PA: (np.where(sure, 1.0, np.where(lot, f0, q["PA"])), np.where(lot, f1, 0.0), 0.0),
            _Q_C: (np.where(follows, 0.0, q["C"]), np.where(sure, 1.0, np.where(lot, f0, 0.0)), np.where(lot, f1, 0.0)),
        }
        poly = np.zeros(mid.shape + (6, 3))
        poly[..., _Q_ONE, 0] = 1.0
        poly[..., _Q_X, 1] = 1.0
        for name, cs in coef.items():
            for power, v in enumerate(cs):
                poly[..., name, power] = v
        self.poly = poly                                                     # (n, N, 6, 3)
        self.poly_by_quantity = {q: np.ascontiguousarray(poly[..., q, :]) for q in (_Q_P2, _Q_PA, _Q_C, _Q_V2)}
        self.r2_mid, self.follows, self.gives_up_cell = q["r2"], follows, q["gives_up"]
        self.g = col(self.delta)[..., None] * poly[..., _Q_V2, :]
        self.g[..., 0] += col(self.a)
        self.h_end = self._hold_out_end()
        # F and G at the ends of H in each cell, and int over H within each cell of (1, P2, PA, C, V2, x) dF
        self.F_lo, self.G_lo = F.cdf_and_G(lo, rows)
        self.F_e, self.G_e = F.cdf_and_G(self.h_end, rows)
        held = self._held_table()
        self.tail = np.concatenate([np.cumsum(held[:, ::-1], axis=1)[:, ::-1], np.zeros((n, 1, 6))], axis=1)
        self.g_lo = np.maximum.accumulate(_poly(self.g, lo), axis=1)
        self.g_hi = _poly(self.g, hi)
        # search keys for t(r1): g at the cells' starts, closed by a key above every offer
        self.g_keys = np.concatenate([self.g_lo, np.full((n, 1), max(float(self.g_lo.max()), 2.0) + 1.0)], axis=1)

    def _held_table(self):
        """int over H within each cell of (1, P2, PA, C, V2, x) dF: (n, N, 6)."""
        return self._integrals({q: self.poly[..., q, :] for q in range(6)}, self.follows, self.cell_density,
                               self.lo, self.F_lo, self.G_lo, self.h_end, self.F_e, self.G_e, range(6))

    @staticmethod
    def _integrals(coef, moving, f, s, F_s, G_s, e, F_e, G_e, quantities):
        """int over [s, max(e, s)) of the quantities dF, on cells with coefficients coef[q] (..., 3):
        by the cubic primitive where they move with x1 (one piece of F, density f), by F and G
        at the ends where they are constant (int x dF = [xF] - int F, int F = length + G(e) - G(s))."""
        u = np.maximum(e, s)
        F_u, G_u = np.where(u > s, F_e, F_s), np.where(u > s, G_e, G_s)
        mass = F_u - F_s
        out = []
        for q in quantities:
            if q == _Q_ONE:
                out.append(mass)
            elif q == _Q_X:
                out.append(u * F_u - s * F_s - (u - s) - G_u + G_s)
            else:
                p = coef[q]
                out.append(np.where(moving, f * (_prim(p, u) - _prim(p, s)), p[..., 0] * mass))
        return np.stack(out, axis=-1)

    def _hold_out_end(self):
        """End e of H on each cell: x1 - g(x1) is nondecreasing there, so H is [lo, e)."""
        lo, hi = self.lo, self.hi
        f_lo, f_hi = lo - _poly(self.g, lo), hi - _poly(self.g, hi)
        g0, g1, g2 = self.g[..., 0], self.g[..., 1], self.g[..., 2]
        b = 1.0 - g1
        with np.errstate(invalid="ignore", divide="ignore"):
            root = 2.0 * g0 / (b + np.sqrt(np.maximum(b * b - 4.0 * g2 * g0, 0.0)))
        return np.where(f_lo >= 0, lo, np.where(f_hi < 0, hi, np.clip(np.nan_to_num(root, nan=0.0), lo, hi)))

    # ---- period 1 ---------------------------------------------------------------------
    def t_of(self, r1, rows, with_cell=False):
        """sup{x : g(x) <= r1} (0 if g(0) > r1); g is nondecreasing. With with_cell, also the
        cell j with lo_j <= t <= hi_j."""
        j = _locate(self.g_keys, r1, rows)
        g = _take(self.g, j, rows)
        lo, hi = _take(self.lo, j, rows), _take(self.hi, j, rows)
        rest = r1 - g[..., 0]
        den = g[..., 1] + np.sqrt(np.maximum(g[..., 1] ** 2 + 4.0 * g[..., 2] * rest, 0.0))
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            root = np.where(den > 0, 2.0 * rest / np.where(den > 0, den, 1.0), lo)
        t = np.where(_take(self.g_hi, j, rows) <= r1, hi, np.clip(root, lo, hi))
        t = np.where(_take(self.g_lo, j, rows) > r1, 0.0, t)
        return (t, j) if with_cell else t

    def held_from(self, t, rows, quantities, cell=None):
        """int over H within (t, 1] of the given quantities (of 1, P2, PA, C, V2, x) dF: (..., len(quantities)).
        cell: a cell j with lo_j <= t <= hi_j, if known."""
        j = _locate(self.edges, t, rows) if cell is None else cell
        k = self.F.piece(t, rows)
        coef = {q: _take(self.poly_by_quantity[q], j, rows) for q in quantities if q not in (_Q_ONE, _Q_X)}
        part = self._integrals(coef, _take(self.follows, j, rows),
                               _take(self.cell_density, j, rows), t, self.F.cdf(t, rows, k), self.F.G(t, rows, k),
                               _take(self.h_end, j, rows), _take(self.F_e, j, rows), _take(self.G_e, j, rows),
                               quantities)
        return _take(self.tail, j + 1, rows)[..., quantities] + part

    def outcome(self, r1, rows=None, wanted=("u_patron", "u_protege", "p_alliance", "p_breakup", "p_period2",
                                             "contribution_mass")):
        """Payoffs and outcome measures of search-inducing first offers r1 (only those `wanted`)."""
        rows = np.broadcast_to(self._rows(r1, rows), np.shape(r1))
        t, j = self.t_of(r1, rows, with_cell=True)
        y = np.minimum(r1, t)
        ky = self.F.piece(y, rows)
        Fy = self.F.cdf(y, rows, ky)
        need = {"u_patron": (_Q_P2,), "u_protege": (_Q_X, _Q_ONE, _Q_V2), "p_alliance": (_Q_PA,),
                "p_breakup": (_Q_PA,), "p_period2": (_Q_ONE,), "contribution_mass": (_Q_C,)}
        qs = sorted({q for w in wanted for q in need[w]})
        J = dict(zip(qs, np.moveaxis(self.held_from(t, rows, qs, j), -1, 0)))
        a, b = self.a[rows], self.b[rows]
        formulas = dict(
            u_patron=lambda: (b - r1) * Fy + self.delta[rows] * J.get(_Q_P2),
            u_protege=lambda: (-self.c[rows] + (r1 - a) * Fy
                               + self.F.G(y, rows, ky) + (y - a) * (1.0 - Fy)   # int_y^1 (x - a) dF
                               - (J.get(_Q_X) - a * J.get(_Q_ONE)) + self.delta[rows] * J.get(_Q_V2)),
            p_alliance=lambda: Fy + J.get(_Q_PA),
            p_breakup=lambda: 1.0 - Fy - J.get(_Q_PA),
            p_period2=lambda: J.get(_Q_ONE),
            contribution_mass=lambda: r1 * Fy + J.get(_Q_C),
        )
        return {w: formulas[w]() for w in wanted}

    def delay(self):
        """Payoffs and outcome measures if the protégé moves straight on to period 2 (x1 = 0)."""
        d = self.period2(np.zeros(self.n))
        return dict(u_patron=self.delta * d["P2"], u_protege=self.delta * d["V2"], p_alliance=d["PA"],
                    p_breakup=1.0 - d["PA"], p_period2=np.ones(self.n), contribution_mass=d["C"],
                    lottery=d["lottery"])

    def least_search_offer(self, delay_value):
        """Least r1 against which he searches rather than delays (tie: search); 0 if he never delays.

        His search value is convex and increasing in r1 with slope F(y(r1)), and he searches
        against max(r*, a): Newton's method from there stays on the searching side."""
        all_rows = np.arange(self.n)
        base = self.outcome(np.zeros(self.n), all_rows, ("u_protege",))["u_protege"]
        shortfall = delay_value - base
        delays = shortfall > TIE_TOLERANCE
        least = np.zeros(self.n)
        rows = all_rows[delays]
        r1 = np.maximum(self.rs, self.a)[rows]
        for _ in range(100):
            if not rows.size:
                break
            gain = self.outcome(r1, rows, ("u_protege",))["u_protege"] - base[rows]
            slope = self.F.cdf(np.minimum(r1, self.t_of(r1, rows)), rows)
            with np.errstate(invalid="ignore", divide="ignore"):
                step = np.where(slope > 0, (gain - shortfall[rows]) / np.where(slope > 0, slope, 1.0), 0.0)
            step = np.maximum(step, 0.0)
            r1 = r1 - step
            done = step < 1e-15
            least[rows[done]] = r1[done]
            rows, r1 = rows[~done], r1[~done]
        least[rows] = r1
        return least, delays

    def candidate_offers(self, least, top, closed):
        """First offers among which the patron's best search-inducing offer lies, as (offers, rows):
        the local peaks of L, the values g takes at the ends of the cells (W jumps up there), the
        ends of H inside cells, the stationary points of W along g, the least and the top offer."""
        lo, hi, g = self.lo, self.hi, self.g
        col = lambda v: v[:, None]
        # where the share he takes is t(r1) = g^-1(r1): d/dt [(b - g(t)) F(t) - delta int^t P2 dF] = 0
        # on each cell is the quadratic A t^2 + B t + C = 0 (F = F0 + f t on the cell)
        f, F0 = self.cell_density, self.cell_f0
        P = self.poly[..., _Q_P2, :]
        g0, g1, g2 = g[..., 0], g[..., 1], g[..., 2]
        d, b = col(self.delta), col(self.b)
        A = -3.0 * g2 * f - d * f * P[..., 2]
        B = -2.0 * (g1 * f + g2 * F0) - d * f * P[..., 1]
        C = -g1 * F0 + f * (b - g0) - d * f * P[..., 0]
        D = np.sqrt(np.maximum(B * B - 4.0 * A * C, 0.0))
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            lin = np.where(B != 0, -C / np.where(B != 0, B, 1.0), np.nan)
            roots = [np.where(A != 0, (-B + s * D) / np.where(A != 0, 2.0 * A, 1.0), lin) for s in (1.0, -1.0)]
        moving = (g1 + 2.0 * g2 * hi) > 0
        stat = [np.where(moving & (t > lo) & (t < hi), _poly(g, np.clip(np.nan_to_num(t), lo, hi)), np.nan)
                for t in roots]
        jump_hi = np.concatenate([self.g_hi[:, :-1] != self.g_lo[:, 1:], np.ones((self.n, 1), bool)], axis=1)
        inside = (self.h_end > lo) & (self.h_end < hi)
        cand = np.concatenate([np.where(self.local_max, self.peak, np.nan), self.g_lo,
                               np.where(jump_hi, self.g_hi, np.nan), np.where(inside, self.h_end, np.nan),
                               *stat, col(least), col(np.where(closed, top, np.nan))], axis=1)
        with np.errstate(invalid="ignore"):
            keep = (cand >= col(least)) & np.where(col(closed), cand <= col(top), cand < col(top))
        keep &= col(self.rs > self.a)
        rows = np.broadcast_to(np.arange(self.n)[:, None], cand.shape)
        return cand[keep], rows[keep]

    def equilibrium(self) -> dict:
        """The equilibrium at every point (arrays (n,))."""
        a, b, n = self.a, self.b, self.n
        d = self.delay()
        least, delay_possible = self.least_search_offer(d["u_protege"])
        r_acc = np.maximum(self.rs, a)
        closed = b < r_acc
        top = np.where(closed, b, r_acc)
        offers, rows = self.candidate_offers(least, top, closed)
        w = self.outcome(offers, rows, ("u_patron",))["u_patron"]
        w_s = np.full(n, -np.inf)
        np.maximum.at(w_s, rows, w)
        near = w >= w_s[rows] - TIE_TOLERANCE
        r_s = np.full(n, -np.inf)
        np.maximum.at(r_s, rows[near], offers[near])  # tie rule 6: the larger offer
        r_s = np.where(np.isfinite(w_s), r_s, least)
        w_d = np.where(delay_possible, d["u_patron"], -np.inf)
        w_a = b - r_acc
        accept = w_a >= np.maximum(w_s, w_d) - TIE_TOLERANCE
        search = ~accept & (w_s >= w_d - TIE_TOLERANCE)
        o = self.outcome(r_s, np.arange(n))
        pick = lambda acc, sea, dl: np.where(accept, acc, np.where(search, sea, dl))
        res = {k: pick(*vals) for k, vals in dict(
            u_patron=(w_a, o["u_patron"], d["u_patron"]), u_protege=(r_acc - a, o["u_protege"], d["u_protege"]),
            p_alliance=(1.0, o["p_alliance"], d["p_alliance"]), p_breakup=(0.0, o["p_breakup"], d["p_breakup"]),
            p_period2=(0.0, o["p_period2"], d["p_period2"]),
            contribution_mass=(r_acc, o["contribution_mass"], d["contribution_mass"]),
            r1=(r_acc, r_s, 0.0)).items()}
        with np.errstate(invalid="ignore"):
            res["margin"] = pick(w_a - np.maximum(w_s, w_d), w_s - np.maximum(w_a, w_d), w_d - np.maximum(w_a, w_s))
        res["first_move"] = pick("accept", "search", "delay")
        res["p_none"] = np.clip(1.0 - res["p_alliance"] - res["p_breakup"], 0.0, 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            res["expected_contribution"] = np.where(res["p_alliance"] > 0,
                                                    res["contribution_mass"] / res["p_alliance"], np.nan)
        res["contribution_excess"] = res["expected_contribution"] - a
        res["r_star"], res["r_tilde"] = self.rs, self.rt
        res["regime"] = np.where(d["lottery"], "prop2", "prop1")
        del res["contribution_mass"]
        return res


# ---------------------------------------------------------------- front door
def _points(F, phi, c, delta, patron_benefit):
    """Validate and broadcast the inputs to n points; F rows repeat if F has one row."""
    if not isinstance(F, PiecewiseLinearCDF):
        raise ValueError(f"F must be a PiecewiseLinearCDF, got {type(F).__name__}")
    phi, c, delta = validate(phi, c, delta)
    try:
        b = np.asarray(patron_benefit, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"patron_benefit must be a number, got {patron_benefit!r}") from None
    if np.any(~np.isfinite(b) | (b <= 0)):
        raise ValueError(f"patron_benefit must be in (0, inf), got {float(b.ravel()[np.flatnonzero(~(b > 0) | ~np.isfinite(b))[0]])!r}")
    n_f = len(F)
    shape = np.broadcast_shapes(phi.shape, c.shape, delta.shape, b.shape, (n_f,) if n_f > 1 else ())
    phi, c, delta, b = (np.ravel(np.broadcast_to(v, shape)) for v in (phi, c, delta, b))
    rows = np.ravel(np.broadcast_to(np.arange(n_f), shape)) if n_f > 1 else np.zeros(phi.size, dtype=int)
    return rows, phi, c, delta, b


def _chunks(counts):
    """Groups of points with similar numbers of cells (so that little padding is solved), each
    of at most _CHUNK_ELEMENTS points x cells."""
    order = np.argsort(counts, kind="stable")
    sizes = counts[order]
    groups, start = [], 0
    while start < len(order):
        end = min(len(order), start + max(1, _CHUNK_ELEMENTS // int(sizes[start])))
        end = min(end, int(np.searchsorted(sizes, 1.25 * sizes[start] + 8, side="right")))  # little padding
        while end - start > 1 and (end - start) * int(sizes[end - 1]) > _CHUNK_ELEMENTS:
            end = start + (end - start) // 2
        groups.append(order[start:end])
        start = end
    return groups


def solve_many(F: PiecewiseLinearCDF, phi, c, delta, patron_benefit=1.0, strategies: bool = False):
    """Equilibria for a batch of points, each with its own outside-offer CDF (a row of F), phi, c,
    delta and patron benefit b (arrays broadcast together; F with one row is shared, else its
    rows broadcast against the parameters like an array of shape (len(F),)).

    Returns a DataFrame with the columns PIECEWISE_FIELDS (those of
    `analytic.general.GENERAL_FIELDS` plus patron_benefit), one row per point; with
    ``strategies=True`` a pair (DataFrame, PiecewiseEquilibria) whose strategy functions
    take a point index."""
    rows, phi, c, delta, b = _points(F, phi, c, delta, patron_benefit)
    n = phi.size
    out = {k: np.empty(n, dtype=object if k in ("first_move", "regime") else float) for k in PIECEWISE_FIELDS}
    out.update(phi=phi, c=c, delta=delta, patron_benefit=b)
    batches = []
    if n:
        setup = _Batch(F.take(rows), phi, c, delta, b, cells=False)
        for idx in _chunks(setup.cell_counts()):
            batch = setup.subset(idx)
            for k, v in batch.equilibrium().items():
                out[k][idx] = v
            if strategies:
                batches.append((idx, batch))
    df = pd.DataFrame({k: out[k] for k in PIECEWISE_FIELDS})
    if strategies:
        return df, PiecewiseEquilibria(batches, F.take(rows))
    return df


class PiecewiseEquilibria:
    """The strategy functions of a batch of solved points, indexed by point (a row of
    `solve_many`'s table): what the agents play, alliance by alliance."""

    def __init__(self, batches, F: PiecewiseLinearCDF):
        """batches: (point indices, solved _Batch) pairs covering the points once."""
        width = max(bt.edges.shape[1] for _, bt in batches)   # edges per point; one cell fewer
        where = np.concatenate([idx for idx, _ in batches])
        order = np.empty_like(where)
        order[where] = np.arange(where.size)

        def stack(arrays, cells=True):  # pad each batch's rows with copies of their last column
            w = width - 1 if cells else width
            return np.concatenate([np.pad(a, [(0, 0), (0, w - a.shape[1])] + [(0, 0)] * (a.ndim - 2), mode="edge")
                                   for a in arrays])[order]

        self.F = F
        bts = [bt for _, bt in batches]
        self.edges = stack([bt.edges for bt in bts], cells=False)                  # (n, N+1)
        self.g = stack([bt.g for bt in bts])                                       # (n, N, 3)
        # the period-2 offer on each cell: u + v x1 (nan where the patron gives up)
        self.r2_u = stack([np.where(bt.follows, 0.0, bt.r2_mid) for bt in bts])
        self.r2_v = stack([bt.follows.astype(float) for bt in bts])
        self.gives_up = stack([bt.gives_up_cell for bt in bts])
        self.r_star = np.concatenate([bt.rs for bt in bts])[order]
        self._batches = bts
        self._batch_of = np.concatenate([np.full(len(idx), i) for i, (idx, _) in enumerate(batches)])[order]
        self._local = np.concatenate([np.arange(len(idx)) for idx, _ in batches])[order]

    def _cell(self, x1, point):
        x1, point = np.broadcast_arrays(np.asarray(x1, dtype=float), np.asarray(point, dtype=np.intp))
        x = np.clip(x1, 0.0, 1.0)
        return x, point, _locate(self.edges, x, point)

    def __len__(self):
        return len(self.r_star)

    def search_outcome(self, r1, point):
        """Payoffs and outcome measures (u_patron, u_protege, p_alliance, p_breakup, p_period2,
        contribution_mass) if the patron offers r1 at a point and the protégé searches."""
        r1, point = np.broadcast_arrays(np.asarray(r1, dtype=float), np.asarray(point, dtype=np.intp))
        out = {}
        for i, bt in enumerate(self._batches):
            sel = self._batch_of[point] == i
            if sel.any():
                o = bt.outcome(r1[sel], self._local[point[sel]])
                for k, v in o.items():
                    out.setdefault(k, np.full(r1.shape, np.nan))[sel] = v
        return out

    def patron_offer_period2(self, x1, point):
        """r2 after standing offer x1 (0 without a first search) at each point (nan: she makes none)."""
        return self._offer_on_cells(*self._cell(x1, point))

    def protege_reservation_period1(self, x1, point):
        """g(x1) = phi - 1 + delta V2(x1): after drawing x1 he takes max(r1, x1) now iff it is >= g."""
        return self._reservation_on_cells(*self._cell(x1, point))

    def reservation_and_offer(self, x1, point):
        """(protege_reservation_period1, patron_offer_period2) at the same x1, the cells found once."""
        cells = self._cell(x1, point)
        return self._reservation_on_cells(*cells), self._offer_on_cells(*cells)

    def _offer_on_cells(self, x, p, j):
        r2 = self.r2_u[p, j] + self.r2_v[p, j] * x
        return np.where(self.gives_up[p, j], np.nan, r2)

    def _reservation_on_cells(self, x, p, j):
        return _poly(self.g[p, j], x)

    def protege_searches_period2(self, s_bar, point):
        """He searches in period 2 iff s_bar = max(x1, r2, phi - 1) < r* of his point."""
        return np.asarray(s_bar) < self.r_star[np.asarray(point, dtype=np.intp)]

    def outside_offer(self, u, point):
        """Offers F^-1(u) from U[0, 1] draws u, each under its point's F."""
        u, p = np.broadcast_arrays(np.asarray(u, dtype=float), np.asarray(point, dtype=np.intp))
        return self.F.ppf(u, p)


__all__ = ["PiecewiseLinearCDF", "PiecewiseEquilibria", "PIECEWISE_FIELDS", "ScipyLikeCDF",
           "mixture_of_uniforms", "solve_many", "uniform_cdf"]
