"""Distributions of the search cost c across alliances and of the production cost phi.

Small value objects built by ``scenarios.scenario`` (or by hand) and handed to
:class:`agents.model.AllianceModel`. Every draw uses the generator passed in,
which is the model's ``rng``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CostDistribution:
    """How the starting search cost c is spread across the population's protégés.

    kinds:
      * ``constant``: every protégé gets ``value``.
      * ``uniform``: U[low, high].
      * ``evenly``: ``low`` to ``high`` in equal steps across the protégés
        (a deterministic grid, shuffled over protégés by the rng).
      * ``beta``: ``low + (high - low) * Beta(a, b)``.
      * ``groups``: a share ``weights[k]`` of protégés gets ``values[k]``
        (counts rounded, the remainder to the last group), shuffled.
    """

    kind: str = "constant"
    value: float = 0.0
    low: float = 0.0
    high: float = 0.0
    a: float = 1.0
    b: float = 1.0
    values: tuple = ()
    weights: tuple = ()

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n starting search costs."""
        if self.kind == "constant":
            return np.full(n, float(self.value))
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high, size=n)
        if self.kind == "evenly":
            return rng.permutation(np.linspace(self.low, self.high, n))
        if self.kind == "beta":
            return self.low + (self.high - self.low) * rng.beta(self.a, self.b, size=n)
        if self.kind == "groups":
            w = np.asarray(self.weights, dtype=float)
            w = w / w.sum()
            counts = np.floor(w * n).astype(int)
            counts[-1] += n - counts.sum()
            return rng.permutation(np.repeat(np.asarray(self.values, dtype=float), counts))
        raise ValueError(f"c.dist: unknown kind {self.kind!r}; allowed: constant, uniform, evenly, beta, groups")

    def describe(self) -> str:
        """One line for summaries."""
        if self.kind == "constant":
            return f"c = {self.value:g}"
        if self.kind in ("uniform", "evenly"):
            return f"c {self.kind} on [{self.low:g}, {self.high:g}]"
        if self.kind == "beta":
            return f"c = {self.low:g} + {self.high - self.low:g} * Beta({self.a:g}, {self.b:g})"
        return "c in groups " + ", ".join(f"{v:g} ({w:g})" for v, w in zip(self.values, self.weights))


@dataclass(frozen=True)
class PhiProcess:
    """The production cost phi in (1, 2): fixed, or redrawn every round.

    ``kind`` is ``constant`` (``value``), ``uniform`` (U[low, high]) or ``beta``
    (``low + (high - low) * Beta(a, b)``). ``per`` says who shares a draw:
    ``round`` (one draw per round for every alliance) or ``alliance`` (each
    alliance its own draw every round).
    """

    kind: str = "constant"
    value: float = 1.1
    low: float = 1.0
    high: float = 2.0
    a: float = 1.0
    b: float = 1.0
    per: str = "round"

    @property
    def constant(self) -> bool:
        return self.kind == "constant"

    def draw(self, n: int, rng: np.random.Generator):
        """This round's phi: a float (constant or per round) or an array of n."""
        if self.kind == "constant":
            return float(self.value)
        size = None if self.per == "round" else n
        if self.kind == "uniform":
            x = rng.uniform(self.low, self.high, size=size)
        elif self.kind == "beta":
            x = self.low + (self.high - self.low) * rng.beta(self.a, self.b, size=size)
        else:
            raise ValueError(f"phi.dist: unknown kind {self.kind!r}; allowed: constant, uniform, beta")
        return float(x) if size is None else x

    def describe(self) -> str:
        if self.kind == "constant":
            return f"phi = {self.value:g}"
        if self.kind == "uniform":
            return f"phi ~ U[{self.low:g}, {self.high:g}] per {self.per}"
        return f"phi = {self.low:g} + {self.high - self.low:g} * Beta({self.a:g}, {self.b:g}) per {self.per}"
