"""The mean-field stationary state of the alliance system (analytic.meanfield, agents.meanfield).

1. Balance, by brute force: at the predicted loads every power is given its group's mean load;
   for each (group h of the patron, c node) the test plays M alliances one round with
   agents.game.play_round, drawing each search's partner power by power (uniform over the
   powers other than the own patron, both searches independently: the mean-field's and the
   equilibrium's assumption) and its offer v_j u. The Monte Carlo breakup frequency and the
   share of breakups won by each group must match the mean-field's p and shares, and the net
   flow into every group (protégés led x Monte Carlo transition frequencies) must be 0, each
   within 4 Monte Carlo SE (SE from the per-alliance indicators' variance).
2. The reduction: strengths all 1 and no load discount: equal loads (pool "all"), every group's
   breakup rate = analytic.solve's p_breakup (the paper's closed form) averaged over c; with
   pool "ad_hoc" the patrons, never drawn, end with no protégés.
3. Simulation: time-averaged loads per strength group after a burn-in of 60 rounds agree with
   the mean-field within 4 SE, SE from batch means (4 batches of 50 rounds per seed, 2 seeds:
   8 batch means, sd / sqrt(8)); the system (80 protégés, 8 powers of strength 1 or 0.75,
   load discount 0.015, c 0.001 or 0.003) churns at every c, so its stationary state is unique.
4. The frozen frontier: at valuations capped at V* - 2 tol no alliance breaks up, at V* + 2 tol
   some do (the F's rebuilt power by power in the test and solved point by point); and a
   small system (40 protégés, 6 powers, c = 0.002) freezes (no breakup in the last 100 of 150
   rounds) at twice lambda_f, and still churns (breakups in each of the last 50 rounds' windows
   of 10) at 0.3 lambda_f.
Bad input and non-convergence: one-line ValueErrors.
"""
from __future__ import annotations

import numpy as np
import pytest

import analytic
from agents.distributions import CostDistribution
from agents.game import BREAKUP, FROM_X1, FROM_X2, move_codes, play_round
from agents.meanfield import meanfield_of
from agents.model import AllianceModel
from agents.system import SystemSpec
from analytic import piecewise
from analytic.meanfield import MeanField, MeanFieldError

PHI, DELTA = 1.1, 0.99
Z_TOL = 4.0


def _small(load_discount=0.03, patron_benefit="fixed"):
    return MeanField(strength=[1.0, 0.6], count=[3, 3], in_pool=[True, True], initial_share=[0.5, 0.5],
                     c=[0.001, 0.004], c_weight=[1, 1], phi=PHI, delta=DELTA, n_proteges=60,
                     load_discount=load_discount, patron_benefit=patron_benefit)


@pytest.mark.parametrize("patron_benefit", ["fixed", "load"])
def test_fixed_point_balances_its_flows_by_monte_carlo(patron_benefit):
    mf = _small(patron_benefit=patron_benefit)
    st = mf.solve()
    assert not st.frozen and st.residual < 1e-4
    rng = np.random.default_rng(11)
    M = 20_000
    group = np.repeat(np.arange(2), [3, 3])                     # power -> group
    v = (np.array([1.0, 0.6]) / (1.0 + 0.03 * st.load))[group]   # each power at its group's mean load
    net = np.zeros(2)
    var = np.zeros(2)
    for h in range(2):
        own = int(np.flatnonzero(group == h)[0])
        eligible = np.delete(np.arange(6), own)
        F = piecewise.mixture_of_uniforms(v[eligible])
        b = 1.0 if patron_benefit == "fixed" else float(v[own])
        for q, c in enumerate(st.c):
            df, eqs = piecewise.solve_many(F, PHI, c, DELTA, b, strategies=True)
            j1, j2 = rng.choice(eligible, size=M), rng.choice(eligible, size=M)
            res = play_round(np.full(M, df["r1"][0]), np.full(M, move_codes(df["first_move"])[0]), PHI, c, DELTA,
                             v[j1] * rng.random(M), v[j2] * rng.random(M), strategies=eqs,
                             points=np.zeros(M, dtype=np.intp), patron_benefit=b)
            broke = res.outcome == BREAKUP
            winner = np.where(res.source == FROM_X1, j1, np.where(res.source == FROM_X2, j2, -1))
            p_hat = broke.mean()
            se = np.sqrt(max(p_hat * (1 - p_hat), 1e-12) / M)
            assert abs(p_hat - st.p_breakup[h, q]) < Z_TOL * se + 1e-9, (h, q, p_hat, st.p_breakup[h, q], se)
            for g in range(2):
                won = broke & (group[np.maximum(winner, 0)] == g)
                share_mf = st.p_breakup[h, q] * mf.flows(st.load)[1][h, q, g]
                s_hat = won.mean()
                assert abs(s_hat - share_mf) < Z_TOL * np.sqrt(max(s_hat * (1 - s_hat), 1e-12) / M) + 1e-9
                z = won.astype(float) - (h == g) * broke
                net[g] += st.led[h, q] * z.mean()
                var[g] += st.led[h, q] ** 2 * z.var() / M
    assert np.all(np.abs(net) < Z_TOL * np.sqrt(var)), (net, np.sqrt(var))


def test_reduction_to_the_paper():
    cs = np.array([0.005, 0.02, 0.05])
    p_paper = np.array([analytic.solve(phi=PHI, c=c, delta=DELTA).p_breakup for c in cs])
    churns = p_paper > 0
    assert churns.sum() == 2 and p_paper.max() > 0.05  # two c nodes churn, one (c > 1/32) never breaks up
    mf = MeanField([1.0, 1.0], [4, 4], [True, True], [1.0, 0.0], cs, [1, 1, 1], PHI, DELTA, 120, 0.0)
    st = mf.solve()
    # the churning nodes' 40 protégés each spread over all 8 powers; the other 40 stay with the 4 patrons
    np.testing.assert_allclose(st.load, [2 * 40 / 8 + 40 / 4, 2 * 40 / 8], atol=1e-3)
    np.testing.assert_allclose(st.p_breakup, np.broadcast_to(p_paper, (2, 3)), atol=1e-9)
    np.testing.assert_allclose(st.breakup_rate[1], p_paper[churns].mean(), atol=1e-6)  # ad hoc: churning only
    np.testing.assert_allclose(st.breakup_rate[0], p_paper[churns].sum() * 5 / 20, atol=1e-6)  # 5 + 5 churn of 20
    np.testing.assert_allclose(st.won_share, [0.5, 0.5], atol=2e-3)
    assert abs(st.mean_offer - 0.5) < 1e-12
    # pool "ad_hoc": the patrons are never drawn, so they only lose their churning protégés
    st = MeanField([1.0, 1.0], [4, 4], [False, True], [1.0, 0.0], cs, [1, 1, 1], PHI, DELTA, 120, 0.0).solve()
    np.testing.assert_allclose(st.load, [40 / 4, 80 / 4], atol=1e-3)


def test_frozen_start_stays_where_it_starts():
    # c well above what a search is worth: nobody searches, the start is the stationary state
    st = MeanField([1.0, 0.5], [2, 2], [True, True], [0.7, 0.3], [0.3], [1], PHI, DELTA, 40, 0.1).solve()
    assert st.frozen and st.breakups_per_round == 0.0
    np.testing.assert_allclose(st.load, [14.0, 6.0])


def _simulate(seed, rounds=260, burn=60, batches=4):
    spec = SystemSpec(strength=CostDistribution("groups", values=(1.0, 0.75), weights=(1, 1)),
                      load_discount=0.015, pool="all")
    model = AllianceModel(n_proteges=80, n_patrons=4, n_ad_hoc=4, delta=DELTA, rng=seed, system=spec,
                          c=CostDistribution("groups", values=(0.001, 0.003), weights=(1, 1)), record_events=False)
    mf, group, _ = meanfield_of(model)
    st = mf.solve()
    strength = model.system.strength
    loads = []
    for _ in range(rounds):
        loads.append(np.bincount(model.patron_of, minlength=strength.size))
        model.step()
    loads = np.array(loads[burn:], dtype=float)
    out = {}
    for s in (1.0, 0.75):
        members = strength == s
        predicted = np.average(st.load, weights=np.bincount(group[members], minlength=st.load.size))
        out[s] = (loads[:, members].mean(axis=1).reshape(batches, -1).mean(axis=1), predicted)
    return out


def test_simulated_stationary_loads_match_the_meanfield():
    runs = [_simulate(seed) for seed in (1, 2)]
    for s in (1.0, 0.75):
        batch = np.concatenate([r[s][0] for r in runs])
        predicted = np.mean([r[s][1] for r in runs])
        se = batch.std(ddof=1) / np.sqrt(batch.size)
        z = (batch.mean() - predicted) / se
        print(f"strength {s}: simulated {batch.mean():.3f} (SE {se:.3f}), mean-field {predicted:.3f}, z = {z:+.2f}")
        assert abs(z) < Z_TOL


def test_frozen_frontier_caps_the_valuations_where_breakups_stop():
    mf = _small()
    V, lam_f = mf.frozen_frontier(tol=1e-4)
    assert 0.0 < V < 1.0
    strength = np.repeat([1.0, 0.6], 3)
    for cap, frozen in ((V - 2e-4, True), (V + 2e-4, False)):
        v = np.minimum(strength, cap)
        p = [piecewise.solve_many(piecewise.mixture_of_uniforms(np.delete(v, own)), PHI, c, DELTA, 1.0)["p_breakup"][0]
             for own in (0, 3) for c in (0.001, 0.004)]
        assert bool(max(p) == 0.0) is frozen, (cap, p)
    assert np.isclose(np.sum(3 * np.maximum(np.array([1.0, 0.6]) / V - 1.0, 0.0)) / lam_f, 60.0)


def _breakups(load_discount, seed=0, rounds=150):
    spec = SystemSpec(strength=CostDistribution("groups", values=(1.0, 0.75), weights=(1, 1)),
                      load_discount=load_discount, pool="all")
    model = AllianceModel(n_proteges=40, n_patrons=3, n_ad_hoc=3, delta=DELTA, rng=seed, system=spec,
                          c=CostDistribution("constant", value=0.002), record_events=False)
    out = []
    for _ in range(rounds):
        model.step()
        out.append(model.datacollector.model_vars["breakups"][-1])
    return model, np.array(out)


def test_small_system_freezes_beyond_the_frozen_frontier():
    model, _ = _breakups(0.01, rounds=1)
    _, lam_f = meanfield_of(model)[0].frozen_frontier()
    assert 0.01 < lam_f < 0.2
    _, above = _breakups(2.0 * lam_f)
    assert above[:50].sum() > 0 and above[-100:].sum() == 0, above
    _, below = _breakups(0.3 * lam_f)
    assert np.all(below[-50:].reshape(5, 10).sum(axis=1) > 0), below


def test_bad_input_and_no_convergence():
    with pytest.raises(ValueError, match="strength"):
        MeanField([1.2], [3], [True], [1.0], [0.01], [1], PHI, DELTA, 10, 0.0)
    with pytest.raises(ValueError, match="pool"):
        MeanField([1.0, 1.0], [1, 3], [True, False], [1.0, 0.0], [0.01], [1], PHI, DELTA, 10, 0.0)
    with pytest.raises(ValueError, match="patron_benefit"):
        MeanField([1.0], [3], [True], [1.0], [0.01], [1], PHI, DELTA, 10, 0.0, patron_benefit="x")
    with pytest.raises(MeanFieldError, match="did not settle in 1 steps"):
        _small().solve(max_refresh=1)
    model = AllianceModel(n_proteges=10, n_patrons=2, n_ad_hoc=3, rng=1)
    with pytest.raises(ValueError, match=r"\[system\]"):
        meanfield_of(model)


SMALL_TOML = """
name = "mf_small"
seed = 3
rounds = 10
[population]
proteges = 40
patrons = 3
ad_hoc_partners = 3
[search_cost]
dist = "constant"
value = 0.002
[game]
delta = 0.99
phi = 1.1
[investment]
rule = "none"
[system]
strength = { dist = "groups", values = [1.0, 0.75], weights = [1, 1] }
load_discount = 0.02
pool = "all"
"""


def test_cli_system_meanfield(tmp_path, capsys):
    import json

    from scenarios.cli import main

    path = tmp_path / "mf_small.toml"
    path.write_text(SMALL_TOML)
    assert main(["system-meanfield", str(path), "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    loads = [g["mean_load"] * g["powers"] for g in rec["groups"]]
    assert abs(sum(loads) - 40) < 1e-6 and 0 < rec["lambda_f"] and rec["breakups_per_round"] > 0
    assert main(["system-meanfield", "baseline"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "no [system] table" in err


def test_run_summary_shows_the_meanfield_loads(tmp_path):
    from scenarios.run.runner import run_scenario, summary_lines
    from scenarios.scenario import load_scenario

    path = tmp_path / "mf_small.toml"
    path.write_text(SMALL_TOML)
    result = run_scenario(load_scenario(str(path)).with_overrides(rounds=3), progress=False, plots=False)
    lines = [ln for ln in summary_lines(result) if ln.startswith("mean-field")]
    assert len(lines) == 2 and lines[0].split(": ", 1)[1].count("; ") == 3, lines  # 4 groups: mean-field / simulated
    # a system the mean-field leaves out (phi redrawn) says so in one line
    text = SMALL_TOML.replace('phi = 1.1', 'phi = { dist = "uniform", low = 1.05, high = 1.2 }')
    path.write_text(text)
    result = run_scenario(load_scenario(str(path)).with_overrides(rounds=2), progress=False, plots=False)
    lines = [ln for ln in summary_lines(result) if ln.startswith("mean-field")]
    assert lines == ["mean-field: not computed (phi: the mean-field needs a constant phi (the equilibria are solved"
                     " at one phi))"]
