"""The mean-field stationary state of the alliance system (issue 11), computed without simulating.

The powers are grouped by (role, strength); group g has ``count[g]`` powers of strength b_g, is
in the search pool or not, and every power of g is given the group's mean load n_g (the
integer spread of loads inside a group is ignored: docs/system.md, "The mean-field stationary
state", says what that costs). The protégés are grouped by search cost (nodes c_q with weights
w_q: the scenario's distribution or its draw). Given the loads:

* valuations v_g = b_g / (1 + load_discount n_g);
* an alliance led by a power of group h believes F_h = the mixture of U[0, v_g] over the pool
  minus one power of h (its own patron), and plays the equilibrium of `analytic.piecewise`
  for (F_h, phi, c_q, delta, patron benefit: 1, or b_h d(n_h) for ``"load"``);
* its breakup probability p(h, q) is the equilibrium's p_breakup, and the chance that the
  protégé goes to a particular eligible power of valuation v is W_hq(v) / |E_h| with
  W(v) = (1/v) int_0^v A(x) dx, A(x) the probability that an offer x met in a search (by the
  first or the second partner, both drawn from F_h as the equilibrium assumes) is the one he
  leaves with (from the equilibrium's strategy functions on a grid of ``grid`` offers):
  sum_j W(v_j) / |E_h| = int A dF_h = p(h, q) (checked: ``balance_error``);
* a protégé of class q is then a Markov chain over the groups of its patron, T_q[h, g] =
  p(h, q) x (share of h's breakups won by group g); loads follow from where the chains are.

The stationary state (inflow = outflow for every group and c node) is the one the mean-field
dynamics x_{t+1} = x_t T_q(x_t) reach from the scenario's initial loads (`MeanField.solve`:
adaptive steps; a frozen system returns the state it starts in, c nodes that never break up
keep their start, and where a c node's search pays on one side of a load and not on the other
the dynamics settle at that threshold). `MeanField.frozen_frontier` gives the load discount
from which a frozen configuration exists. Pure numpy; the equilibria are `analytic.piecewise`'s.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytic import piecewise
from analytic.params import validate

PATRON_BENEFITS = ("fixed", "load")


class MeanFieldError(ValueError):
    """The mean-field dynamics did not settle (the message says how far they got)."""


@dataclass
class MeanFieldState:
    """The mean-field stationary state, per group of powers (arrays of one entry per group)."""

    strength: np.ndarray
    count: np.ndarray
    in_pool: np.ndarray
    load: np.ndarray            # mean load per power of the group
    valuation: np.ndarray       # b_g / (1 + load_discount n_g)
    breakup_rate: np.ndarray    # breakups per alliance-round among alliances led by the group (nan: none led)
    won_share: np.ndarray       # share of all breakups won by the group's powers
    p_breakup: np.ndarray       # (groups, c nodes): the equilibrium's breakup probability
    c: np.ndarray
    c_weight: np.ndarray
    breakups_per_round: float   # expected breakups per round in the whole population
    effective_poles: float      # 1 / sum over powers of (n_j / N)^2, with n_j the group means
    mean_offer: float           # mean of the market F (the whole pool, no exclusion)
    frozen: bool                # no breakups at the fixed point (the state reached from the start)
    iterations: int             # refreshes of the options
    rounds: int                 # rounds of the mean-field dynamics from the start
    residual: float             # protégés one round still moves into or out of a (group, c node)
    balance_error: float        # max over (group, c) of |sum_g shares - p_breakup| (the grid's error)
    led: np.ndarray             # (groups, c nodes): protégés led
    chattering: bool = False    # settled by chattering at a threshold (the mean over a window)

    def table(self) -> list[dict]:
        """One dict per group: the per-group outputs."""
        return [{"strength": float(self.strength[g]), "powers": int(self.count[g]), "in_pool": bool(self.in_pool[g]),
                 "mean_load": float(self.load[g]), "valuation": float(self.valuation[g]),
                 "breakup_rate": float(self.breakup_rate[g]), "won_share": float(self.won_share[g])}
                for g in range(self.strength.size)]


class MeanField:
    """The system's mean-field map from loads to flows (see the module docstring)."""

    def __init__(self, strength, count, in_pool, initial_share, c, c_weight, phi: float, delta: float,
                 n_proteges: int, load_discount: float, patron_benefit: str = "fixed", grid: int = 2000):
        self.strength = np.asarray(strength, dtype=float)
        self.count = np.asarray(count, dtype=np.int64)
        self.in_pool = np.asarray(in_pool, dtype=bool)
        G = self.strength.size
        for name, a in (("count", self.count), ("in_pool", self.in_pool)):
            if a.shape != (G,):
                raise ValueError(f"{name}: must have one entry per group ({G}), got shape {a.shape}")
        if G == 0 or np.any(self.count < 1):
            raise ValueError("count: every group needs at least one power")
        if not np.all((self.strength > 0) & (self.strength <= 1)):
            raise ValueError(f"strength: must be in (0, 1], got {self.strength.tolist()}")
        self.pool_size = int(self.count[self.in_pool].sum())
        if self.pool_size < 2:
            raise ValueError(f"in_pool: the pool needs at least 2 powers, got {self.pool_size}")
        s = np.asarray(initial_share, dtype=float)
        if s.shape != (G,) or np.any(s < 0) or not np.isclose(s.sum(), 1.0):
            raise ValueError("initial_share: one share >= 0 per group, summing to 1")
        self.initial_share = s / s.sum()
        self.c = np.atleast_1d(np.asarray(c, dtype=float))
        w = np.atleast_1d(np.asarray(c_weight, dtype=float))
        if w.shape != self.c.shape or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("c_weight: one weight >= 0 per c node, with a positive sum")
        self.c_weight = w / w.sum()
        if not (np.isfinite(load_discount) and load_discount >= 0):
            raise ValueError(f"load_discount: must be >= 0, got {load_discount!r}")
        if patron_benefit not in PATRON_BENEFITS:
            raise ValueError(f"patron_benefit: must be one of {', '.join(PATRON_BENEFITS)}, got {patron_benefit!r}")
        self.phi, self.delta, self.n = float(phi), float(delta), int(n_proteges)
        self.load_discount, self.patron_benefit, self.grid = float(load_discount), patron_benefit, int(grid)
        validate(self.phi, self.c, self.delta)
        # the weight of group g in the mixture believed by an alliance led by group h
        own = np.eye(G) * self.in_pool[None, :]
        self.mix_weight = self.count[None, :] * self.in_pool[None, :] - own            # (h, g)
        self.eligible = self.mix_weight.sum(axis=1)                                    # |E_h|

    # ------------------------------------------------------------------ the map
    def valuations(self, load):
        return self.strength / (1.0 + self.load_discount * np.asarray(load, dtype=float))

    def _equilibria(self, v, strategies: bool):
        """The equilibria of the (patron group h, c node q) points when the groups' valuations are v;
        also the groups' believed CDFs (one row per group) and each point's group h."""
        G, Q = self.strength.size, self.c.size
        F = piecewise.mixture_of_uniforms(np.broadcast_to(v, (G, G)), self.mix_weight)
        b = np.ones(G) if self.patron_benefit == "fixed" else np.asarray(v, dtype=float)
        h = np.repeat(np.arange(G), Q)
        out = piecewise.solve_many(F.take(h), self.phi, np.tile(self.c, G), self.delta, b[h], strategies=strategies)
        return out, F, h

    def breakup_at(self, v):
        """(G, Q): the breakup probabilities when the groups' valuations are v (for "load"
        patron benefits, each patron's benefit is her group's v)."""
        df, _, _ = self._equilibria(np.asarray(v, dtype=float), strategies=False)
        return np.asarray(df["p_breakup"], dtype=float).reshape(self.strength.size, self.c.size)

    def frozen_frontier(self, tol: float = 1e-4) -> tuple[float, float]:
        """(V*, lambda_f): the largest common cap V on the valuations (v_g = min(b_g, V)) at which
        no alliance at any c node breaks up (bisection; 0 if even the least offers make a search
        pay, max b if nobody ever breaks up), and the least load discount at which the
        protégés suffice to load every power that far: loads n_g = (b_g / V* - 1)^+ / lambda
        summed over the powers equal N, i.e. lambda_f = sum_g count_g (b_g / V* - 1)^+ / N
        (inf if V* = 0). For load_discount >= lambda_f a frozen configuration exists, which a
        finite system can fall into and never leave (docs/system.md, "Regimes"). The bisection
        assumes that lowering the cap never makes a breakup likelier."""
        def frozen(V):
            return float(self.breakup_at(np.minimum(self.strength, V)).max()) == 0.0

        top = float(self.strength.max())
        if frozen(top):
            return top, 0.0
        lo, hi = 0.0, top
        if not frozen(tol):
            return 0.0, float("inf")
        lo = tol
        while hi - lo > tol:
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if frozen(mid) else (lo, mid)
        return lo, float(np.sum(self.count * np.maximum(self.strength / lo - 1.0, 0.0)) / self.n)

    def flows(self, load):
        """(p, share, balance): p (G, Q) breakup probabilities of alliances led by group h with
        c node q; share (G, Q, G) the share of those breakups won by group g (sums to 1 over g
        where p > 0); balance the max |sum_j W(v_j) / |E_h| - p| over (h, q)."""
        G, Q = self.strength.size, self.c.size
        v = self.valuations(load)
        (df, eqs), F, h = self._equilibria(v, strategies=True)
        p = np.asarray(df["p_breakup"], dtype=float)
        A = self._win_density(eqs, np.asarray(df["first_move"]), np.asarray(df["r1"], dtype=float), F, h)
        K = self.grid
        cum = np.concatenate([np.zeros((A.shape[0], 1)), np.cumsum(A, axis=1) / K], axis=1)   # int_0^x A
        edges = np.linspace(0.0, 1.0, K + 1)
        Wv = np.stack([np.interp(v, edges, cum[i]) for i in range(cum.shape[0])]) / v[None, :]   # (P, G)
        won = Wv * self.mix_weight[h] / self.eligible[h][:, None]                             # (P, G)
        total = won.sum(axis=1)
        balance = float(np.max(np.abs(total - p))) if p.size else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total[:, None] > 0, won / total[:, None], 0.0)
        return p.reshape(G, Q), share.reshape(G, Q, G), balance

    def _win_density(self, eqs, move, r1, F, h):
        """A(x) on the midpoints of ``grid`` cells of [0, 1], per point: the chance that an
        offer x met in a search is the one the protégé leaves with (see the module docstring).
        F: the groups' believed CDFs, h: each point's group (F and F^-1 on the grid are the
        same for every point of a group: computed once per group)."""
        P, K = move.size, self.grid
        grid = (np.arange(K) + 0.5) / K
        x = np.broadcast_to(grid, (P, K))
        pts = np.arange(P)[:, None]
        floor = self.phi - 1.0
        search = (move == "search")[:, None]
        delay = (move == "delay")[:, None]
        g, r2 = eqs.reservation_and_offer(x, pts)
        now = search & (np.maximum(r1[:, None], x) >= g)
        win1 = now & (x >= r1[:, None])
        later = search & ~now
        r2 = np.where(np.isnan(r2), -np.inf, r2)
        again = eqs.protege_searches_period2(np.maximum(np.maximum(x, r2), floor), pts)
        keep = later & (r2 < x) & (x >= floor)
        A = win1 + keep * (1.0 - again * (1.0 - F.cdf(np.broadcast_to(grid, (len(F), K)))[h]))
        # the second offer: wins if x2 >= max(choice(x1), floor), x1 ~ F (after a search) or 0 (a delay)
        x1 = F.ppf(np.broadcast_to(grid, (len(F), K)))[h]   # the offers at the grid's quantiles
        g1 = eqs.protege_reservation_period1(x1, pts)
        later1 = search & (np.maximum(r1[:, None], x1) < g1)
        x1 = np.where(delay, 0.0, x1)
        later1 = later1 | delay
        r21 = eqs.patron_offer_period2(x1, pts)
        r21 = np.where(np.isnan(r21), -np.inf, r21)
        again1 = eqs.protege_searches_period2(np.maximum(np.maximum(x1, r21), floor), pts)
        bar = np.where(later1 & again1, np.maximum(np.where(r21 >= x1, r21, x1), floor), np.inf)
        bar.sort(axis=1)
        second = np.stack([np.searchsorted(bar[i], x[i], side="right") for i in range(P)]) / K
        return A + second

    def transitions(self, p, share):
        """(Q, G, G): one round of a protégé's chain over his patron's group, per c node:
        T_q[h, g] = p(h, q) share(h, q, g) off the diagonal, the rest stays."""
        G = self.strength.size
        T = np.transpose(p[:, :, None] * share, (1, 0, 2)).copy()
        T[:, np.arange(G), np.arange(G)] += 1.0 - p.T
        return T

    # ------------------------------------------------------------------ the fixed point
    def solve(self, tol: float = 1e-5, max_step: float = 0.25, max_refresh: int = 3000, window: int = 40,
              spread: float = 0.01) -> MeanFieldState:
        """The stationary state the mean-field dynamics reach from the initial loads.

        The protégés of each c node move between groups as the chains T_q say; the options
        (hence T_q) are recomputed from the loads after every step. A step is s rounds (x T^s)
        for a speed s >= 1, or the fraction s < 1 of one round (x + s (x T - x): the same
        fixed points, the dynamics slowed down); s doubles while a step moves no group's load
        by more than ``max_step / 4`` protégés per power and halves when it moves more than
        ``max_step`` or reverses the previous step's direction. Stops when one round moves
        fewer than ``tol`` protégés out of or into every (group, c node) (inflow = outflow),
        or when the dynamics chatter at a threshold (a c node whose search pays on one side of
        a load and not on the other, so that one round never balances): at least a quarter of
        the last ``window`` steps reversed direction and every group's load stayed within
        ``spread`` protégés per power over them; the state is then the mean over the window
        (``chattering``).
        MeanFieldError after ``max_refresh`` steps."""
        x = self.n * np.outer(self.initial_share, self.c_weight)                   # (G, Q) protégés
        speed, rounds, last = 1.0, 0.0, None
        residual, history, flips, chattering = np.inf, [], [], False
        for it in range(1, max_refresh + 1):
            p, share, _ = self.flows(x.sum(axis=1) / self.count)
            T = self.transitions(p, share)
            one = np.einsum("hq,qhg->gq", x, T)
            residual = float(np.max(np.abs(one - x)))
            if residual < tol:
                break
            history.append(x)
            if len(history) >= window and sum(flips[-window:]) >= window // 4:
                loads = np.stack(history[-window:]).sum(axis=2) / self.count
                if np.max(np.ptp(loads, axis=0)) < spread:
                    x, chattering = np.mean(history[-window:], axis=0), True
                    break
            while True:
                if speed >= 1:
                    Tk = np.stack([np.linalg.matrix_power(T[q], int(speed)) for q in range(T.shape[0])])
                    nxt = np.einsum("hq,qhg->gq", x, Tk)
                else:
                    nxt = x + speed * (one - x)
                step = nxt - x
                move = float(np.max(np.abs(step).sum(axis=1) / self.count))
                if move <= max_step or speed < 1e-9:
                    break
                speed /= 2
            reverses = last is not None and float(np.sum(step * last)) < 0
            x, rounds, last = nxt, rounds + speed, step
            flips.append(reverses)
            if reverses:
                speed /= 2
            elif move <= max_step / 4:
                speed = min(2 * speed, float(1 << 20))
        else:
            raise MeanFieldError(f"the mean-field dynamics did not settle in {max_refresh} steps"
                                 f" ({rounds:.0f} rounds; one round still moves {residual:.3g} protégés)")
        st = self.state(x, it, residual, int(round(rounds)))
        st.chattering = chattering
        return st

    def state(self, x, iterations: int = 0, residual: float = float("nan"), rounds: int = 0) -> MeanFieldState:
        """The outputs where x (G, Q) protégés of each c node are led by each group."""
        led = np.asarray(x, dtype=float)
        load = led.sum(axis=1) / self.count
        p, share, balance = self.flows(load)
        v = self.valuations(load)
        breakups = led * p                                           # (G, Q)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(led.sum(axis=1) > 0, breakups.sum(axis=1) / led.sum(axis=1), np.nan)
        total = float(breakups.sum())
        won = np.einsum("hq,hqg->g", breakups, share)
        won_share = won / total if total > 0 else np.zeros_like(won)
        hhi = float(np.sum(self.count * (load / self.n) ** 2))
        pool = self.in_pool
        mean_offer = float(np.sum(self.count[pool] * v[pool] / 2.0) / self.pool_size)
        return MeanFieldState(
            strength=self.strength, count=self.count, in_pool=self.in_pool, load=load, valuation=v,
            breakup_rate=rate, won_share=won_share, p_breakup=p, c=self.c, c_weight=self.c_weight,
            breakups_per_round=total, effective_poles=1.0 / hhi if hhi > 0 else float("nan"),
            mean_offer=mean_offer, frozen=total < 1e-9, iterations=iterations, rounds=rounds, residual=residual,
            balance_error=balance, led=led)


def stationary_state(strength, count, in_pool, initial_share, c, c_weight, phi, delta, n_proteges,
                     load_discount, patron_benefit="fixed", grid=2000, tol=1e-5):
    """The mean-field stationary state (`MeanField(...).solve(tol)`)."""
    return MeanField(strength, count, in_pool, initial_share, c, c_weight, phi, delta, n_proteges,
                     load_discount, patron_benefit, grid).solve(tol)


__all__ = ["MeanField", "MeanFieldError", "MeanFieldState", "PATRON_BENEFITS", "stationary_state"]
