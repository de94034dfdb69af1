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
    unknown = sorted(set(params) - set(cls.PARAMS) - set(cls.CHOICES))
    if unknown:
        allowed = sorted(set(cls.PARAMS) | set(cls.CHOICES)) or "no parameters"
        raise ValueError(f"investment.{unknown[0]}: unknown parameter for rule {name!r}; allowed: {allowed}")
    values = {}
    for key, options in cls.CHOICES.items():
        v = params.get(key, options[0])
        if v not in options:
            raise ValueError(f"investment.{key}: must be one of {', '.join(options)}, got {v!r}")
        values[key] = v
    for key, (lo, hi, default) in cls.PARAMS.items():
        v = params.get(key, default)
        if v is None:
            raise ValueError(f"investment.{key}: required for rule {name!r}; a number in [{lo}, {hi}]")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"investment.{key}: must be a number in [{lo}, {hi}], got {v!r}")
        if not lo <= float(v) <= hi:
            raise ValueError(f"investment.{key}: must be in [{lo}, {hi}], got {v!r}")
        if key in cls.INTEGERS and float(v) != int(v):
            raise ValueError(f"investment.{key}: must be an integer in [{lo}, {hi}], got {v!r}")
        values[key] = int(v) if key in cls.INTEGERS else float(v)
    return cls(**values)


class InvestmentRule:
    """Base class. Subclasses set ``PARAMS`` and implement :meth:`update`."""

    name = "base"
    PARAMS: dict[str, tuple[float, float, float | None]] = {}
    #: string parameters: name -> allowed values (the first is the default)
    CHOICES: dict[str, tuple[str, ...]] = {}
    #: names in PARAMS that must be whole numbers
    INTEGERS: frozenset[str] = frozenset()

    def __init__(self, **params):
        self.params = dict(params)

    def update(self, c: np.ndarray, acted: np.ndarray, model) -> np.ndarray:
        """Search costs after this round for alliances that go on.

        ``c`` is this round's search cost per alliance, ``acted`` whether the
        alliance acted together this round. Returns a new array (breakups are
        reset by the model afterwards).
        """
        raise NotImplementedError

    #: True where `initial_c` sets the starting c itself (the scenario's search_cost is then unused)
    chooses_initial_c: bool = False

    def initial_c(self, c_start: np.ndarray, model) -> np.ndarray:
        """The search cost a new alliance starts at (default: the scenario's draw ``c_start``)."""
        return c_start

    def describe(self) -> str:
        args = ", ".join(f"{k}={v}" if isinstance(v, str) else f"{k}={v:g}" for k, v in self.params.items())
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


def phi_prior_mean(process) -> float:
    """The mean of a scenario's phi process (the prior belief before any round is seen)."""
    if process.kind == "constant":
        return float(process.value)
    if process.kind == "uniform":
        return 0.5 * (process.low + process.high)
    return process.low + (process.high - process.low) * process.a / (process.a + process.b)


@register_rule("choose")
class ChooseIntegration(InvestmentRule):
    """Extension 2: the alliance's members choose c in [c_low, c_high] from the phi they have seen.

    ``chooser`` is 'protege', 'patron' or 'joint' (Nash product); see
    :mod:`analytic.integration`. A new alliance starts at the c chosen for the prior
    (the phi process's mean); every ``every`` rounds of its life it re-chooses from the
    phi of its last ``memory`` rounds (fewer if it is younger), equally weighted. Needs phi
    constant or drawn once per round (then every alliance of the same age shares a belief):
    choices are made once per distinct belief, vectorized, and cached.

    With an alliance system (``agents.system``) each alliance chooses against the outside
    options it believes, F_i,t with its patron's benefit (`PowerSystem.options`): at formation
    those before the first round, later those of the round it has just played (before that
    round's breakups move protégés); the paper's U[0, 1] while the system's options are the
    paper's. A new alliance after a breakup starts, as without a system, at its protégé's
    starting c (chosen against his first patron's options) until it re-chooses.
    """

    CHOICES = {"chooser": ("protege", "patron", "joint")}
    PARAMS = {
        "c_low": (0.0, 0.5, 0.0),
        "c_high": (0.0, 0.5, 0.1),
        "memory": (1, 10000, 10),
        "every": (1, 10000, 1),
        "grid": (11, 20001, 2001),
    }
    INTEGERS = frozenset({"memory", "every", "grid"})
    _CACHE_MAX = 100_000

    def __init__(self, **params):
        super().__init__(**params)
        if self.params["c_high"] < self.params["c_low"]:
            raise ValueError(f"investment.c_high: must be >= c_low ({self.params['c_low']:g}),"
                             f" got {self.params['c_high']!r}")
        self.history: list[float] = []  # phi of each round played so far
        self._cache: dict[tuple, float] = {}

    def choose_against(self, beliefs: list[tuple[float, ...]], options, delta: float) -> np.ndarray:
        """The chosen c for each alliance, from its phi belief (a tuple of phi values, equally
        weighted) and its options (F, row, b) (`agents.system.PowerSystem.options`; None: the
        paper's U[0, 1] for all)."""
        if options is None:
            return self.choose(beliefs, delta)
        from analytic.integration import choose_many

        F, row, b = options
        # one key per (phi belief, believed F row, patron benefit); cached by the F row's values
        phis = [tuple(sorted(set(bel))) + tuple(sorted(bel).count(x) for x in sorted(set(bel))) for bel in beliefs]
        keys = [(ph, F.knots[r].tobytes(), F.values[r].tobytes(), float(bb), float(delta))
                for ph, r, bb in zip(phis, row.tolist(), b.tolist())]
        first = {}
        for i, k in enumerate(keys):
            if k not in self._cache and k not in first:
                first[k] = i
        if first:
            if len(self._cache) > self._CACHE_MAX:
                self._cache.clear()
            idx = np.array(list(first.values()))
            mk = np.unique(np.stack([row[idx], np.searchsorted(np.unique(b), b[idx])]), axis=1, return_inverse=True)
            pairs, market = mk[0], mk[1].ravel()
            p = self.params
            bel = [(np.array(beliefs[i], dtype=float), None) for i in idx]
            cs = choose_many(bel, delta, p["chooser"], p["c_low"], p["c_high"], p["grid"],
                             options=F.take(pairs[0]), patron_benefit=np.unique(b)[pairs[1]], market=market)[0]
            self._cache.update(zip(first, cs.tolist()))
        return np.array([self._cache[k] for k in keys], dtype=float)

    def choose(self, beliefs: list[tuple[float, ...]], delta: float) -> np.ndarray:
        """The chosen c for each belief (a tuple of phi values, equally weighted)."""
        from analytic.integration import choose_many

        keys = [(tuple(sorted(b)), float(delta)) for b in beliefs]
        missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            if len(self._cache) > self._CACHE_MAX:
                self._cache.clear()
            p = self.params
            cs = choose_many([(np.array(k[0]), None) for k in missing], delta, p["chooser"],
                             p["c_low"], p["c_high"], p["grid"])[0]
            self._cache.update(zip(missing, cs.tolist()))
        return np.array([self._cache[k] for k in keys], dtype=float)

    chooses_initial_c = True

    def initial_c(self, c_start, model):
        proc = model.phi_process
        if proc.kind != "constant" and proc.per != "round":
            raise ValueError("investment.rule: 'choose' needs game.phi constant or drawn per round"
                             " (per = 'round'), got per = 'alliance'")
        self.history = []
        system = getattr(model, "system", None)
        options = None if system is None else system.options(model.patron_of)
        if options is None:
            c0 = self.choose([(phi_prior_mean(proc),)], model.delta)[0]
            return np.full(np.shape(c_start), c0)
        return self.choose_against([(phi_prior_mean(proc),)] * model.n_proteges, options, model.delta)

    def update(self, c, acted, model):
        self.history.append(float(model.eq_phi[0]))  # this round's phi (the same for all)
        age = model.steps - model.spell_start + 1    # rounds played in this alliance
        due = np.flatnonzero(age % self.params["every"] == 0)
        if due.size == 0:
            return c
        seen = np.minimum(np.minimum(age[due], self.params["memory"]), len(self.history))
        new = np.array(c, dtype=float, copy=True)
        system = getattr(model, "system", None)
        options = None if system is None else system.played
        if options is not None:
            F, row, b = options
            new[due] = self.choose_against([tuple(self.history[-L:]) for L in seen.tolist()],
                                           (F, row[due], b[due]), model.delta)
            return new
        lengths = np.unique(seen)
        chosen = self.choose([tuple(self.history[-L:]) for L in lengths.tolist()], model.delta)
        new[due] = chosen[np.searchsorted(lengths, seen)]
        return new
