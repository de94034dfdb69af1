"""The reference agents: one round of the alliance game, one protégé at a time.

This is the readable specification of a round. ``agents.game.play_round`` plays
the same round for every alliance at once with numpy arrays (and
``agents.AllianceModel`` is the population built on it); here every
``ReferenceProtege`` plays its own round in ``step()`` with scalar calls to the
paper's strategy functions (``analytic``), as the agents of Mesa's own examples
do. tests/test_reference_agents.py checks that the two play the same round.

Each round, every protégé plays the two-period game of Fang & Ramsay with its
patron, at production cost phi, discount factor delta and his alliance's search
cost c. The patron's first offer r1 and the protégé's first move are those of
the subgame-perfect equilibrium (``analytic.solve_many``); then:

1. Period 1. The patron offers r1.

   * ``accept``: the alliance acts now; the patron contributes r1.
   * ``search``: the protégé pays c and draws an ad hoc partner from the pool
     (never his own patron), who offers x1 ~ U[0, 1]. He takes the better of
     r1 and x1 now iff it is at least g(x1) = phi - 1 + delta V2(x1)
     (``analytic.protege_reservation_period1``; tie rule: at g he takes it).
     Between equal offers the most recent proposal, x1, wins: x1 >= r1 is a
     breakup, otherwise the alliance acts at r1. If he does not take either,
     the game goes on to period 2 with x1 as a standing offer.
   * ``delay``: the game goes on to period 2 with no outside offer (x1 = 0).

2. Period 2. The patron offers r2 = ``analytic.patron_offer_period2(x1, ...)``.
   The protégé holds the better of r2 and x1 (r2 on a tie: it is the more
   recent proposal). With s_bar = max(x1, r2, phi - 1) he searches again iff
   ``analytic.protege_searches_period2(s_bar, c)`` (s_bar < r*): he pays
   delta c, draws another ad hoc partner (neither his patron nor the first
   one), who offers x2 ~ U[0, 1], and takes x2 if it is at least what he holds
   (ties to x2, the most recent). If what he holds in the end is below
   phi - 1, the free-riding minimum, nothing is produced.

3. Payoffs. With the offer s he produced with, in period t: the protégé gets
   delta^(t-1) (1 - phi + s) minus his search costs, the patron
   delta^(t-1) (1 - s) if the alliance acted and 0 otherwise.

4. After the round. If the alliance acted, the patron's contribution is
   recorded. If the protégé produced with an ad hoc partner (a breakup), the
   alliance ends: that partner is his patron from the next round on, and the
   new alliance's search cost is reset to his starting level (as in
   ``agents.AllianceModel``; the search cost does not move otherwise).

The outside offers are U[0, 1] (the paper's game); the model's rng is the only
source of randomness, so a seed gives the same run.
"""

from __future__ import annotations

import numpy as np
from mesa import Agent, Model
from mesa.datacollection import DataCollector

import analytic
from analytic.params import validate_scalar
from agents.distributions import CostDistribution
from agents.model import METRICS


class ReferencePower(Agent):
    """A state that can lead alliances (a patron or an ad hoc partner); it only keeps score."""

    def __init__(self, model):
        super().__init__(model)
        self.contributions = 0.0  # sum of its contributions in alliances that acted
        self.rounds_acted = 0  # rounds in which one of its alliances acted
        self.payoff = 0.0  # total discounted payoff as a patron
        self.proteges_lost = 0  # protégés who broke up with it


class ReferencePatron(ReferencePower):
    """A power that leads alliances from the start of the run."""


class ReferenceAdHocPartner(ReferencePower):
    """A power in the pool that the protégés' searches draw outside offers from."""

    def __init__(self, model):
        super().__init__(model)
        self.offers_made = 0  # searches that drew it
        self.proteges_won = 0  # protégés who broke up with their patron for it


class ReferenceProtege(Agent):
    """A protégé that plays its own round of the game with its patron in ``step()``."""

    def __init__(self, model, search_cost: float, patron: ReferencePower):
        super().__init__(model)
        self.starting_search_cost = self.search_cost = float(search_cost)
        self.patron = patron
        self.alliance_age = 0  # rounds the current alliance has played
        self.total_payoff = 0.0
        self.breakups = 0
        # last round (None before the first)
        self.last_alliance_age, self.last_search_cost = 0, self.search_cost  # of the alliance that played it
        self.last_first_move = self.last_outcome = None
        self.last_searches = 0
        self.last_contribution = None  # the patron's contribution if the alliance acted
        self.last_payoff = self.last_patron_payoff = 0.0

    def step(self) -> None:
        """Play one round with the patron (steps 1-4 of the module docstring)."""
        m, c = self.model, self.search_cost
        phi, delta = m.phi, m.delta
        r1, first_move = m.first_offer(c)
        self.alliance_age += 1
        self.last_alliance_age, self.last_search_cost = self.alliance_age, c
        self.last_first_move, self.last_searches = first_move, 0
        offer, maker, period, costs = None, None, 1, 0.0  # what he produces with, and who offered it
        x1, partner1 = 0.0, None

        if first_move == "accept":
            offer, maker = r1, self.patron
        elif first_move == "search":
            partner1, x1 = self.search(exclude=(self.patron,))
            costs += c
            if max(r1, x1) >= analytic.protege_reservation_period1(x1, phi, c, delta):
                offer, maker = (x1, partner1) if x1 >= r1 else (r1, self.patron)

        if offer is None:  # period 2, after a delay or a search not cashed in
            period = 2
            r2 = float(analytic.patron_offer_period2(x1, phi, c, delta))
            offer, maker = (r2, self.patron) if r2 >= x1 else (x1, partner1)
            if analytic.protege_searches_period2(max(x1, r2, phi - 1.0), c):
                partner2, x2 = self.search(exclude=(self.patron, partner1))
                costs += delta * c
                if x2 >= offer:
                    offer, maker = x2, partner2
            if offer < phi - 1.0:
                offer, maker = None, None

        self.settle(offer, maker, delta ** (period - 1), costs)

    def search(self, exclude: tuple) -> tuple[ReferenceAdHocPartner, float]:
        """Draw an ad hoc partner (uniformly from the pool, none in ``exclude``) and its offer ~ U[0, 1]."""
        self.last_searches += 1
        pool, rng = self.model.ad_hoc_partners, self.model.rng
        while True:
            partner = pool[int(rng.integers(len(pool)))]
            if partner not in exclude:
                break
        partner.offers_made += 1
        return partner, float(rng.random())

    def settle(self, offer, maker, discount: float, costs: float) -> None:
        """Payoffs of the round and, after a breakup, the new alliance (steps 3 and 4)."""
        phi = self.model.phi
        produced, acted = offer is not None, maker is self.patron
        self.last_outcome = "alliance" if acted else ("breakup" if produced else "none")
        self.last_contribution = offer if acted else None
        self.last_payoff = (discount * (1.0 - phi + offer) if produced else 0.0) - costs
        self.last_patron_payoff = discount * (1.0 - offer) if acted else 0.0
        self.total_payoff += self.last_payoff
        self.patron.payoff += self.last_patron_payoff
        if acted:
            self.patron.contributions += offer
            self.patron.rounds_acted += 1
        elif produced:
            self.patron.proteges_lost += 1
            maker.proteges_won += 1
            self.breakups += 1
            self.patron, self.search_cost, self.alliance_age = maker, self.starting_search_cost, 0


class ReferenceModel(Model):
    """Protégés, patrons and ad hoc partners playing the paper's game, one protégé at a time.

    Args:
        n_proteges: number of protégés (= number of alliances).
        n_patrons: number of patrons; protégé i starts with patron i mod n_patrons.
        n_ad_hoc: size of the pool of ad hoc partners (at least 3).
        c: distribution of the starting search cost across protégés (default: c = 0.02).
        phi: the production cost, in (1, 2).
        delta: the discount factor, in (0, 1].
        rng: seed or numpy Generator; all randomness comes from ``self.rng``.

    Every step each protégé plays one round (``ReferenceProtege.step``) and the
    DataCollector records ``agents.model.METRICS`` of that round.
    """

    def __init__(self, n_proteges: int = 1000, n_patrons: int = 100, n_ad_hoc: int = 100,
                 c: CostDistribution | None = None, phi: float = 1.1, delta: float = 0.99, rng=None):
        super().__init__(rng=rng)
        for name, v, lo in (("n_proteges", n_proteges, 1), ("n_patrons", n_patrons, 1), ("n_ad_hoc", n_ad_hoc, 3)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise ValueError(f"{name}: must be an integer >= {lo}, got {v!r}")
        self.phi, _, self.delta = validate_scalar(phi, 0.0, delta)
        c_dist = c if c is not None else CostDistribution("constant", value=0.02)
        c_start = np.asarray(c_dist.draw(int(n_proteges), self.rng), dtype=float)
        eq = analytic.solve_many(phi=self.phi, c=c_start, delta=self.delta)
        self._first_offers = dict(zip(c_start.tolist(), zip(eq["r1"].tolist(), eq["first_move"].tolist())))
        patrons = [ReferencePatron(self) for _ in range(int(n_patrons))]
        self.ad_hoc_partners = [ReferenceAdHocPartner(self) for _ in range(int(n_ad_hoc))]
        self.proteges = [ReferenceProtege(self, ci, patrons[i % len(patrons)]) for i, ci in enumerate(c_start)]
        self.metrics: dict[str, float] = {}
        self.datacollector = DataCollector(model_reporters={k: (lambda m, k=k: m.metrics[k]) for k in METRICS})

    def first_offer(self, c: float) -> tuple[float, str]:
        """The equilibrium first offer r1 and the protégé's first move at search cost c."""
        if c not in self._first_offers:
            e = analytic.solve(self.phi, c, self.delta)
            self._first_offers[c] = (e.r1, e.first_move)
        return self._first_offers[c]

    def step(self) -> None:
        """Every protégé plays its round (alliances do not interact within a round), then the metrics."""
        self.agents_by_type[ReferenceProtege].do("step")
        self.metrics = self.round_metrics()
        self.datacollector.collect(self)

    def round_metrics(self) -> dict[str, float]:
        """``agents.model.METRICS`` of the round just played (c and ages: of the alliances that played it)."""
        ps, phi = self.proteges, self.phi
        n = len(ps)
        contr = [p.last_contribution for p in ps if p.last_contribution is not None]
        cs = sorted(p.last_search_cost for p in ps)
        breakups = sum(p.last_outcome == "breakup" for p in ps)

        def share(first_move):
            return sum(p.last_first_move == first_move for p in ps) / n

        return {
            "alliances": n,
            "acted": len(contr),
            "breakups": breakups,
            "none": sum(p.last_outcome == "none" for p in ps),
            "churn_rate": breakups / n,
            "phi": phi,
            "c_mean": sum(cs) / n,
            "c_q25": cs[(n - 1) // 4],
            "c_median": cs[(n - 1) // 2],
            "c_q75": cs[3 * (n - 1) // 4],
            "mean_alliance_age": sum(p.last_alliance_age for p in ps) / n,
            "share_searching": sum(p.last_searches > 0 for p in ps) / n,
            "share_accept": share("accept"),
            "share_search": share("search"),
            "share_delay": share("delay"),
            "mean_contribution": sum(contr) / len(contr) if contr else float("nan"),
            "free_riding_gap": sum(x - (phi - 1.0) for x in contr) / len(contr) if contr else float("nan"),
            "mean_protege_payoff": sum(p.last_payoff for p in ps) / n,
            "mean_patron_payoff": sum(p.last_patron_payoff for p in ps) / n,
        }


__all__ = ["ReferenceModel", "ReferenceProtege", "ReferencePower", "ReferencePatron", "ReferenceAdHocPartner"]
