"""First-price auctions among k outsiders whose acceptable bids have gaps (extension 1, k >= 2).

In period 1 the protégé takes an outside offer x now iff x is in A(r1) = {x >= r1 : x >= g(x)}.
When the patron plays the period-2 lottery, g jumps above x just above r~ and A(r1) is a
union of intervals [l_0, h_0] ∪ [l_1, h_1] ∪ ... ∪ [l_m, 1]: a bid in a gap (h_j, l_{j+1}) is
turned down (he holds out, and in period 2 the patron matches it), so it never wins. The
symmetric equilibrium with k bidders, valuations v ~ H iid:

* v < l_0: no bid. From a segment's first type v_s (payoff U_s, bidding its lower end),
  the usual first-price bid b(v) = v - U(v) / H(v)^(k-1), U(v) = U_s + int_{v_s}^v H^(k-1).
* Where b would enter the gap above h_j, types [v_a, v_b] pool at h_j (ties split at
  random): they win with P(v_a, v_b) = (H(v_b)^k - H(v_a)^k) / (k (H(v_b) - H(v_a))).
  v_a is indifferent between b(v_a) and the pool, U(v_a) = (v_a - h_j) P; v_b between the
  pool and jumping to l_{j+1}, (v_b - h_j) P = (v_b - l_{j+1}) H(v_b)^(k-1) (v_b = 1 if the
  pool is better for every type). Above v_b a new segment starts at l_{j+1} with
  U = (v_b - l_{j+1}) H(v_b)^(k-1).

Both indifference conditions are solved by nested bisection (60 steps each) on tables of
H, H^(k-1) and int H^(k-1) (20,001 points); the expected winning bid is integrated with
the midpoint rule on 2,000 cells per segment (pools exactly). With one interval this is the
usual auction with reserve l_0 (tested against the closed forms). The bids are checked to
be best responses among the acceptable bids in tests/test_outsiders.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_STEPS = 60


class AuctionTables:
    """H, H^(k-1), H^k and int_0^v H^(k-1) on a 20,001-point grid, for k bidders with valuations ~ H."""

    def __init__(self, H, k: int):
        self.k = int(k)
        self.x = np.linspace(0.0, 1.0, 20001)
        self.h = np.clip(np.asarray(H.cdf(self.x), dtype=float), 0.0, 1.0)
        self.hk1 = self.h ** (self.k - 1)
        self.hk = self.h ** self.k
        seg = 0.5 * (self.hk1[1:] + self.hk1[:-1]) * np.diff(self.x)
        self.cum = np.concatenate([[0.0], np.cumsum(seg)])

    def H(self, v):
        return np.interp(v, self.x, self.h)

    def Hk1(self, v):
        return np.interp(v, self.x, self.hk1)

    def Hk(self, v):
        return np.interp(v, self.x, self.hk)

    def I(self, v):
        """int_0^v H^(k-1)."""
        return np.interp(v, self.x, self.cum)


@dataclass(frozen=True)
class Segment:
    """Types [v_start, v_a) bid the usual first-price bid from the segment's lower end;
    types [v_a, v_b) pool at ``pool_bid`` (nan: no pool, v_a = v_b = 1)."""

    v_start: float
    u_start: float
    v_a: float
    v_b: float
    pool_bid: float


class BandAuction:
    """The equilibrium of a first-price auction whose acceptable bids are ``intervals``
    [(l_0, h_0), ..., (l_m, 1.0)] (increasing, disjoint)."""

    def __init__(self, tables: AuctionTables, intervals):
        self.t = tables
        self.intervals = [(float(lo), float(hi)) for lo, hi in intervals]
        self.reserve = self.intervals[0][0]
        self.segments = self._solve()
        self.win = 1.0 - float(self.t.Hk(self.reserve))  # P(some outsider bids)
        self.offer_mass = self._expected_winning_bid()

    # the usual bid from a segment's start
    def _utility(self, v, v_s, u_s):
        return u_s + self.t.I(v) - self.t.I(v_s)

    def _usual_bid(self, v, v_s, u_s):
        hk1 = self.t.Hk1(v)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(hk1 > 0, v - self._utility(v, v_s, u_s) / np.where(hk1 > 0, hk1, 1.0), v)

    def _pool_win(self, v_a, v_b):
        dh = self.t.H(v_b) - self.t.H(v_a)
        if dh <= 1e-14:
            return float(self.t.Hk1(v_b))
        return float((self.t.Hk(v_b) - self.t.Hk(v_a)) / (self.t.k * dh))

    @staticmethod
    def _bisect(f, lo, hi):
        """Root of f (positive at lo, not positive at hi) by bisection."""
        for _ in range(_STEPS):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
        return 0.5 * (lo + hi)

    def _solve(self):
        segs = []
        v_s, u_s = self.reserve, 0.0
        for j, (lo, top) in enumerate(self.intervals):
            last = j == len(self.intervals) - 1
            if last or float(self._usual_bid(1.0, v_s, u_s)) <= top:
                segs.append(Segment(v_s, u_s, 1.0, 1.0, np.nan))
                break
            nxt = self.intervals[j + 1][0]
            v_h = self._bisect(lambda v: top - float(self._usual_bid(v, v_s, u_s)), v_s, 1.0)
            low = max(v_s, top)

            def v_a_of(v_b):
                def f(v):  # usual payoff minus pooling payoff: decreasing in v
                    return float(self._utility(v, v_s, u_s)) - (v - top) * self._pool_win(v, v_b)
                return low if f(low) <= 0 else self._bisect(f, low, max(v_b, low))

            def jump_gain(v_b):  # pooling minus jumping to the next interval, for type v_b
                return (v_b - top) * self._pool_win(v_a_of(v_b), v_b) - (v_b - nxt) * float(self.t.Hk1(v_b))

            v_b = 1.0 if jump_gain(1.0) >= 0 else self._bisect(jump_gain, v_h, 1.0)
            segs.append(Segment(v_s, u_s, v_a_of(v_b), v_b, top))
            if v_b >= 1.0:
                break
            v_s, u_s = v_b, (v_b - nxt) * float(self.t.Hk1(v_b))
        return segs

    def bid(self, v):
        """Equilibrium bids of valuations v (nan below the reserve: no bid)."""
        v = np.minimum(np.asarray(v, dtype=float), np.nextafter(1.0, 0.0))
        out = np.full(v.shape, np.nan)
        for s in self.segments:
            usual = (v >= s.v_start) & (v < s.v_a)
            out[usual] = self._usual_bid(v[usual], s.v_start, s.u_start)
            out[(v >= s.v_a) & (v < s.v_b)] = s.pool_bid
        return out

    def _expected_winning_bid(self) -> float:
        """E[winning bid; someone bids] = int b(v) dH^k(v) over v >= reserve (midpoint rule on
        2,000 cells per segment, with the exact increments of H^k; pools exactly)."""
        total = 0.0
        for s in self.segments:
            if s.v_a > s.v_start:
                e = np.linspace(s.v_start, s.v_a, 2001)
                mid = 0.5 * (e[1:] + e[:-1])
                total += float((self._usual_bid(mid, s.v_start, s.u_start) * np.diff(self.t.Hk(e))).sum())
            if s.v_b > s.v_a:
                total += s.pool_bid * float(self.t.Hk(s.v_b) - self.t.Hk(s.v_a))
        return total


__all__ = ["AuctionTables", "BandAuction", "Segment"]
