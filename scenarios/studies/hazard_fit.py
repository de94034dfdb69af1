"""The simulated likelihood of observed alliance spells, and its bootstrap over alliances.

The distance ``alliances calibrate`` minimizes (``distance = "likelihood"``, docs/validation.md):

* **The model's hazard, per age bin.** A simulated spell that lasted ``k`` rounds of ``y`` years
  was at risk in rounds 1..k and, if it broke, broke in round k; as ``scenarios.data.runs``
  dates it (and ``alliances atop synthesize`` writes it), it ended at age k y, so it is exposed
  for the whole of every round it was in. The hazard of an age bin B of ``width`` years is the
  occurrence/exposure rate (the piecewise-exponential estimate) of the simulated spells, each
  round's breakups spread evenly over the round so that rounds longer or shorter than a bin do
  not make the hazard lumpy: h_B = sum_k d_k |B cap R_k| / y / sum_k n_k |B cap R_k|, with n_k
  spells at risk in round k (age interval R_k = [(k-1) y, k y)) and d_k breakups. A constant
  breakup probability p per round gives h = p / y at every age: exactly what the same
  estimator gives on spells dated that way, so the data and the model are summarized alike.
  A bin with no simulated breakup gets half a breakup over its simulated exposure
  (h = 0.5 / sum_k n_k |B cap R_k|): finite, and small when the simulation is large. Bins past
  the simulated horizon take the last simulated bin's hazard.
* **The observed spells' log-likelihood** under that piecewise-constant hazard: spell j with
  duration t_j and event d_j contributes l_j = -sum_B h_B |B cap [0, t_j)| + d_j log h_B(t_j).
  Censoring is assumed independent of the time to the event (as every Kaplan-Meier curve here).
* **The estimate: a smoothed argmin.** The distance D = -sum_j l_j is known at the design points
  with simulation noise; a quadratic surface is fitted by least squares to the points near the
  smallest D (within ``window``), in coordinates normalized to the ranges, and its minimizer in
  the box those points span (where the surface was fitted) is the estimate.
  **Its bootstrap over alliances**: resample the observed spells with replacement, recompute
  D_i = -sum_j w_j l_ij at the already simulated points, refit the surface on the same points
  and take its minimizer; the 2.5 and 97.5 percentiles are the 95% interval.
"""
from __future__ import annotations

import numpy as np

#: half a breakup: the floor on a bin's simulated breakups (module docstring)
FLOOR_EVENTS = 0.5


def bin_edges(max_duration: float, width: float) -> np.ndarray:
    """Age-bin edges 0, width, 2 width, ... up to the first edge above ``max_duration``."""
    if not width > 0:
        raise ValueError(f"age_bin: must be > 0 years, got {width!r}")
    n = int(np.floor(max_duration / width)) + 1
    return np.arange(n + 1, dtype=float) * width


def overlaps(lo: np.ndarray, hi: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """|[lo_i, hi_i) cap [edges_b, edges_b+1)| for every interval i and bin b (rows, columns)."""
    lo = np.asarray(lo, dtype=float)[:, None]
    hi = np.asarray(hi, dtype=float)[:, None]
    return np.clip(np.minimum(hi, edges[None, 1:]) - np.maximum(lo, edges[None, :-1]), 0.0, None)


def simulated_hazard(rounds: np.ndarray, event: np.ndarray, years_per_round: float,
                     edges: np.ndarray) -> np.ndarray:
    """The model's hazard per year in each age bin (module docstring) from simulated spells:
    ``rounds`` each spell lasted (integers >= 1), ``event`` True where it ended in a breakup."""
    rounds = np.asarray(rounds, dtype=np.int64)
    event = np.asarray(event, dtype=bool)
    if rounds.size == 0:
        raise ValueError("simulated_hazard: no simulated spells")
    horizon = int(rounds.max())
    at_risk = np.bincount(rounds, minlength=horizon + 2)[::-1].cumsum()[::-1][1:horizon + 1]  # n_k, k = 1..K
    events = np.bincount(rounds[event], minlength=horizon + 1)[1:horizon + 1]  # d_k
    k = np.arange(1, horizon + 1)
    time_in_bin = overlaps((k - 1) * years_per_round, k * years_per_round, edges)  # rounds x bins
    exposure = at_risk @ time_in_bin  # spell-years per bin
    breakups = events @ (time_in_bin / years_per_round)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.maximum(breakups, FLOOR_EVENTS) / exposure
    simulated = exposure > 0
    last = np.flatnonzero(simulated)[-1]
    h[last + 1:] = h[last]
    return h


def spell_loglik(hazard: np.ndarray, duration: np.ndarray, event: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Each observed spell's log-likelihood under the piecewise-constant ``hazard`` on ``edges``."""
    duration = np.asarray(duration, dtype=float)
    exposure = overlaps(np.zeros_like(duration), duration, edges)
    end_bin = end_bins(duration, edges)
    return -exposure @ hazard + np.where(event, np.log(hazard[end_bin]), 0.0)


def end_bins(duration: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin each duration ends in: the bin of its last exposure, (a, b] (a duration of 0: bin 0)."""
    return np.clip(np.searchsorted(edges, np.asarray(duration, dtype=float), side="left") - 1, 0, len(edges) - 2)


def quadratic_features(z: np.ndarray) -> np.ndarray:
    """[1, z_i, z_i z_j (i <= j)] of the rows of ``z``: the design matrix of a quadratic surface."""
    z = np.atleast_2d(z)
    d = z.shape[1]
    cross = [z[:, i] * z[:, j] for i in range(d) for j in range(i, d)]
    return np.column_stack([np.ones(len(z)), z] + cross)


def quadratic_parts(coef: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """(gradient at 0, Hessian) of the quadratic with coefficients ``coef`` (``quadratic_features``)."""
    g = coef[1:d + 1]
    H = np.zeros((d, d))
    k = d + 1
    for i in range(d):
        for j in range(i, d):
            H[i, j] = H[j, i] = coef[k] * (2.0 if i == j else 1.0)
            k += 1
    return g, H


def quadratic_argmin(coef: np.ndarray, d: int, start: np.ndarray, lower: np.ndarray,
                     upper: np.ndarray) -> np.ndarray:
    """The minimizer of the quadratic in the box [lower, upper] (L-BFGS-B from ``start``)."""
    from scipy.optimize import minimize

    g, H = quadratic_parts(coef, d)
    res = minimize(lambda x: (g @ x + 0.5 * x @ H @ x, g + H @ x), np.clip(start, lower, upper), jac=True,
                   method="L-BFGS-B", bounds=list(zip(lower, upper)))
    return np.clip(res.x, lower, upper)


def select_near_minimum(distance: np.ndarray, d: int, window: float) -> np.ndarray:
    """The points whose distance is within ``window`` of the smallest: where the surface is fitted
    (at least twice the quadratic's coefficients: the lowest ones)."""
    need = 2 * (1 + d + d * (d + 1) // 2)
    order = np.argsort(distance)
    near = np.flatnonzero(distance - distance.min() <= window)
    return near if len(near) >= need else order[:need]


def fit_quadratic(distances: np.ndarray, z: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Least-squares coefficients (``quadratic_features``) of each row of ``distances`` on the
    ``chosen`` points: replicates x coefficients."""
    X = quadratic_features(z[chosen])
    return np.linalg.lstsq(X, np.atleast_2d(distances)[:, chosen].T, rcond=None)[0].T


def smoothed_argmin(distances: np.ndarray, z: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """For each row of ``distances`` (replicates x points): the minimizer of the quadratic surface
    least-squares fitted to the ``chosen`` points (normalized coordinates ``z``), within the box
    those points span (where the surface was fitted), from that row's best chosen point.
    Returns replicates x d (normalized)."""
    distances = np.atleast_2d(distances)
    d = z.shape[1]
    coefs = fit_quadratic(distances, z, chosen)
    best = z[chosen][np.argmin(distances[:, chosen], axis=1)]
    lower, upper = z[chosen].min(axis=0), z[chosen].max(axis=0)
    return np.array([quadratic_argmin(c, d, b, lower, upper) for c, b in zip(coefs, best)])


def bootstrap_counts(n: int, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of ``n`` observed spells is drawn in each of ``replicates`` resamples."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=replicates).astype(float)


__all__ = ["bin_edges", "overlaps", "simulated_hazard", "spell_loglik", "end_bins", "quadratic_features",
           "quadratic_parts", "quadratic_argmin", "select_near_minimum", "fit_quadratic", "smoothed_argmin", "bootstrap_counts",
           "FLOOR_EVENTS"]
