"""Scenario files: a population experiment written down as TOML, checked on load.

A scenario names the population sizes, how the search cost c is spread across
the alliances, the production cost phi (fixed or redrawn each round), the
discount factor delta, the investment rule, the number of rounds and the seed.
Every key is checked before anything runs: an unknown key, a wrong type or a
value out of range raises ``ValueError`` with one line naming the file, the key
and what is allowed. See ``scenarios/baseline.toml`` for a commented example.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from agents.distributions import CostDistribution, PhiProcess
from agents.investment import INVESTMENT_RULES, make_rule

SCENARIO_DIR = Path(__file__).resolve().parent

# key -> (type name, check, allowed text) for the simple keys of each table
_TOP_KEYS = ("name", "description", "seed", "rounds", "population", "search_cost", "game", "investment", "output",
             "outsiders", "bargaining", "calibration", "system")
_POPULATION_KEYS = ("proteges", "patrons", "ad_hoc_partners")
_COST_KINDS = {
    "constant": ("value",),
    "uniform": ("low", "high"),
    "evenly": ("low", "high"),
    "beta": ("low", "high", "a", "b"),
    "groups": ("values", "weights"),
}
_PHI_KINDS = {
    "constant": ("value",),
    "uniform": ("low", "high", "per"),
    "beta": ("low", "high", "a", "b", "per"),
}
_GAME_KEYS = ("delta", "phi")
_OUTPUT_KEYS = ("events", "tables")
#: [output] tables: which of a run's tables a sweep keeps (scenarios.run.sweep)
OUTPUT_TABLES = ("all", "steps", "summary")
# [outsiders]: how ad hoc partners' offers are made (extension 4: any distribution on [0, 1];
# extension 1: k strategic outsiders per search with valuations ~ dist, or truthful ones)
_OUTSIDER_MODELS = {"uniform": (), "distribution": ("dist", "params"),
                    "strategic": ("k", "dist", "params", "truthful")}
# [bargaining]: how the good's value is divided with the ally and with an ad hoc partner (extension 3)
_BARGAINING_KEYS = ("ally", "ad_hoc")
_PROTOCOLS = {"nash": ("weight", "pie"),
              "alternating": ("discount_protege", "discount_partner", "first", "pie")}
# [calibration]: how the model meets data (ATOP); years_per_round puts a run's rounds on the calendar,
# the others say what `alliances calibrate` fits, to what and how (scenarios.studies.calibration)
_CALIBRATION_KEYS = ("years_per_round", "parameters", "target", "distance", "points", "refine", "replications",
                     "bootstrap", "age_bin")
#: [calibration] keys with their defaults when a parameters table is given; target's keys and values
CALIBRATION_DEFAULTS = {"distance": "likelihood", "points": 32, "refine": 2, "replications": 2, "bootstrap": 200,
                        "age_bin": 5.0}
_TARGET_KEYS = {"group_by": ("milinst", "all"), "endpoint": ("violated", "any")}
_DISTANCES = ("likelihood",)
#: keys a calibration may not fit (integers, or the seed the common random numbers come from)
_NOT_FITTED = ("seed", "rounds", "population")
#: years per round when a scenario's [calibration] table does not say
DEFAULT_YEARS_PER_ROUND = 1.0
# [system]: outside offers made by the population of powers (issue 11; agents.system)
_SYSTEM_KEYS = ("strength", "load_discount", "offers", "k", "beliefs", "memory", "patron_benefit", "pool",
                "prior_weight")
_STRENGTH_KINDS = ("constant", "uniform", "beta", "groups")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario; :meth:`build_model` makes the Mesa model it describes."""

    name: str
    path: str
    description: str
    seed: int
    rounds: int
    n_proteges: int
    n_patrons: int
    n_ad_hoc: int
    search_cost: CostDistribution
    phi: PhiProcess
    delta: float
    investment_rule: str
    investment_params: dict = field(default_factory=dict)
    record_events: bool = True
    outsiders: dict = field(default_factory=lambda: {"model": "uniform"})
    bargaining: dict = field(default_factory=dict)
    years_per_round: float = DEFAULT_YEARS_PER_ROUND
    #: what `alliances calibrate` fits (the [calibration] table's parameters, target, ... checked,
    #: defaults filled in); empty when the table names no parameters
    calibration: dict = field(default_factory=dict)
    system: Any = None  # an agents.system.SystemSpec, or None (no [system] table)
    #: which tables a sweep keeps of each run: "all", "steps" (steps.parquet) or "summary" (none)
    output_tables: str = "all"

    def benefits(self):
        """What the good is worth to each side after the bargaining (`analytic.bargaining.Benefits`)."""
        from analytic.division import benefits_of

        return benefits_of(self.bargaining)

    def solver(self):
        """The solver the agents play (`analytic.make_solver` of the [outsiders] and [bargaining] tables)."""
        from analytic import make_solver

        return make_solver(self.outsiders, self.bargaining)

    def with_overrides(self, seed: int | None = None, rounds: int | None = None) -> "Scenario":
        """The same scenario with another seed and/or number of rounds (checked like the file's)."""
        changes: dict[str, Any] = {}
        for attr, flag, value, lo in (("seed", "--seed", seed, 0), ("rounds", "--rounds/--steps", rounds, 1)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < lo:
                raise ValueError(f"{flag}: must be an integer >= {lo}, got {value!r}")
            changes[attr] = int(value)
        return replace(self, **changes)

    def model_kwargs(self, record_events: bool | None = None, rng=None) -> dict:
        """AllianceModel's arguments for this scenario, seeded with ``self.seed`` (or ``rng``);
        ``system`` only if the scenario has a [system] table."""
        kwargs = dict(
            n_proteges=self.n_proteges,
            n_patrons=self.n_patrons,
            n_ad_hoc=self.n_ad_hoc,
            c=self.search_cost,
            phi=self.phi,
            delta=self.delta,
            investment=make_rule(self.investment_rule, **self.investment_params),
            record_events=self.record_events if record_events is None else record_events,
            rng=self.seed if rng is None else rng,
            solver=self.solver(),
        )
        if self.system is not None:
            kwargs["system"] = self.system
        return kwargs

    def build_model(self, record_events: bool | None = None, rng=None):
        """The AllianceModel for this scenario, seeded with ``self.seed`` (or ``rng``)."""
        from agents.model import AllianceModel

        return AllianceModel(**self.model_kwargs(record_events, rng))

    def describe(self) -> list[str]:
        """Lines for the run summary."""
        rule = make_rule(self.investment_rule, **self.investment_params)
        inv = rule.describe()
        cost = ("c chosen by the investment rule at formation" if rule.chooses_initial_c
                else self.search_cost.describe())
        return [
            f"scenario {self.name} ({self.path})",
            f"  {self.n_proteges} protégés, {self.n_patrons} patrons, {self.n_ad_hoc} ad hoc partners;"
            f" {self.rounds} rounds; seed {self.seed}",
            f"  {cost}; {self.phi.describe()}; delta = {self.delta:g}; investment {inv}",
        ] + ([] if self.outsiders.get("model", "uniform") == "uniform" and self.benefits().is_paper
             else [f"  {self.solver().describe()}"]) + ([] if self.system is None else [f"  {self.system.describe()}"])


# ------------------------------------------------------------------ checks
def _fail(path: str, key: str, msg: str) -> None:
    raise ValueError(f"{path}: {key}: {msg}")


def is_number(v) -> bool:
    """A finite int or float (not a bool): what a numeric key of a scenario or sweep file accepts."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _integer(path, key, v, lo, hi=None) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v > hi):
        allowed = f"an integer >= {lo}" if hi is None else f"an integer in [{lo}, {hi}]"
        _fail(path, key, f"must be {allowed}, got {v!r}")
    return int(v)


def _number(path, key, v, lo=None, hi=None, lo_open=False, hi_open=False, or_table=False) -> float:
    lb = "(" if lo_open else "["
    rb = ")" if hi_open else "]"
    allowed = f"a number in {lb}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{rb}"
    if or_table:
        allowed += " or a table { dist = ... }"
    if not is_number(v):
        _fail(path, key, f"must be {allowed}, got {v!r}")
    ok = True
    if lo is not None:
        ok &= v > lo if lo_open else v >= lo
    if hi is not None:
        ok &= v < hi if hi_open else v <= hi
    if not ok:
        _fail(path, key, f"must be {allowed}, got {v!r}")
    return float(v)


def _table(path, key, v) -> dict:
    if not isinstance(v, dict):
        _fail(path, key, f"must be a table, got {v!r}")
    return v


def _known(path, prefix, table: dict, allowed) -> None:
    for k in table:
        if k not in allowed:
            _fail(path, f"{prefix}{k}", f"unknown key; allowed: {', '.join(allowed)}")


def _cost_distribution(path, spec, key="search_cost", kinds=tuple(_COST_KINDS)) -> CostDistribution:
    if not isinstance(spec, dict):  # a number, or something that is neither
        return CostDistribution("constant", value=_number(path, key, spec, 0.0, or_table=True))
    spec = _table(path, key, spec)
    kind = spec.get("dist")
    if kind not in kinds:
        _fail(path, f"{key}.dist", f"must be one of {', '.join(kinds)}, got {kind!r}")
    allowed = ("dist",) + _COST_KINDS[kind]
    _known(path, f"{key}.", spec, allowed)
    for k in _COST_KINDS[kind]:
        if k not in spec:
            _fail(path, f"{key}.{k}", f"required for dist = {kind!r} (keys: {', '.join(_COST_KINDS[kind])})")
    if kind == "constant":
        return CostDistribution("constant", value=_number(path, f"{key}.value", spec["value"], 0.0))
    if kind == "groups":
        values, weights = spec["values"], spec["weights"]
        if not isinstance(values, list) or not values:
            _fail(path, f"{key}.values", f"must be a non-empty list of numbers >= 0, got {values!r}")
        if not isinstance(weights, list) or len(weights) != len(values):
            _fail(path, f"{key}.weights", f"must be a list of {len(values)} positive numbers (one per value), got {weights!r}")
        vs = tuple(_number(path, f"{key}.values", v, 0.0) for v in values)
        ws = tuple(_number(path, f"{key}.weights", w, 0.0, lo_open=True) for w in weights)
        return CostDistribution("groups", values=vs, weights=ws)
    low = _number(path, f"{key}.low", spec["low"], 0.0)
    high = _number(path, f"{key}.high", spec["high"], 0.0)
    if high < low:
        _fail(path, f"{key}.high", f"must be >= low ({low:g}), got {high!r}")
    if kind == "beta":
        a = _number(path, f"{key}.a", spec["a"], 0.0, lo_open=True)
        b = _number(path, f"{key}.b", spec["b"], 0.0, lo_open=True)
        return CostDistribution("beta", low=low, high=high, a=a, b=b)
    return CostDistribution(kind, low=low, high=high)


def _phi_process(path, spec) -> PhiProcess:
    key = "game.phi"
    if not isinstance(spec, dict):  # a number, or something that is neither
        return PhiProcess("constant", value=_number(path, key, spec, 1.0, 2.0, True, True, or_table=True))
    spec = _table(path, key, spec)
    kind = spec.get("dist")
    if kind not in _PHI_KINDS:
        _fail(path, f"{key}.dist", f"must be one of {', '.join(_PHI_KINDS)}, got {kind!r}")
    _known(path, f"{key}.", spec, ("dist",) + _PHI_KINDS[kind])
    for k in _PHI_KINDS[kind]:
        if k not in spec and k != "per":
            _fail(path, f"{key}.{k}", f"required for dist = {kind!r}")
    if kind == "constant":
        return PhiProcess("constant", value=_number(path, f"{key}.value", spec["value"], 1.0, 2.0, True, True))
    low = _number(path, f"{key}.low", spec["low"], 1.0, 2.0, True, True)
    high = _number(path, f"{key}.high", spec["high"], 1.0, 2.0, True, True)
    if high < low:
        _fail(path, f"{key}.high", f"must be >= low ({low:g}), got {high!r}")
    per = spec.get("per", "round")
    if per not in ("round", "alliance"):
        _fail(path, f"{key}.per", f"must be 'round' (one draw a round for all) or 'alliance' (one each), got {per!r}")
    if kind == "beta":
        a = _number(path, f"{key}.a", spec["a"], 0.0, lo_open=True)
        b = _number(path, f"{key}.b", spec["b"], 0.0, lo_open=True)
        return PhiProcess("beta", low=low, high=high, a=a, b=b, per=per)
    return PhiProcess("uniform", low=low, high=high, per=per)


def _outsiders(path, spec) -> dict:
    key = "outsiders"
    spec = _table(path, key, spec)
    model = spec.get("model", "uniform")
    if model not in _OUTSIDER_MODELS:
        _fail(path, f"{key}.model", f"must be one of {', '.join(_OUTSIDER_MODELS)}, got {model!r}")
    _known(path, f"{key}.", spec, ("model",) + _OUTSIDER_MODELS[model])
    if model == "uniform":
        return {"model": "uniform"}
    if model == "strategic":
        n_out = _integer(path, f"{key}.k", spec.get("k", 1), 1, 10)
        truthful = spec.get("truthful", False)
        if not isinstance(truthful, bool):
            _fail(path, f"{key}.truthful", f"must be true or false, got {truthful!r}")
        dist = spec.get("dist", "uniform")
    else:
        dist = spec.get("dist")
    if not isinstance(dist, str) or not dist:
        _fail(path, f"{key}.dist", f"required for model = 'distribution': a scipy.stats name such as 'beta', got {dist!r}")
    params = _table(path, f"{key}.params", spec.get("params", {}))
    for k, v in params.items():
        if not is_number(v):
            _fail(path, f"{key}.params.{k}", f"must be a number, got {v!r}")
    from analytic.general import make_distribution

    try:
        make_distribution(dist, **params)
    except ValueError as e:
        _fail(path, f"{key}.dist", str(e))
    params = {k: float(v) for k, v in params.items()}
    if model == "strategic":
        return {"model": "strategic", "k": n_out, "truthful": truthful, "dist": dist, "params": params}
    return {"model": "distribution", "dist": dist, "params": params}


def _bargaining(path, spec, phi: PhiProcess, outsiders: dict) -> dict:
    from analytic.division import benefits_of, make_division

    key = "bargaining"
    spec = _table(path, key, spec)
    _known(path, f"{key}.", spec, _BARGAINING_KEYS)
    out = {}
    for who in _BARGAINING_KEYS:
        if who not in spec:
            continue
        t = _table(path, f"{key}.{who}", spec[who])
        protocol = t.get("protocol")
        if protocol not in _PROTOCOLS:
            _fail(path, f"{key}.{who}.protocol", f"must be one of {', '.join(_PROTOCOLS)}, got {protocol!r}")
        _known(path, f"{key}.{who}.", t, ("protocol",) + _PROTOCOLS[protocol])
        for k, v in t.items():
            if k not in ("protocol", "first") and not is_number(v):
                _fail(path, f"{key}.{who}.{k}", f"must be a number, got {v!r}")
        t = {k: (float(v) if k not in ("protocol", "first") else v) for k, v in t.items()}
        try:
            make_division(t)
        except ValueError as e:
            _fail(path, f"{key}.{who}", str(e))
        out[who] = t
    benefits = benefits_of(out)
    if out and outsiders.get("model") == "strategic":
        _fail(path, key, "cannot be combined with outsiders.model = 'strategic' (not solved)")
    lo, hi = (phi.value, phi.value) if phi.constant else (phi.low, phi.high)
    try:
        benefits.check([lo, hi])
    except ValueError as e:
        _fail(path, key, f"game.phi: {e}")
    return out


def _system(path, spec, outsiders: dict, bargaining: dict):
    from agents.system import SystemSpec

    key = "system"
    spec = _table(path, key, spec)
    _known(path, f"{key}.", spec, _SYSTEM_KEYS)
    if outsiders.get("model", "uniform") != "uniform" or bargaining:
        _fail(path, key, "cannot be combined with [outsiders] or [bargaining]: the powers make the outside offers"
                         " of the paper's game")
    args = {}
    if "strength" in spec:
        args["strength"] = _cost_distribution(path, spec["strength"], f"{key}.strength", _STRENGTH_KINDS)
    for k in ("load_discount", "prior_weight"):
        if k in spec:
            args[k] = _number(path, f"{key}.{k}", spec[k], 0.0)
    for k in ("k", "memory"):
        if k in spec:
            args[k] = _integer(path, f"{key}.{k}", spec[k], 1)
    for k in ("offers", "beliefs", "patron_benefit", "pool"):
        if k in spec:
            args[k] = spec[k]
    try:
        return SystemSpec(**args)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def get_key(data: dict, key: str):
    """The value a dotted scenario key names in parsed TOML ``data`` (a number part indexes a list:
    ``search_cost.values.1``); KeyError if there is none."""
    node = data
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(key)
    return node


def set_key(data: dict, key: str, value) -> None:
    """Set the value ``key`` names in ``data`` (it must exist: ``get_key``)."""
    parent, _, last = key.rpartition(".")
    node = get_key(data, parent) if parent else data
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def calibration_run_data(data: dict) -> dict:
    """``data`` with its [calibration] table reduced to years_per_round: what one run of a fit needs."""
    import copy

    out = copy.deepcopy(data)
    table = out.get("calibration", {})
    out["calibration"] = {k: v for k, v in table.items() if k == "years_per_round"}
    return out


def _calibration(path, table: dict, data: dict, c: CostDistribution) -> dict:
    """The checked fitting part of a [calibration] table ({} without parameters), defaults filled in."""
    extra = [k for k in table if k != "years_per_round"]
    if not extra:
        return {}
    if "parameters" not in table:
        _fail(path, f"calibration.{extra[0]}", "needs calibration.parameters (the keys to fit, KEY = [low, high])")
    params = _table(path, "calibration.parameters", table["parameters"])
    if not params:
        _fail(path, "calibration.parameters", 'must name at least one key, e.g. "search_cost.values.0" = [0, 0.025]')
    base = calibration_run_data(data)
    ranges = {}
    for key, bounds in params.items():
        where = f"calibration.parameters.{key}"
        try:
            value = get_key(base, key)
        except KeyError:
            value = None
        if key.split(".")[0] in _NOT_FITTED or not is_number(value):
            _fail(path, where, "must name a number the scenario file sets (not seed, rounds or population),"
                               ' e.g. "search_cost.values.0", "calibration.years_per_round", "game.phi"')
        if not (isinstance(bounds, list) and len(bounds) == 2 and all(is_number(b) for b in bounds)
                and bounds[0] < bounds[1]):
            _fail(path, where, f"must be [low, high], two numbers with low < high, got {bounds!r}")
        for bound in bounds:  # every candidate point is checked like a scenario file
            trial = calibration_run_data(base)
            set_key(trial, key, float(bound))
            try:
                parse_scenario(trial, path)
            except ValueError as e:
                _fail(path, where, f"{bound!r} is not allowed: {' '.join(str(e).split()).removeprefix(f'{path}: ')}")
        ranges[key] = (float(bounds[0]), float(bounds[1]))
    target = _table(path, "calibration.target", table.get("target", {}))
    _known(path, "calibration.target.", target, tuple(_TARGET_KEYS))
    target = {k: target.get(k, allowed[0]) for k, allowed in _TARGET_KEYS.items()}
    for k, allowed in _TARGET_KEYS.items():
        if target[k] not in allowed:
            _fail(path, f"calibration.target.{k}", f"must be one of {', '.join(allowed)}, got {target[k]!r}")
    if target["group_by"] == "milinst" and not (c.kind == "groups" and len(c.values) == 3):
        _fail(path, "calibration.target.group_by", "'milinst' needs search_cost.dist = 'groups' with 3 values"
                                                   " (value i <-> milinst i); or use group_by = 'all'")
    fit = {"parameters": ranges, "target": target}
    fit["distance"] = table.get("distance", CALIBRATION_DEFAULTS["distance"])
    if fit["distance"] not in _DISTANCES:
        _fail(path, "calibration.distance", f"must be one of {', '.join(_DISTANCES)}, got {fit['distance']!r}")
    for k, lo in (("points", 2), ("refine", 0), ("replications", 1), ("bootstrap", 20)):
        fit[k] = _integer(path, f"calibration.{k}", table.get(k, CALIBRATION_DEFAULTS[k]), lo)
    fit["age_bin"] = _number(path, "calibration.age_bin", table.get("age_bin", CALIBRATION_DEFAULTS["age_bin"]),
                             0.0, lo_open=True)
    return fit


def parse_scenario(data: dict, path: str, default_name: str = "scenario") -> Scenario:
    """Validate the parsed TOML ``data`` (from file ``path``) into a Scenario."""
    if "sweep" in data:
        _fail(path, "sweep", "this file plans a sweep: run it with `alliances sweep`")
    _known(path, "", data, _TOP_KEYS)
    for required in ("rounds", "seed", "population", "search_cost", "game"):
        if required not in data:
            _fail(path, required, "missing; required keys: rounds, seed, population, search_cost, game")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        _fail(path, "name", f"must be a non-empty string, got {name!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        _fail(path, "description", f"must be a string, got {description!r}")
    seed = _integer(path, "seed", data["seed"], 0)
    rounds = _integer(path, "rounds", data["rounds"], 1)

    pop = _table(path, "population", data["population"])
    _known(path, "population.", pop, _POPULATION_KEYS)
    for k in _POPULATION_KEYS:
        if k not in pop:
            _fail(path, f"population.{k}", "missing; required: proteges, patrons, ad_hoc_partners")
    n_proteges = _integer(path, "population.proteges", pop["proteges"], 1)
    n_patrons = _integer(path, "population.patrons", pop["patrons"], 1)
    n_ad_hoc = _integer(path, "population.ad_hoc_partners", pop["ad_hoc_partners"], 3)

    c = _cost_distribution(path, data["search_cost"])

    game = _table(path, "game", data["game"])
    _known(path, "game.", game, _GAME_KEYS)
    for k in _GAME_KEYS:
        if k not in game:
            _fail(path, f"game.{k}", "missing; required: delta, phi")
    delta = _number(path, "game.delta", game["delta"], 0.0, 1.0, lo_open=True)
    phi = _phi_process(path, game["phi"])

    inv = _table(path, "investment", data.get("investment", {"rule": "none"}))
    rule = inv.get("rule", "none")
    if rule not in INVESTMENT_RULES:
        _fail(path, "investment.rule", f"must be one of {', '.join(sorted(INVESTMENT_RULES))}, got {rule!r}")
    params = {k: v for k, v in inv.items() if k != "rule"}
    try:
        make_rule(rule, **params)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    if rule == "choose" and not phi.constant and phi.per != "round":
        # extension 2: beliefs are built from the phi every alliance saw; one draw a round
        _fail(path, "investment.rule", "'choose' needs game.phi constant or drawn per round (per = 'round'),"
              " got per = 'alliance'")

    outsiders = _outsiders(path, data.get("outsiders", {}))
    bargaining = _bargaining(path, data.get("bargaining", {}), phi, outsiders)
    system = _system(path, data["system"], outsiders, bargaining) if "system" in data else None
    if system is not None and system.offers == "strategic":
        pool = n_ad_hoc if system.pool == "ad_hoc" else n_patrons + n_ad_hoc
        if system.k > pool - 1:
            _fail(path, "system.k", f"must be at most the pool's size minus one ({pool - 1}: a search never reaches"
                  f" the own patron), got {system.k}")

    calibration = _table(path, "calibration", data.get("calibration", {}))
    _known(path, "calibration.", calibration, _CALIBRATION_KEYS)
    years_per_round = _number(path, "calibration.years_per_round",
                              calibration.get("years_per_round", DEFAULT_YEARS_PER_ROUND), 0.0, lo_open=True)
    fit = _calibration(path, calibration, data, c)

    out = _table(path, "output", data.get("output", {}))
    _known(path, "output.", out, _OUTPUT_KEYS)
    events = out.get("events", True)
    if not isinstance(events, bool):
        _fail(path, "output.events", f"must be true or false, got {events!r}")
    tables = out.get("tables", "all")
    if tables not in OUTPUT_TABLES:
        _fail(path, "output.tables", f"must be one of {', '.join(repr(t) for t in OUTPUT_TABLES)}, got {tables!r}")

    return Scenario(
        name=name,
        path=path,
        description=description,
        seed=seed,
        rounds=rounds,
        n_proteges=n_proteges,
        n_patrons=n_patrons,
        n_ad_hoc=n_ad_hoc,
        search_cost=c,
        phi=phi,
        delta=delta,
        investment_rule=rule,
        investment_params=params,
        record_events=events,
        outsiders=outsiders,
        bargaining=bargaining,
        years_per_round=years_per_round,
        calibration=fit,
        system=system,
        output_tables=tables,
    )


def bundled_scenarios() -> list[str]:
    """Names of the scenario files shipped in ``scenarios/``."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def find_toml(name_or_path: str, directory: Path) -> Path | None:
    """``name_or_path`` if it is a file, else ``directory/NAME.toml`` for a bare name, else None."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    if p.is_dir():
        raise ValueError(f"{p}: is a directory, not a scenario file")
    candidate = directory / f"{name_or_path}.toml"
    if p.suffix == "" and "/" not in name_or_path and candidate.is_file():
        return candidate
    return None


def resolve(name_or_path: str) -> Path:
    """The file for a scenario name (``baseline``) or path (``my/run.toml``)."""
    found = find_toml(name_or_path, SCENARIO_DIR)
    if found is not None:
        return found
    raise ValueError(
        f"scenario {name_or_path!r}: no such file and no bundled scenario of that name;"
        f" bundled: {', '.join(bundled_scenarios())}"
    )


def read_toml(path: Path) -> dict:
    """A TOML file's contents (ValueError with one line naming the file if it is not valid TOML)."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: not valid TOML: {' '.join(str(e).split())}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a TOML file (not UTF-8 text)") from None


def load_scenario(name_or_path: str) -> Scenario:
    """Read and validate a scenario by name or path (ValueError with one line if it is bad)."""
    path = resolve(name_or_path)
    return parse_scenario(read_toml(path), str(path), default_name=path.stem)



def scenario_keys() -> dict[str, tuple[str, ...]]:
    """Dotted table name ("" for the top level) -> every key a scenario file may set under it,
    over all its variants (each ``dist`` of search_cost and game.phi, each outsider model,
    bargaining protocol and investment rule)."""

    def union(groups) -> tuple[str, ...]:
        seen: list[str] = []
        for g in groups:
            seen += [k for k in g if k not in seen]
        return tuple(seen)

    keys = {
        "": _TOP_KEYS,
        "population": _POPULATION_KEYS,
        "search_cost": ("dist",) + union(_COST_KINDS.values()),
        "game": _GAME_KEYS,
        "game.phi": ("dist",) + union(_PHI_KINDS.values()),
        "investment": ("rule",) + union(r.PARAMS for r in INVESTMENT_RULES.values()),
        "output": _OUTPUT_KEYS,
        "outsiders": ("model",) + union(_OUTSIDER_MODELS.values()),
        "bargaining": _BARGAINING_KEYS,
        "calibration": _CALIBRATION_KEYS,
        "system": _SYSTEM_KEYS,
        "system.strength": ("dist",) + union(_COST_KINDS[k] for k in _STRENGTH_KINDS),
    }
    for who in _BARGAINING_KEYS:
        keys[f"bargaining.{who}"] = ("protocol",) + union(_PROTOCOLS.values())
    return keys


__all__ = ["Scenario", "is_number", "get_key", "set_key", "calibration_run_data", "CALIBRATION_DEFAULTS", "load_scenario", "parse_scenario", "resolve", "bundled_scenarios", "find_toml", "read_toml",
           "scenario_keys", "SCENARIO_DIR", "DEFAULT_YEARS_PER_ROUND", "OUTPUT_TABLES"]
