"""Learned beliefs in the alliance system (agents.system, ``beliefs = "learned"``).

A stationary system: load discount 0, so every power's valuation is its strength b_j
(groups 1 and 0.5, 24 powers, pool "all") and the market F_t(x) = mean_j min(1, x / b_j)
is the same every round; 150 protégés, c in {0.002, 0.01, 0.03}, 150 rounds, prior weight
kappa = 1 (the prior's pull is then negligible: 1 / (m + 1) with m >= 150 offers).

1. The sup distance between the believed F and the market F, averaged over rounds 26-150,
   falls as memory grows (1, 5, 25 rounds), each step by more than 3 standard errors of the
   difference (SE of each mean from batch means over blocks of 25 rounds: the distances of
   nearby rounds share offers).
2. Its size follows the sampling rate: against the distribution the observed offers were
   drawn from given the powers drawn (T(x) = mean over the observed offers of min(1, x / v)
   of the power that made each, the offers being v u with u ~ U[0, 1] independent), the
   sup distance times sqrt(m) (m offers in the window) has a mean between 0.4 and 1.2 at
   every memory: the 1 / sqrt(m) rate of the empirical CDF (DKW; the mean of the
   Kolmogorov limit is 0.87, the histogram's smoothing lowers it a little). What separates
   T from the market F is the selection the estimator does not correct (a search never
   draws the searcher's own patron), printed.
3. steps.parquet's believed_mean_offer is the mean of the estimator rebuilt here from
   events.parquet's offers alone (the histogram of the last `memory` rounds' x1 and x2,
   shrunk towards U[0, 1]), and differs from true_mean_offer.
"""
from __future__ import annotations

import numpy as np
import pytest

from agents.distributions import CostDistribution
from agents.model import AllianceModel
from agents.system import BELIEF_BINS, SystemSpec

ROUNDS, BURN_IN, BLOCK = 150, 25, 25
KAPPA = 1.0
X = np.linspace(0.0, 1.0, 2001)


def _run(memory: int, seed: int = 1, kappa: float = KAPPA, rounds: int = ROUNDS):
    spec = SystemSpec(strength=CostDistribution("groups", values=(1.0, 0.5), weights=(1, 1)),
                      load_discount=0.0, pool="all", beliefs="learned", memory=memory, prior_weight=kappa)
    c = CostDistribution("groups", values=(0.002, 0.01, 0.03), weights=(1, 1, 1))
    m = AllianceModel(n_proteges=150, n_patrons=12, n_ad_hoc=12, c=c, delta=0.99, rng=seed, system=spec)
    believed = []
    for _ in range(rounds):
        F, _row = m.system.beliefs(m.patron_of, m.system.loads(m.patron_of))
        believed.append(F.cdf(X[None, :])[0])
        m.step()
    return m, np.array(believed), m.events_table().to_pandas()


def _offers_by_round(m, ev, rounds):
    """Per round: the offers observed (x1 and x2 of every search) and the strength of the power behind each."""
    index_of = {int(u): i for i, u in enumerate(m.power_uid)}
    strength = np.array([p.strength for p in m.powers])
    out = []
    steps = ev["step"].to_numpy()
    for t in range(1, rounds + 1):
        e = ev[steps == t]
        xs, vs = [], []
        for xc, pc in (("x1", "partner1"), ("x2", "partner2")):
            s = e[xc].notna().to_numpy()
            xs.append(e[xc].to_numpy()[s])
            vs.append(strength[[index_of[int(p)] for p in e[pc].to_numpy()[s]]])
        out.append((np.concatenate(xs), np.concatenate(vs)))
    return out


@pytest.fixture(scope="module")
def runs():
    out = {}
    for memory in (1, 5, 25):
        m, believed, ev = _run(memory)
        strength = np.array([p.strength for p in m.powers])
        market = np.mean(np.minimum(1.0, X[None, :] / strength[:, None]), axis=0)
        offers = _offers_by_round(m, ev, ROUNDS)
        d_market, d_drawn, n_seen, bias = [], [], [], []
        for t in range(BURN_IN, ROUNDS):           # round t + 1 believes the offers of rounds t - memory + 1 .. t
            window = offers[t - memory:t]
            v = np.concatenate([w[1] for w in window])
            n = v.size
            drawn = np.minimum(1.0, X[None, :] / v[:, None]).mean(axis=0)
            drawn = (n * drawn + KAPPA * X) / (n + KAPPA)
            d_market.append(np.abs(believed[t] - market).max())
            d_drawn.append(np.abs(believed[t] - drawn).max())
            bias.append(np.abs(drawn - market).max())
            n_seen.append(n)
        d_market, d_drawn, n_seen = map(np.array, (d_market, d_drawn, n_seen))
        blocks = d_market[: d_market.size // BLOCK * BLOCK].reshape(-1, BLOCK).mean(axis=1)
        out[memory] = dict(mean=d_market.mean(), se=blocks.std(ddof=1) / np.sqrt(blocks.size),
                           rate=float((d_drawn * np.sqrt(n_seen)).mean()), offers=n_seen.mean(),
                           bias=float(np.mean(bias)))
        print(f"memory {memory}: sup|F_hat - F| = {out[memory]['mean']:.4f} (SE {out[memory]['se']:.4f}),"
              f" {out[memory]['offers']:.0f} offers, sqrt(m) sup|F_hat - T| = {out[memory]['rate']:.3f},"
              f" selection bias sup|T - F| = {out[memory]['bias']:.4f}")
    return out


def test_learned_beliefs_approach_the_market_as_memory_grows(runs):
    for short, long in ((1, 5), (5, 25)):
        a, b = runs[short], runs[long]
        margin = 3.0 * np.hypot(a["se"], b["se"])
        assert b["mean"] < a["mean"] - margin, (short, long, a, b)


def test_the_distance_follows_the_sampling_rate(runs):
    for memory, r in runs.items():
        assert 0.4 < r["rate"] < 1.2, (memory, r)
    # the offers seen grow with memory (about memory x offers per round)
    assert runs[25]["offers"] > 20 * runs[1]["offers"] > 0


def _estimate_mean(x: np.ndarray, kappa: float) -> float:
    """Mean of (m H + kappa U[0, 1]) / (m + kappa), H the CDF of the histogram of x on BELIEF_BINS
    bins: E = int_0^1 (1 - F), F linear between the bin edges."""
    m = x.size
    if m == 0:
        return 0.5
    counts, edges = np.histogram(x, bins=BELIEF_BINS, range=(0.0, 1.0))
    H = np.concatenate([[0.0], np.cumsum(counts)]) / m
    F = (m * H + kappa * edges) / (m + kappa)
    return float(np.sum(np.diff(edges) * (1.0 - 0.5 * (F[1:] + F[:-1]))))


@pytest.mark.parametrize("memory, kappa", [(3, 20.0), (1, 0.0)])
def test_believed_mean_offer_is_the_estimate_from_the_observed_offers(memory, kappa):
    m, _, ev = _run(memory, seed=4, kappa=kappa, rounds=30)
    steps = m.steps_table().to_pandas()
    offers = [x for x, _ in _offers_by_round(m, ev, 30)]
    want = [_estimate_mean(np.concatenate(offers[max(0, t - memory):t]) if t else np.empty(0), kappa)
            for t in range(30)]
    np.testing.assert_allclose(steps["believed_mean_offer"].to_numpy(), want, rtol=0, atol=1e-12)
    assert steps["believed_mean_offer"].iloc[0] == pytest.approx(0.5, abs=1e-14)  # the prior U[0, 1] before any offer
    assert steps["true_mean_offer"].iloc[0] == pytest.approx(0.375)
    assert np.all(steps["believed_mean_offer"] != steps["true_mean_offer"])


def test_bundled_learning_scenario_runs(tmp_path):
    from scenarios.run.runner import run_scenario
    from scenarios.scenario import load_scenario

    sc = load_scenario("system_learning")
    assert sc.system.beliefs == "learned" and sc.system.memory == 5 and sc.system.prior_weight == 20.0
    res = run_scenario(sc.with_overrides(rounds=12), out=tmp_path / "o", progress=False, plots=False)
    steps = res.model.steps_table().to_pandas()
    assert steps["believed_mean_offer"].iloc[0] == pytest.approx(0.5, abs=1e-14)
    assert (steps["believed_mean_offer"].iloc[1:] != 0.5).all()


def test_learning_same_seed_same_bytes(tmp_path):
    from scenarios.run.runner import run_scenario
    from scenarios.scenario import load_scenario

    sc = load_scenario("system_learning").with_overrides(rounds=8)
    for d in ("a", "b"):
        run_scenario(sc, out=tmp_path / d, progress=False, plots=False)
    for f in ("events.parquet", "steps.parquet", "alliances.parquet", "powers.parquet"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
