"""The population model: every step, each alliance plays one round of the game.

A population of protégés, patrons and ad hoc partners. Each protégé is in one
alliance with a patron; the alliance has a search cost c (its institutional
integration) and, every round, faces one collective-good problem with production
cost phi and discount factor delta. The pair plays the subgame-perfect
equilibrium of its solver (an ``analytic.protocol.GameSolver``; default the
paper's game, ``analytic.PAPER_GAME``) draw by draw (``agents.game``); a search
draws an ad hoc partner from the pool, whose offer the solver's ``draw_offers``
makes from the model's rng (the paper's game: U[0, 1]).

With a ``system`` (an ``agents.system.SystemSpec``, the ``[system]`` table) the outside
offers come from the powers themselves: each power has a strength and a load, a search
draws a power of the pool and meets its truthful offer, and every alliance plays the
equilibrium for the offer distribution the powers make this round (``agents.system``).
Without a system the model is exactly the independent-pairs model above.

Outcomes: the alliance acts (the patron's contribution is recorded), the
protégé breaks up and produces with the ad hoc partner, or nothing is produced.
A breakup ends the alliance. The protégé forms a new alliance with that partner,
who is its patron from the next round on, with c reset to the protégé's starting
level (drawn once per protégé from the scenario's distribution). How c moves
inside an alliance is the investment rule's business (``agents.investment``).
"""

from __future__ import annotations

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector

from analytic import PAPER_GAME
from analytic.protocol import GameSolver

from agents.agents import AdHocPartner, Patron, Protege
from agents.distributions import CostDistribution, PhiProcess
from agents.game import (
    ACCEPT,
    ALLIANCE,
    BREAKUP,
    FIRST_MOVES,
    FROM_X1,
    FROM_X2,
    MOVES,
    NONE,
    OUTCOMES,
    SEARCH,
    distinct_points,
    move_codes,
    play_round,
)
from agents.investment import InvestmentRule, NoInvestment
from agents.system import SYSTEM_METRICS, PowerSystem, SystemSpec

#: Per-step metrics collected by the model's DataCollector, in column order.
METRICS = (
    "alliances",
    "acted",
    "breakups",
    "none",
    "churn_rate",
    "phi",
    "c_mean",
    "c_q25",
    "c_median",
    "c_q75",
    "mean_alliance_age",
    "share_searching",
    "share_accept",
    "share_search",
    "share_delay",
    "mean_contribution",
    "free_riding_gap",
    "mean_protege_payoff",
    "mean_patron_payoff",
)


_MOVE_NAMES = np.array(FIRST_MOVES)


def _quartiles(x: np.ndarray) -> tuple[float, float, float]:
    n = x.size
    if n == 0:
        return (np.nan, np.nan, np.nan)
    # partition-based quartiles (the "lower" order statistics): exact, fast, deterministic
    k = (n - 1) * np.array([1, 2, 3]) // 4
    part = np.partition(x, k)
    return tuple(float(v) for v in part[k])


class AllianceModel(Model):
    """Protégés, patrons and ad hoc partners playing the alliance game every round.

    Args:
        n_proteges: number of protégés (= number of alliances).
        n_patrons: number of patrons at the start (each leads about n_proteges / n_patrons alliances).
        n_ad_hoc: size of the pool of ad hoc partners (at least 3).
        c: distribution of the starting search cost across protégés.
        phi: the production cost, fixed or redrawn each round.
        delta: discount factor in (0, 1].
        investment: how c moves inside an alliance (default: fixed).
        record_events: keep one row per alliance-round (needed for ``events_table``).
        rng: seed or numpy Generator; all randomness comes from ``self.rng``.
        solver: the game variant played, an ``analytic.protocol.GameSolver`` (default
            ``analytic.PAPER_GAME``): its equilibria, strategy functions, outside offers
            (``draw_offers``) and benefits from the good.
        system: an ``agents.system.SystemSpec`` (the ``[system]`` table): outside offers made
            by the powers (only with the paper's game as ``solver``); None: independent offers.
    """

    def __init__(
        self,
        n_proteges: int = 1000,
        n_patrons: int = 100,
        n_ad_hoc: int = 100,
        c: CostDistribution | None = None,
        phi: PhiProcess | None = None,
        delta: float = 0.99,
        investment: InvestmentRule | None = None,
        record_events: bool = True,
        rng=None,
        solver=None,
        system: SystemSpec | None = None,
    ):
        super().__init__(rng=rng)
        solver = PAPER_GAME if solver is None else solver
        if not isinstance(solver, GameSolver):
            raise ValueError(f"solver: must be an analytic.protocol.GameSolver (e.g. analytic.PAPER_GAME,"
                             f" analytic.make_solver(...)), got {solver!r}")
        self.solver = solver
        if system is not None and not isinstance(system, SystemSpec):
            raise ValueError(f"system: must be an agents.system.SystemSpec or None, got {system!r}")
        if system is not None and solver is not PAPER_GAME:
            raise ValueError(f"system: the powers make the outside offers of the paper's game; it cannot be combined"
                             f" with the solver {solver.describe()!r}")
        # the protégé's benefit in the alliance (1 in the paper; extension 3 divides the pie):
        # the free-riding minimum contribution is phi minus it
        self.protege_benefit = solver.benefits.protege_ally
        for name, v, lo in (("n_proteges", n_proteges, 1), ("n_patrons", n_patrons, 1), ("n_ad_hoc", n_ad_hoc, 3)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise ValueError(f"{name}: must be an integer >= {lo}, got {v!r}")
        if not (isinstance(delta, (int, float)) and 0 < delta <= 1):
            raise ValueError(f"delta: must be in (0, 1], got {delta!r}")
        self.n_proteges = n = int(n_proteges)
        self.n_patrons = int(n_patrons)
        self.n_ad_hoc = int(n_ad_hoc)
        self.c_dist = c if c is not None else CostDistribution("constant", value=0.02)
        self.phi_process = phi if phi is not None else PhiProcess("constant", value=1.1)
        self.delta = float(delta)
        self.investment = investment if investment is not None else NoInvestment()
        self.record_events = bool(record_events)

        # Agents: protégés first, then patrons, then ad hoc partners.
        self.proteges = [Protege(self, i) for i in range(n)]
        self.powers = [Patron(self, k) for k in range(self.n_patrons)]
        self.powers += [AdHocPartner(self, self.n_patrons + j) for j in range(self.n_ad_hoc)]
        self.protege_uid = np.array([a.unique_id for a in self.proteges], dtype=np.int64)
        self.power_uid = np.array([a.unique_id for a in self.powers], dtype=np.int64)
        n_powers = len(self.powers)

        # Alliance state, one entry per protégé.
        self.c_start = np.asarray(self.c_dist.draw(n, self.rng), dtype=float)
        self.system = None  # (set below: the rule sees no system yet)
        self.c_start = np.asarray(self.investment.initial_c(self.c_start, self), dtype=float)
        self.c = self.c_start.copy()
        self.patron_of = self.rng.permutation(np.arange(n) % self.n_patrons).astype(np.int64)
        self.spell_id = np.arange(n, dtype=np.int64)
        self._next_spell = n
        self.spell_start = np.ones(n, dtype=np.int64)
        self.spell_c_start = self.c.copy()
        self.spell_acted = np.zeros(n, dtype=np.int64)
        # last round, per protégé (-1 before the first round)
        self.last_first_move = np.full(n, -1, dtype=np.int8)
        self.last_outcome = np.full(n, -1, dtype=np.int8)
        self.last_move = np.full(n, -1, dtype=np.int8)
        self.protege_payoff_total = np.zeros(n)
        self.protege_breakups = np.zeros(n, dtype=np.int64)
        # per power
        self.power_contributions = np.zeros(n_powers)
        self.power_payoff = np.zeros(n_powers)
        self.power_acted = np.zeros(n_powers, dtype=np.int64)
        self.power_lost = np.zeros(n_powers, dtype=np.int64)
        self.power_drawn = np.zeros(n_powers, dtype=np.int64)
        self.power_won = np.zeros(n_powers, dtype=np.int64)

        # Equilibrium cache: r1 and first move for the (phi, c) each alliance last played at.
        self.eq_phi = np.full(n, np.nan)
        self.eq_c = np.full(n, np.nan)
        self.eq_r1 = np.full(n, np.nan)
        self.eq_move = np.full(n, -1, dtype=np.int8)
        self._eq_memo: dict[tuple[float, float], tuple[float, int]] = {}

        self._events: list[dict] = []
        self._spells: list[dict] = []
        self._metrics: dict[str, float] = {}
        self._c_quartiles = None  # (c, its quartiles): c rarely changes without investment
        # The system of powers (drawn last, so that the rest of the state is drawn as without one).
        self.system = None if system is None else PowerSystem(system, self.n_patrons, self.n_ad_hoc, self.rng)
        if self.system is not None and self.investment.chooses_initial_c:
            # chosen against the options each protégé believes before the first round
            self.c_start = np.asarray(self.investment.initial_c(self.c_start, self), dtype=float)
            self.c = self.c_start.copy()
            self.spell_c_start = self.c.copy()
        # Searches draw from the pool: powers pool_start .. n_powers - 1 (the ad hoc partners
        # unless a system's pool is every power).
        self.pool_start = self.n_patrons if self.system is None else self.system.pool_start
        self.pool_size = n_powers - self.pool_start
        self.metric_names = METRICS + (SYSTEM_METRICS if self.system is not None else ())
        self.datacollector = DataCollector(
            model_reporters={k: (lambda m, k=k: m._metrics[k]) for k in self.metric_names}
        )

    # ------------------------------------------------------------------ round
    def _refresh_equilibria(self, phi) -> None:
        """Solve the game for alliances whose (phi, c) changed since they last played."""
        scalar = np.ndim(phi) == 0
        stale = (self.eq_c != self.c) | (self.eq_phi != phi)
        idx = np.flatnonzero(stale)
        if idx.size == 0:
            return
        if scalar:
            uc, inv = np.unique(self.c[idx], return_inverse=True)
            up = phi
        else:
            key = np.empty(idx.size, dtype=[("p", float), ("c", float)])
            key["p"], key["c"] = phi[idx], self.c[idx]
            uk, inv = distinct_points(key)
            up, uc = uk["p"], uk["c"]
        r1, mv = self._solve_values(np.broadcast_to(np.asarray(up, dtype=float), uc.shape), uc)
        self.eq_r1[idx] = r1[inv]
        self.eq_move[idx] = mv[inv]
        self.eq_c[idx] = self.c[idx]
        self.eq_phi[idx] = phi if scalar else phi[idx]

    def _solve_values(self, phis: np.ndarray, cs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(r1, first-move code) for distinct (phi, c) points, remembering recent ones exactly."""
        memo = self._eq_memo
        if cs.size > 4096:  # many fresh values (continuous c): solve them all at once
            df = self.solver.solve_many(phi=phis, c=cs, delta=self.delta)
            return np.asarray(df["r1"], dtype=float), move_codes(np.asarray(df["first_move"]))
        keys = list(zip(phis.tolist(), cs.tolist()))
        missing = [k for k in keys if k not in memo]
        if missing:
            mp, mc = np.array(missing).T
            df = self.solver.solve_many(phi=mp, c=mc, delta=self.delta)
            if len(memo) + len(missing) > 200_000:
                memo.clear()
            memo.update(zip(missing, zip(np.asarray(df["r1"], dtype=float).tolist(),
                                         move_codes(np.asarray(df["first_move"])).tolist())))
        r1 = np.array([memo[k][0] for k in keys], dtype=float)
        mv = np.array([memo[k][1] for k in keys], dtype=np.int8)
        return r1, mv

    def _draw_partners(self, rows: np.ndarray, exclude: list[np.ndarray]) -> np.ndarray:
        """Pool positions of partners for ``rows``, uniform over the pool minus ``exclude``.

        ``exclude`` holds arrays of pool positions (``pool_size`` = nothing to
        exclude); the excluded positions of a row must differ.
        """
        m = self.pool_size
        ex = [np.asarray(e, dtype=np.int64) for e in exclude]
        n_ex = sum((e < m).astype(np.int64) for e in ex) if ex else 0
        k = self.rng.integers(0, m - n_ex, size=rows.size) if ex else self.rng.integers(0, m, size=rows.size)
        if len(ex) == 2:
            lo, hi = np.minimum(ex[0], ex[1]), np.maximum(ex[0], ex[1])
            k += k >= lo
            k += k >= hi
        elif len(ex) == 1:
            k += k >= ex[0]
        return k

    def _partners_and_offers(self, phi, s1: np.ndarray, may2: np.ndarray):
        """(x1, x2, p1, p2): the partners a search would draw from the pool for the alliances
        searching first (``s1``) and that may search again (``may2``) -- never the protégé's own
        patron, a second search another one than the first -- and their offers."""
        n = self.n_proteges
        own = self.patron_of - self.pool_start
        own = np.where(own >= 0, own, self.pool_size)
        p1 = np.full(n, -1, dtype=np.int64)
        p2 = np.full(n, -1, dtype=np.int64)
        if s1.size:
            p1[s1] = self._draw_partners(s1, [own[s1]])
        if may2.size:
            first = np.where(p1[may2] >= 0, p1[may2], self.pool_size)
            p2[may2] = self._draw_partners(may2, [own[may2], first])
        if self.system is None:
            x1, x2 = self.solver.draw_offers(self.rng, self.eq_r1, _MOVE_NAMES[self.eq_move], phi, self.c,
                                             self.delta, partners=(p1, p2))
        else:
            x1, x2 = self.system.draw_offers(self.rng, self.patron_of, p1, p2)
        return x1, x2, p1, p2

    def step(self) -> None:
        """Play one round in every alliance, then update alliances and collect metrics."""
        t = self.steps
        n = self.n_proteges
        phi = self.phi_process.draw(n, self.rng)
        policy = None
        if self.system is not None:
            policy = self.system.round_policy(self.patron_of, phi, self.c, self.delta)
            system_metrics = self.system.round_metrics(self.patron_of, None if policy is None else policy.believed)
            self.system.count_round(self.patron_of)
        if policy is None:
            self._refresh_equilibria(phi)
        else:
            self.eq_r1[:], self.eq_move[:] = policy.r1, policy.first_move
            self.eq_c[:] = np.nan  # the cache of the paper's equilibria no longer holds
            self.eq_phi[:] = phi  # the phi played (the investment rule 'choose' reads it)
        # The partners a search would draw from the pool (never the protégé's own patron;
        # a second search draws another one), then their offers, then the round.
        s1 = np.flatnonzero(self.eq_move == SEARCH)
        may2 = np.flatnonzero(self.eq_move != ACCEPT)  # may reach period 2 and search again
        if self.system is not None and self.system.spec.offers == "strategic":
            x1, x2, p1, p2 = self.system.strategic_offers(self.rng, self.patron_of, policy, s1, may2)
        else:
            x1, x2, p1, p2 = self._partners_and_offers(phi, s1, may2)
        if policy is None:
            res = play_round(self.eq_r1, self.eq_move, phi, self.c, self.delta, x1, x2, solver=self.solver)
        else:
            res = play_round(self.eq_r1, self.eq_move, phi, self.c, self.delta, x1, x2, solver=self.solver,
                             strategies=policy.strategies, points=policy.points,
                             patron_benefit=policy.patron_benefit)
        if self.system is not None:
            self.system.observe(res.x1, res.x2)  # the offers seen (learned beliefs)
        p2[np.isnan(res.x2)] = -1  # second partners of searches that did not happen
        s2 = np.flatnonzero(p2 >= 0)
        drawn = np.concatenate([p1[s1], p2[s2]]) + self.pool_start
        self.power_drawn += np.bincount(drawn, minlength=self.power_drawn.size)

        acted = res.outcome == ALLIANCE
        broke = res.outcome == BREAKUP
        winner = np.where(res.source == FROM_X1, p1, np.where(res.source == FROM_X2, p2, -1))
        move = res.bargaining_move
        phi_arr = np.broadcast_to(np.asarray(phi, dtype=float), (n,))
        age = t - self.spell_start + 1

        if self.record_events:
            self._record_events(t, res, phi_arr, p1, p2, winner, move)

        # Bookkeeping per protégé and per power.
        self.last_first_move[:] = self.eq_move
        self.last_outcome[:] = res.outcome
        self.last_move[:] = move
        self.protege_payoff_total += res.protege_payoff
        self.protege_breakups += broke
        npow = self.power_acted.size
        self.power_acted += np.bincount(self.patron_of[acted], minlength=npow)
        self.power_contributions += np.bincount(
            self.patron_of[acted], weights=res.contribution[acted], minlength=npow
        )
        self.power_payoff += np.bincount(self.patron_of, weights=res.patron_payoff, minlength=npow)
        self.spell_acted += acted

        metrics = self._round_metrics(res, phi_arr, age, acted, broke)
        if self.system is not None:
            metrics.update(system_metrics)

        # Investment inside alliances that go on, then the breakups.
        new_c = np.asarray(self.investment.update(self.c, acted, self), dtype=float)
        b = np.flatnonzero(broke)
        if b.size:
            self._close_spells(b, t, "breakup")
            new_patron = winner[b] + self.pool_start
            self.power_lost += np.bincount(self.patron_of[b], minlength=npow)
            self.power_won += np.bincount(new_patron, minlength=npow)
            self.patron_of[b] = new_patron
            self.spell_id[b] = np.arange(self._next_spell, self._next_spell + b.size)
            self._next_spell += b.size
            self.spell_start[b] = t + 1
            self.spell_acted[b] = 0
            new_c[b] = self.c_start[b]
            self.spell_c_start[b] = self.c_start[b]
        self.c = new_c

        self._metrics = metrics
        self.datacollector.collect(self)

    def _round_metrics(self, res, phi_arr, age, acted, broke) -> dict[str, float]:
        n = self.n_proteges
        n_acted = int(acted.sum())
        n_broke = int(broke.sum())
        if self._c_quartiles is None or not np.array_equal(self.c, self._c_quartiles[0]):
            self._c_quartiles = (self.c.copy(), _quartiles(self.c))
        q25, q50, q75 = self._c_quartiles[1]
        moves = np.bincount(self.eq_move, minlength=3) / n
        if n_acted:
            contr = res.contribution[acted]
            mean_contr = float(contr.mean())
            gap = float((contr - (phi_arr[acted] - self.protege_benefit)).mean())
        else:
            mean_contr = gap = float("nan")
        return {
            "alliances": n,
            "acted": n_acted,
            "breakups": n_broke,
            "none": int((res.outcome == NONE).sum()),
            "churn_rate": n_broke / n,
            "phi": float(phi_arr.mean()),
            "c_mean": float(self.c.mean()),
            "c_q25": q25,
            "c_median": q50,
            "c_q75": q75,
            "mean_alliance_age": float(age.mean()),
            "share_searching": float((res.searches > 0).mean()),
            "share_accept": float(moves[0]),
            "share_search": float(moves[1]),
            "share_delay": float(moves[2]),
            "mean_contribution": mean_contr,
            "free_riding_gap": gap,
            "mean_protege_payoff": float(res.protege_payoff.mean()),
            "mean_patron_payoff": float(res.patron_payoff.mean()),
        }

    # ------------------------------------------------------------- recording
    def _record_events(self, t, res, phi_arr, p1, p2, winner, move) -> None:
        n = self.n_proteges
        floor = phi_arr - 1.0
        produced = ~np.isnan(res.taken)

        def uid(pos):
            return np.where(pos >= 0, self.power_uid[np.maximum(pos, 0) + self.pool_start], -1)

        self._events.append(
            {
                "step": np.full(n, t, dtype=np.int32),
                "alliance": self.spell_id.copy(),
                "protege": self.protege_uid,
                "patron": self.power_uid[self.patron_of],
                "search_cost": self.c.copy(),
                "phi": phi_arr.copy(),
                "r1": self.eq_r1.copy(),
                "first_move": self.eq_move.copy(),
                "outcome": res.outcome,
                "period": res.period,
                "searches": res.searches,
                "x1": res.x1,
                "x2": res.x2,
                "r2": res.r2,
                "contribution": res.contribution,
                "concession": res.contribution - floor,
                "partner1": uid(p1),
                "partner2": uid(p2),
                "partner": uid(winner),
                "move": move,
                "won": np.where(produced, res.taken - floor, 0.0),
                "protege_payoff": res.protege_payoff,
                "patron_payoff": res.patron_payoff,
            }
        )

    def _close_spells(self, rows: np.ndarray, t: int, how: str) -> None:
        self._spells.append(
            {
                "alliance": self.spell_id[rows].copy(),
                "protege": self.protege_uid[rows],
                "patron": self.power_uid[self.patron_of[rows]],
                "start": self.spell_start[rows].copy(),
                "end": np.full(rows.size, t, dtype=np.int64),
                "c_start": self.spell_c_start[rows].copy(),
                "c_end": self.c[rows].copy(),
                "rounds_acted": self.spell_acted[rows].copy(),
                "ended": np.full(rows.size, how),
            }
        )

    # ---------------------------------------------------------------- output
    def events_table(self):
        """One row per alliance-round as a pyarrow Table (needs ``record_events``)."""
        from agents.tables import events_table

        return events_table(self._events)

    def alliances_table(self):
        """One row per alliance spell, those still running marked ``censored``."""
        from agents.tables import alliances_table

        open_rows = np.arange(self.n_proteges)
        t = self.steps
        still = {
            "alliance": self.spell_id.copy(),
            "protege": self.protege_uid,
            "patron": self.power_uid[self.patron_of],
            "start": self.spell_start.copy(),
            "end": np.full(open_rows.size, t, dtype=np.int64),
            "c_start": self.spell_c_start.copy(),
            "c_end": self.c.copy(),
            "rounds_acted": self.spell_acted.copy(),
            "ended": np.full(open_rows.size, "censored"),
        }
        # alliances formed in the last round have not played yet: they have no spell
        keep = self.spell_start <= t
        still = {k: v[keep] for k, v in still.items()}
        return alliances_table(self._spells + [still])

    def powers_table(self):
        """One row per power (needs a system): role, strength, load at the end, mean load,
        protégés won and lost, offers made, contributions."""
        from agents.tables import powers_table

        if self.system is None:
            raise ValueError("powers_table: the model has no system (no [system] table)")
        return powers_table({
            "power": self.power_uid,
            "role": np.array([type(a).__name__ for a in self.powers]),
            "strength": self.system.strength,
            "load_end": self.system.loads(self.patron_of),
            "mean_load": self.system.mean_loads(),
            "proteges_won": self.power_won,
            "proteges_lost": self.power_lost,
            "offers_made": self.power_drawn,
            "contributions": self.power_contributions,
        })

    def steps_table(self):
        """Per-step metrics (the DataCollector's model variables) as a pyarrow Table."""
        from agents.tables import steps_table

        return steps_table(self.datacollector.get_model_vars_dataframe())


__all__ = ["AllianceModel", "METRICS", "FIRST_MOVES", "OUTCOMES", "MOVES"]
