"""The mean-field stationary state of a model's alliance system (`analytic.meanfield` for a model).

`predict(model)` groups the model's powers by (starting role, strength), its protégés by
search cost, starts from the model's initial loads and returns the `analytic.meanfield`
stationary state, without simulating a round. Continuous strengths are binned (at most
``strength_groups`` quantile bins per role, each at its mean strength) and so are the protégés'
drawn c's (exact when there are at most ``c_nodes`` distinct values, else equal-count
quantile bins at their mean c).
"""
from __future__ import annotations

import numpy as np

from analytic.meanfield import MeanField, MeanFieldState
from agents.investment import NoInvestment

ROLES = ("patron", "ad hoc")


def _bins(values: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """(node, bin of each value): the distinct values, or ``most`` equal-count bins at their means."""
    uniq, inv = np.unique(values, return_inverse=True)
    if uniq.size <= most:
        return uniq, inv.ravel()
    order = np.argsort(values, kind="stable")
    which = np.empty(values.size, dtype=np.int64)
    for b, idx in enumerate(np.array_split(order, most)):
        which[idx] = b
    return np.array([values[which == b].mean() for b in range(most)]), which


def meanfield_of(model, c_nodes: int = 24, strength_groups: int = 6, grid: int = 2000):
    """(MeanField, group of each power, role of each group): the mean-field map of a model
    with a system (ValueError if the model has none, or c or phi move in ways it leaves out)."""
    system = model.system
    if system is None:
        raise ValueError("the mean-field stationary state is for a model with an alliance system ([system] table)")
    if not model.phi_process.constant:
        raise ValueError("phi: the mean-field needs a constant phi (the equilibria are solved at one phi)")
    if not isinstance(model.investment, NoInvestment):
        raise ValueError("investment.rule: the mean-field needs c fixed within alliances (rule 'none')")
    role = np.r_[np.zeros(model.n_patrons, dtype=np.int64), np.ones(model.n_ad_hoc, dtype=np.int64)]
    strength = np.asarray(system.strength, dtype=float)
    keys, group = [], np.empty(strength.size, dtype=np.int64)
    for r in (0, 1):
        members = np.flatnonzero(role == r)
        node, which = _bins(strength[members], strength_groups)
        for b in range(node.size):
            group[members[which == b]] = len(keys)
            keys.append((r, float(node[b])))
    G = len(keys)
    count = np.bincount(group, minlength=G)
    in_pool = np.array([r == 1 or system.spec.pool == "all" for r, _ in keys])
    initial = np.bincount(group, weights=system.loads(model.patron_of), minlength=G) / model.n_proteges
    c, which_c = _bins(np.asarray(model.c, dtype=float), c_nodes)
    weight = np.bincount(which_c, minlength=c.size).astype(float)
    mf = MeanField(np.array([s for _, s in keys]), count, in_pool, initial, c, weight, float(model.phi_process.value),
                   model.delta, model.n_proteges, system.spec.load_discount, system.spec.patron_benefit, grid)
    return mf, group, [ROLES[r] for r, _ in keys]


def predict(model, **kwargs) -> tuple[MeanFieldState, list[str]]:
    """(the stationary state, the role of each group) for a model with a system, from its
    initial state (``kwargs``: ``meanfield_of``'s c_nodes, strength_groups, grid)."""
    mf, _, roles = meanfield_of(model, **kwargs)
    return mf.solve(), roles


__all__ = ["ROLES", "meanfield_of", "predict"]
