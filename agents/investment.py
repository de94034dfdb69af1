"""Institutional investment: how each alliance's search cost c moves between rounds.

A rule is a small class registered under a name with :func:`register_rule`.
Scenarios name the rule (``investment.rule``) and give its parameters, which
``PARAMS`` declares (name -> (lowest, highest, default)) so that scenario files
are validated before anything runs. The model calls :meth:`InvestmentRule.update`
once per round, after the round is played, with whole arrays; a rule must be
vectorized. A breakup always starts a new alliance at the protégé's starting
level ``c_start`` -- rules only decide what happens inside an alliance.
"""

from __future__ import annotations

import numpy as np

#: name -> rule class
INVESTMENT_RULES: dict[str, type["InvestmentRule"]] = {}


def register_rule(name: str):
    """Class decorator: make a rule available to scenarios under ``name``."""

    def deco(cls):
        cls.name = name
        INVESTMENT_RULES[name] = cls
        return cls

    return deco


def make_rule(name: str, **params) -> "InvestmentRule":
    """Build the rule ``name`` with its parameters (defaults filled in, ranges checked)."""
    if name not in INVESTMENT_RULES:
        raise ValueError(f"investment.rule: unknown rule {name!r}; allowed: {sorted(INVESTMENT_RULES)}")
    cls = INVESTMENT_RULES[name]
    unknown = sorted(set(params) - set(cls.PARAMS))
    if unknown:
        allowed = sorted(cls.PARAMS) or "no parameters"
        raise ValueError(f"investment.{unknown[0]}: unknown parameter for rule {name!r}; allowed: {allowed}")
    values = {}
    for key, (lo, hi, default) in cls.PARAMS.items():
        v = params.get(key, default)
        if v is None:
            raise ValueError(f"investment.{key}: required for rule {name!r}; a number in [{lo}, {hi}]")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"investment.{key}: must be a number in [{lo}, {hi}], got {v!r}")
        if not lo <= float(v) <= hi:
            raise ValueError(f"investment.{key}: must be in [{lo}, {hi}], got {v!r}")
        values[key] = float(v)
    return cls(**values)


class InvestmentRule:
    """Base class. Subclasses set ``PARAMS`` and implement :meth:`update`."""

    name = "base"
    PARAMS: dict[str, tuple[float, float, float | None]] = {}

    def __init__(self, **params):
        self.params = dict(params)

    def update(self, c: np.ndarray, acted: np.ndarray, model) -> np.ndarray:
        """Search costs after this round for alliances that go on.

        ``c`` is this round's search cost per alliance, ``acted`` whether the
        alliance acted together this round. Returns a new array (breakups are
        reset by the model afterwards).
        """
        raise NotImplementedError

    def describe(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.name}({args})" if args else self.name


@register_rule("none")
class NoInvestment(InvestmentRule):
    """c stays at its level from the alliance's formation."""

    PARAMS = {}

    def update(self, c, acted, model):
        return c


@register_rule("accumulate")
class Accumulate(InvestmentRule):
    """Each round the alliance acts together, c grows by ``step``, up to ``cap``."""

    PARAMS = {"step": (0.0, 0.5, None), "cap": (0.0, 0.5, None)}

    def update(self, c, acted, model):
        step, cap = self.params["step"], self.params["cap"]
        grow = acted & (c < cap)
        return np.where(grow, np.minimum(c + step, cap), c)
