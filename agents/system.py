"""The alliance system: outside offers made by the population of powers itself (issue 11).

Patrons and ad hoc partners are one population of powers. Power j has a strength b_j in
(0, 1] (drawn once, from ``SystemSpec.strength``) and a load n_j(t), the protégés it leads at
the start of round t. Its valuation of one more protégé is

    v_j(t) = b_j d(n_j(t)),   d(n) = 1 / (1 + load_discount n).

A search draws a power from the pool (``pool = "ad_hoc"``: the ad hoc partners, as without a
system; ``"all"``: every power), never the protégé's own patron, and a second search another
one than the first; the drawn power's truthful offer is x = v_j(t) u with u ~ U[0, 1] from the
model's rng (the same ``rng.random((2, n))`` draw the paper's game makes, so that with every
v_j = 1 the offers are the paper's bit for bit).

Beliefs (``beliefs = "known"``): alliance i plays the subgame-perfect equilibrium for

    F_i,t(x) = mean over the powers j of its eligible set E_i of min(1, x / v_j(t)),

E_i = the pool minus its own patron: the exact distribution of its first search's offer.
The solver assumes the two searches' offers independent and equally distributed (the paper's
game). Here the second search excludes the first partner: marginally its offer is again
distributed as F_i,t (the second partner is uniform on E_i once the first is averaged out),
but it is slightly dependent on the first offer (a weak first partner leaves the stronger
ones more likely), an effect of order 1 / |E_i| on period-2 play after a first search; the
equilibrium played ignores that dependence (this is the approximation).

The patron's benefit (``patron_benefit``): ``"fixed"``, the paper's 1 for every patron;
``"load"``, her valuation of this protégé as the marginal one, b_j d(n_j - 1): what she would
offer for him, in the sense of v, if she led only her other protégés, so that patrons and
outside powers value a protégé the same way and a stretched (or weak) patron offers less.

The policy of a round comes from `analytic.piecewise` (exact for these piecewise-linear
F's), batched over the distinct (F, phi, c, b) of the round. A round in which every F is
U[0, 1] and every b is 1 (all strengths 1, no load discount) is the paper's game and is
played with the model's own solver (`analytic.PAPER_GAME`), so that such a system gives the
same tables as no system at all.

Learned beliefs (``beliefs = "learned"``, ``memory`` rounds, ``prior_weight`` kappa): every
alliance believes the same public estimate, built only from the outside offers x observed in
the searches of the last ``memory`` rounds (x1 and x2 of every search made, pooled over
alliances; never u, v_j or the identity of the power behind an offer):

    F_hat(x) = (m H_m(x) + kappa x) / (m + kappa),   x in [0, 1],

H_m the CDF of the histogram of the m observed offers on BELIEF_BINS equal bins of [0, 1]
(the empirical CDF at the bin edges, linear in between), shrunk towards the prior U[0, 1]
(the paper's F) with weight m / (m + kappa). F_hat is piecewise linear with knots at the bin
edges, so `analytic.piecewise` solves it exactly; with no offer seen yet (the first round,
or a frozen market) it is U[0, 1]. As an estimate of the market F_t: the histogram adds a
bias of at most the curvature of F_t within one bin (zero where F_t is linear, i.e. away
from the valuations v_j), its sampling error is that of the empirical CDF (DKW: sup error
~ 0.87 / sqrt(m) on average for m iid offers), and the prior's pull is kappa / (m + kappa)
times sup |F_t - U[0, 1]|. Two selection effects remain and are not corrected: a search
never draws the searcher's own patron, so a power leading many alliances is seen less often
than its share of the pool (an error of order its load share / pool size); and a second
search draws another power than the first, which it reaches more often after a weak first
offer (order 1 / pool size).

Strategic offers (``offers = "strategic"``, ``k``): a search reaches k distinct powers of the
pool other than the own patron, power j values the protégé at v_j(t) u (u ~ U[0, 1], private),
and the highest bids as `analytic.outsiders.StrategicOutsiders` prescribes for k valuations
iid from the alliance's believed F_i,t (the exact distribution of a drawn power's valuation);
the alliance plays that solver's equilibrium. The approximation: the k powers are distinct,
so a bidder's rivals are drawn from the eligible set minus itself (order 1 / |E_i|), where
the symmetric equilibrium assumes iid rivals. Needs known beliefs and the fixed patron benefit.

`PowerSystem.options` (each alliance's believed F, its row and the patron's benefit) is what
the investment rule ``choose`` chooses c against (`agents.investment`).

Breakups move the protégé to the winning power; loads, valuations and next round's F's
follow. Not here: the mean-field fixed point.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from analytic import piecewise
from agents.distributions import CostDistribution
from agents.game import distinct_points, move_codes

#: Per-step metrics a model with a system adds to ``agents.model.METRICS``, in column order.
SYSTEM_METRICS = (
    "believed_mean_offer",
    "true_mean_offer",
    "offer_q10",
    "offer_q50",
    "offer_q90",
    "powers_leading",
    "hhi",
    "effective_poles",
    "largest_share",
    "mean_load",
    "load_strength_corr",
)

OFFER_RULES = ("truthful", "strategic")
BELIEF_RULES = ("known", "learned")
#: Bins of the histogram of observed offers behind learned beliefs (knots every 1 / BELIEF_BINS).
BELIEF_BINS = 50
PATRON_BENEFITS = ("fixed", "load")
POOLS = ("ad_hoc", "all")


@dataclass(frozen=True)
class SystemSpec:
    """The ``[system]`` table: how the powers' strengths, loads and offers make the outside options.

    strength: distribution of b_j over powers (kinds of `agents.distributions.CostDistribution`:
    constant, uniform, beta, groups; values in (0, 1]); load_discount >= 0; offers "truthful";
    offers "truthful" | "strategic"; k >= 1 (powers per search, for strategic offers);
    beliefs "known" | "learned" (strategic offers: known only);
    memory >= 1 (rounds of observed offers behind learned beliefs); prior_weight >= 0 (kappa,
    the prior U[0, 1]'s weight in offers, for learned beliefs); patron_benefit "fixed" |
    "load"; pool "ad_hoc" | "all".
    """

    strength: CostDistribution = field(default_factory=lambda: CostDistribution("constant", value=1.0))
    load_discount: float = 0.0
    offers: str = "truthful"
    k: int = 1
    beliefs: str = "known"
    memory: int = 1
    patron_benefit: str = "fixed"
    pool: str = "ad_hoc"
    prior_weight: float = 20.0

    def __post_init__(self):
        if not isinstance(self.strength, CostDistribution) or self.strength.kind == "evenly":
            raise ValueError(f"system.strength: must be a constant, uniform, beta or groups distribution, got {self.strength!r}")
        lo, hi = _strength_range(self.strength)
        if not (0.0 < lo and hi <= 1.0):
            raise ValueError(f"system.strength: values must lie in (0, 1], got the range [{lo:g}, {hi:g}]")
        if isinstance(self.load_discount, bool) or not (np.isfinite(self.load_discount) and self.load_discount >= 0):
            raise ValueError(f"system.load_discount: must be a number >= 0, got {self.load_discount!r}")
        if (isinstance(self.prior_weight, bool) or not isinstance(self.prior_weight, (int, float, np.number))
                or not (np.isfinite(self.prior_weight) and self.prior_weight >= 0)):
            raise ValueError(f"system.prior_weight: must be a number >= 0, got {self.prior_weight!r}")
        for name, allowed in (("offers", OFFER_RULES), ("beliefs", BELIEF_RULES),
                              ("patron_benefit", PATRON_BENEFITS), ("pool", POOLS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"system.{name}: must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        for name in ("k", "memory"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"system.{name}: must be an integer >= 1, got {v!r}")
        if self.offers == "strategic" and self.beliefs != "known":
            raise ValueError("system.beliefs: strategic offers need known beliefs (observed bids are not the"
                             f" valuations the equilibrium needs), got {self.beliefs!r}")
        if self.offers == "strategic" and self.patron_benefit != "fixed":
            raise ValueError("system.patron_benefit: strategic offers are solved with the patron's benefit 1"
                             f" (analytic.outsiders): must be 'fixed', got {self.patron_benefit!r}")

    @property
    def is_paper(self) -> bool:
        """True if every valuation is 1 at every load: the options are the paper's U[0, 1]."""
        return self.load_discount == 0 and _strength_range(self.strength) == (1.0, 1.0)

    def describe(self) -> str:
        """One line for summaries."""
        beliefs = (f"{self.beliefs} beliefs" if self.beliefs == "known" else
                   f"learned beliefs (memory {self.memory}, prior weight {self.prior_weight:g})")
        offers = "truthful offers" if self.offers == "truthful" else f"strategic offers (k = {self.k})"
        return (f"system: strength {'b' + self.strength.describe()[1:]},"
                f" load discount {self.load_discount:g}, {offers}, {beliefs},"
                f" patron benefit {self.patron_benefit}, pool {self.pool}")


def _strength_range(d: CostDistribution) -> tuple[float, float]:
    if d.kind == "constant":
        return float(d.value), float(d.value)
    if d.kind == "groups":
        return float(min(d.values)), float(max(d.values))
    if d.kind == "beta":  # Beta has support (0, 1): low itself is never drawn
        return (float(d.low) if d.low > 0 else np.nextafter(0.0, 1.0)), float(d.high)
    return float(d.low), float(d.high)


@dataclass
class RoundPolicy:
    """The equilibrium each alliance plays this round: r1 and first move per alliance, and the
    strategy functions (``strategies``, an `analytic.piecewise.PiecewiseEquilibria`, with the
    point of each alliance in ``points``); ``strategies`` None: the model's own solver."""

    r1: np.ndarray
    first_move: np.ndarray
    patron_benefit: np.ndarray
    strategies: object = None
    points: np.ndarray | None = None
    table: object = None  # the solved points (solve_many's DataFrame)
    believed: tuple = None  # (F, row): the distinct believed distributions and each alliance's row


class StrategicStrategies:
    """The strategy functions of a round's strategic-offer equilibria, by point (what
    `agents.game.play_round` plays): point p is ``solvers[p]`` (an
    `analytic.outsiders.StrategicOutsiders`) at ``phi[p]``, ``c[p]``."""

    def __init__(self, solvers, phi, c, delta):
        self.solvers, self.phi, self.c, self.delta = list(solvers), np.asarray(phi), np.asarray(c), float(delta)

    def _apply(self, fn, x, point):
        x, point = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(point, dtype=np.intp))
        out = np.empty(x.shape)
        for p in np.unique(point):
            sel = point == p
            out[sel] = fn(self.solvers[p], x[sel], float(self.phi[p]), float(self.c[p]))
        return out

    def protege_reservation_period1(self, x1, point):
        return self._apply(lambda s, x, phi, c: s.protege_reservation_period1(x, phi, c, self.delta), x1, point)

    def patron_offer_period2(self, x1, point):
        return self._apply(lambda s, x, phi, c: s.patron_offer_period2(x, phi, c, self.delta), x1, point)

    def protege_searches_period2(self, s_bar, point):
        return self._apply(lambda s, x, phi, c: s.protege_searches_period2(x, c), s_bar, point).astype(bool)


class PowerSystem:
    """The powers' strengths and loads, the offer distributions they make, the round's policy.

    Powers are indexed as the model's ``powers`` (patrons first, then ad hoc partners); the pool
    is the range ``pool_start`` .. the last power.
    """

    def __init__(self, spec: SystemSpec, n_patrons: int, n_ad_hoc: int, rng: np.random.Generator):
        self.spec = spec
        self.n_powers = n_patrons + n_ad_hoc
        self.pool_start = n_patrons if spec.pool == "ad_hoc" else 0
        self.pool_size = self.n_powers - self.pool_start
        self.strength = np.asarray(spec.strength.draw(self.n_powers, rng), dtype=float)
        self.load_rounds = np.zeros(self.n_powers)  # sum over rounds of the load at the round's start
        self.rounds = 0
        # learned beliefs: the offers observed in each of the last `memory` rounds
        self.observed: deque = deque(maxlen=spec.memory)
        self.played = None  # the last round's `options`
        if spec.offers == "strategic" and spec.k > self.pool_size - 1:
            raise ValueError(f"system.k: must be at most the pool's size minus one ({self.pool_size - 1}: a search"
                             f" never reaches the own patron), got {spec.k}")
        self._strategic = {}  # F row (bytes) -> StrategicOutsiders; (F row, phi, c, delta) -> Equilibrium

    # ------------------------------------------------------------------ state
    def loads(self, patron_of: np.ndarray) -> np.ndarray:
        """n_j: the protégés each power leads."""
        return np.bincount(patron_of, minlength=self.n_powers)

    def valuations(self, load: np.ndarray) -> np.ndarray:
        """v_j = b_j / (1 + load_discount n_j)."""
        return self.strength / (1.0 + self.spec.load_discount * load)

    def patron_benefits(self, patron_of: np.ndarray, load: np.ndarray) -> np.ndarray:
        """Each alliance's patron benefit: 1 ("fixed") or b_j d(n_j - 1) ("load")."""
        if self.spec.patron_benefit == "fixed":
            return np.ones(patron_of.size)
        return self.strength[patron_of] / (1.0 + self.spec.load_discount * (load[patron_of] - 1))

    def market(self, load: np.ndarray) -> piecewise.PiecewiseLinearCDF:
        """F_t over the whole pool (no exclusion): the market's offer distribution."""
        return piecewise.mixture_of_uniforms(self.valuations(load)[self.pool_start:])

    def beliefs(self, patron_of: np.ndarray, load: np.ndarray):
        """(F, row): the distinct offer distributions the alliances believe (rows of a
        `PiecewiseLinearCDF`) and the row of each alliance. Known beliefs: the mixture over the
        pool minus the alliance's own patron (alliances whose patrons have equal valuations share
        a row). Learned beliefs: one row for all, `learned_belief`."""
        if self.spec.beliefs == "learned":
            return self.learned_belief(), np.zeros(patron_of.size, dtype=np.intp)
        v = self.valuations(load)[self.pool_start:]
        own = patron_of - self.pool_start
        # the excluded valuation (nan: the patron is not in the pool)
        excl = np.where(own >= 0, v[np.maximum(own, 0)], np.nan)
        keys, row = np.unique(excl, return_inverse=True, equal_nan=True)
        w = np.ones((keys.size, v.size))
        for r, e in enumerate(keys):
            if not np.isnan(e):
                w[r, np.flatnonzero(v == e)[0]] = 0.0
        return piecewise.mixture_of_uniforms(np.broadcast_to(v, w.shape), w), row.ravel()

    def observe(self, x1: np.ndarray, x2: np.ndarray) -> None:
        """Record a round's observed outside offers (nan: no such search) for learned beliefs."""
        if self.spec.beliefs == "learned":
            x = np.concatenate([x1[~np.isnan(x1)], x2[~np.isnan(x2)]])
            self.observed.append(x)

    def learned_belief(self) -> piecewise.PiecewiseLinearCDF:
        """F_hat = (m H_m + kappa U[0, 1]) / (m + kappa) from the offers of the last ``memory``
        rounds (H_m: the CDF of their histogram on BELIEF_BINS bins; see the module docstring)."""
        edges = np.linspace(0.0, 1.0, BELIEF_BINS + 1)
        x = np.concatenate(list(self.observed)) if self.observed else np.empty(0)
        m = x.size
        counts = np.bincount(np.minimum((np.clip(x, 0.0, 1.0) * BELIEF_BINS).astype(np.intp), BELIEF_BINS - 1),
                             minlength=BELIEF_BINS)
        H = np.concatenate([[0.0], np.cumsum(counts)]) / max(m, 1)
        kappa = float(self.spec.prior_weight)
        if m == 0:
            values = edges.copy()
        else:
            values = (m * H + kappa * edges) / (m + kappa)
        values[0], values[-1] = 0.0, 1.0
        return piecewise.PiecewiseLinearCDF(edges[None, :], values[None, :])

    # ------------------------------------------------------------------ round
    def options(self, patron_of: np.ndarray):
        """(F, row, b): the offer distributions the alliances believe, the row of each and each
        patron's benefit; None if every alliance plays the paper's game (known beliefs, every
        valuation and benefit 1)."""
        load = self.loads(patron_of)
        b = self.patron_benefits(patron_of, load)
        v = self.valuations(load)[self.pool_start:]
        if self.spec.beliefs == "known" and np.all(v == 1.0) and np.all(b == 1.0):
            return None
        F, row = self.beliefs(patron_of, load)
        return F, row, b

    def round_policy(self, patron_of: np.ndarray, phi, c: np.ndarray, delta: float) -> RoundPolicy:
        """The round's equilibria for every alliance (None if this round is the paper's game).
        Sets ``played``: this round's `options` (what the investment rule ``choose`` chooses against)."""
        self.played = self.options(patron_of)
        if self.spec.offers == "strategic":
            return self._strategic_policy(patron_of, phi, c, delta)
        if self.played is None:
            return None
        F, row, b = self.played
        n = patron_of.size
        key = np.empty(n, dtype=[("f", np.int64), ("p", float), ("c", float), ("b", float)])
        key["f"], key["p"], key["c"], key["b"] = row, np.broadcast_to(phi, (n,)), c, b
        uk, point = distinct_points(key)
        df, eqs = piecewise.solve_many(F.take(uk["f"]), uk["p"], uk["c"], delta, uk["b"], strategies=True)
        point = point.ravel()
        r1 = np.asarray(df["r1"], dtype=float)[point]
        move = move_codes(np.asarray(df["first_move"]))[point]
        return RoundPolicy(r1=r1, first_move=move, patron_benefit=b, strategies=eqs, points=point, table=df,
                           believed=(F, row))

    def _strategic_policy(self, patron_of, phi, c, delta) -> RoundPolicy:
        """Strategic offers: each alliance plays `analytic.outsiders.StrategicOutsiders` with k
        bidders whose valuations are iid from its believed F (solved per distinct F row, phi and c;
        cached: with no load discount the rows never change)."""
        from analytic.outsiders import StrategicOutsiders

        load = self.loads(patron_of)
        F, row = self.beliefs(patron_of, load)
        n = patron_of.size
        key = np.empty(n, dtype=[("f", np.int64), ("p", float), ("c", float)])
        key["f"], key["p"], key["c"] = row, np.broadcast_to(phi, (n,)), c
        uk, point = distinct_points(key)
        if len(self._strategic) > 4096:
            self._strategic.clear()
        solvers, eqs = [], []
        for f, p, cc in zip(uk["f"].tolist(), uk["p"].tolist(), uk["c"].tolist()):
            fk = (F.knots[f].tobytes(), F.values[f].tobytes())
            if fk not in self._strategic:
                H = piecewise.ScipyLikeCDF(F, f)
                self._strategic[fk] = StrategicOutsiders(self.spec.k, H, "the powers' valuations")
            ek = fk + (p, cc, float(delta))
            if ek not in self._strategic:
                self._strategic[ek] = self._strategic[fk].solve(p, cc, delta)
            solvers.append(self._strategic[fk])
            eqs.append(self._strategic[ek])
        point = point.ravel()
        r1 = np.array([e.r1 for e in eqs])[point]
        move = move_codes(np.array([e.first_move for e in eqs]))[point]
        strategies = StrategicStrategies(solvers, uk["p"], uk["c"], delta)
        return RoundPolicy(r1=r1, first_move=move, patron_benefit=np.ones(n), strategies=strategies, points=point,
                           table=eqs, believed=(F, row))

    def strategic_offers(self, rng: np.random.Generator, patron_of: np.ndarray, policy: RoundPolicy,
                         first: np.ndarray, second: np.ndarray):
        """Strategic offers: for the alliances ``first`` (searching in period 1) and ``second``
        (that may search in period 2), k distinct powers of the pool other than the own patron,
        valuations v_j(t) u (u ~ U[0, 1] from ``rng``); the highest bids the equilibrium bid of
        its valuation (`StrategicOutsiders.period1_bid` against the first offer's acceptable
        set, `period2_bid` against the period-2 offer). Returns (x1, x2, p1, p2): the winning
        bids (0: no acceptable one) and the pool positions of the highest bidders (-1: no search)."""
        n = patron_of.size
        v = self.valuations(self.loads(patron_of))[self.pool_start:]
        own = patron_of - self.pool_start
        x = [np.zeros(n), np.zeros(n)]
        pos = [np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)]
        st = policy.strategies
        for s, rows in enumerate((first, second)):
            if not rows.size:
                continue
            keys = rng.random((rows.size, self.pool_size))
            mine = own[rows] >= 0
            keys[np.flatnonzero(mine), own[rows][mine]] = np.inf  # never the own patron
            drawn = np.argpartition(keys, self.spec.k - 1, axis=1)[:, :self.spec.k]
            w = v[drawn] * rng.random(drawn.shape)
            best = np.argmax(w, axis=1)
            top = w[np.arange(rows.size), best]
            pos[s][rows] = drawn[np.arange(rows.size), best]
            pts = policy.points[rows]
            for p in np.unique(pts):
                sel = np.flatnonzero(pts == p)
                solver, phi, c = st.solvers[p], float(st.phi[p]), float(st.c[p])
                if s == 0:
                    x[0][rows[sel]] = solver.period1_bid(top[sel], float(policy.r1[rows[sel[0]]]), phi, c, st.delta)
                else:
                    x[1][rows[sel]] = solver.period2_bid(top[sel], phi, c, st.delta)
        return x[0], x[1], pos[0], pos[1]

    def draw_offers(self, rng: np.random.Generator, patron_of: np.ndarray, p1: np.ndarray, p2: np.ndarray):
        """Truthful offers x = v_j u of the powers drawn (pool positions p1, p2; -1: none), u from
        ``rng.random((2, n))`` (drawn for every alliance, as the paper's game does)."""
        u = rng.random((2, patron_of.size))
        v = self.valuations(self.loads(patron_of))[self.pool_start:]
        return (np.where(p1 >= 0, v[np.maximum(p1, 0)], 1.0) * u[0],
                np.where(p2 >= 0, v[np.maximum(p2, 0)], 1.0) * u[1])

    # ------------------------------------------------------------------ reports
    def count_round(self, patron_of: np.ndarray) -> None:
        """Add a round's starting loads to the powers' mean loads."""
        self.load_rounds += self.loads(patron_of)
        self.rounds += 1

    def round_metrics(self, patron_of: np.ndarray, believed=None) -> dict[str, float]:
        """The system's metrics at the start of a round (SYSTEM_METRICS). ``believed``: the
        believed distributions (F, row), if already built."""
        load = self.loads(patron_of)
        market = self.market(load)
        if believed is None:
            believed = self.beliefs(patron_of, load)
        F, row = believed
        n = patron_of.size
        share = load / n
        hhi = float(np.sum(share**2))
        leading = load > 0
        q = market.ppf(np.array([[0.1, 0.5, 0.9]]))[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = (float(np.corrcoef(load, self.strength)[0, 1])
                    if np.ptp(load) > 0 and np.ptp(self.strength) > 0 else float("nan"))
        return {
            "believed_mean_offer": float(F.mean()[row].mean()),
            "true_mean_offer": float(market.mean()[0]),
            "offer_q10": float(q[0]),
            "offer_q50": float(q[1]),
            "offer_q90": float(q[2]),
            "powers_leading": float(leading.sum()),
            "hhi": hhi,
            "effective_poles": 1.0 / hhi,
            "largest_share": float(share.max()),
            "mean_load": float(load[leading].mean()),
            "load_strength_corr": corr,
        }

    def mean_loads(self) -> np.ndarray:
        """Each power's load averaged over the rounds played (at each round's start)."""
        return self.load_rounds / max(self.rounds, 1)


__all__ = ["BELIEF_BINS", "BELIEF_RULES", "OFFER_RULES", "PATRON_BENEFITS", "POOLS", "PowerSystem", "RoundPolicy",
           "StrategicStrategies", "SYSTEM_METRICS", "SystemSpec"]
