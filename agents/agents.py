"""The three kinds of Mesa agents: protégés, patrons and ad hoc partners.

The model keeps every alliance's state in numpy arrays so that a round can be
played for all alliances at once (see ``agents.game``); each agent is a Mesa
agent whose attributes are read from those arrays. Reading an attribute always
gives the current state; agents do not act one by one.

Roles: a ``Protege`` is always the weaker state of exactly one alliance. A
``Patron`` or an ``AdHocPartner`` ("a power") is the patron of every protégé
allied with it (``proteges``). Ad hoc partners are the pool searches draw from.
When a protégé breaks up to produce with an ad hoc partner, that partner becomes
its patron for the new alliance; it keeps its class, stays in the pool for every
other protégé, and can lead several alliances. The jilted patron keeps its other
protégés. With a system (``agents.system``) every power has a strength, a load and a
valuation (``strength``, ``load``, ``valuation``), and the pool may hold every power.
"""

from __future__ import annotations

import numpy as np
from mesa import Agent

from agents.game import FIRST_MOVES, MOVES, OUTCOMES


class Protege(Agent):
    """A weaker state that plays the alliance game with its patron every round."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def patron(self) -> "Power":
        """The power this protégé is allied with now."""
        return self.model.powers[int(self.model.patron_of[self.index])]

    @property
    def search_cost(self) -> float:
        """The alliance's current search cost c (its institutional integration)."""
        return float(self.model.c[self.index])

    @property
    def starting_search_cost(self) -> float:
        """The level every new alliance of this protégé starts at."""
        return float(self.model.c_start[self.index])

    @property
    def alliance_id(self) -> int:
        return int(self.model.spell_id[self.index])

    @property
    def alliance_age(self) -> int:
        """Rounds the current alliance has been played (0 before its first round)."""
        return int(max(self.model.steps - self.model.spell_start[self.index] + 1, 0))

    @property
    def last_first_move(self) -> str | None:
        code = self.model.last_first_move[self.index]
        return FIRST_MOVES[code] if code >= 0 else None

    @property
    def last_outcome(self) -> str | None:
        code = self.model.last_outcome[self.index]
        return OUTCOMES[code] if code >= 0 else None

    @property
    def last_move(self) -> str | None:
        """Last round's bargaining move: cooperate, delay, court_outsiders or exit."""
        code = self.model.last_move[self.index]
        return MOVES[code] if code >= 0 else None

    @property
    def total_payoff(self) -> float:
        return float(self.model.protege_payoff_total[self.index])

    @property
    def breakups(self) -> int:
        return int(self.model.protege_breakups[self.index])


class Power(Agent):
    """A state that can lead alliances: base class of Patron and AdHocPartner."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index  # position in the model's power arrays

    @property
    def proteges(self) -> list[Protege]:
        """The protégés allied with this power now."""
        idx = np.flatnonzero(self.model.patron_of == self.index)
        return [self.model.proteges[i] for i in idx]

    @property
    def contributions(self) -> float:
        """Sum of the contributions it made in alliances that acted."""
        return float(self.model.power_contributions[self.index])

    @property
    def rounds_acted(self) -> int:
        """Rounds in which one of its alliances acted."""
        return int(self.model.power_acted[self.index])

    @property
    def payoff(self) -> float:
        """Its total discounted payoff as a patron."""
        return float(self.model.power_payoff[self.index])

    @property
    def proteges_lost(self) -> int:
        """How many protégés broke up with it."""
        return int(self.model.power_lost[self.index])

    @property
    def offers_made(self) -> int:
        """How many searches drew this power (only pool members are drawn)."""
        return int(self.model.power_drawn[self.index])

    @property
    def proteges_won(self) -> int:
        """How many protégés broke up with their patron for this power."""
        return int(self.model.power_won[self.index])

    @property
    def strength(self) -> float:
        """b_j: its valuation of a protégé at no load (1 without a system: the paper's)."""
        system = self.model.system
        return 1.0 if system is None else float(system.strength[self.index])

    @property
    def load(self) -> int:
        """n_j: the protégés it leads now."""
        return int(np.count_nonzero(self.model.patron_of == self.index))

    @property
    def valuation(self) -> float:
        """v_j = b_j / (1 + load_discount n_j): its valuation of one more protégé (1 without a system)."""
        system = self.model.system
        if system is None:
            return 1.0
        return float(system.valuations(system.loads(self.model.patron_of))[self.index])


class Patron(Power):
    """A power that leads alliances from the start of the run."""


class AdHocPartner(Power):
    """A power in the pool that protégés' searches draw outside offers from."""
