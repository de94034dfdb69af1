"""Independent brute-force solution of Fang & Ramsay's two-period alliance game.

Written from the game's rules and tie rules only (docs/analytic-api.md), without
the paper's closed forms (no r*, r~, theta, omega) and without looking at
``analytic``.  Numeric backward induction:

Discretization
--------------
* Outside offers: U[0, 1] is replaced by the ``n_x`` cell midpoints
  (i + 1/2)/n_x, each of weight 1/n_x; every expectation over x1 or x2 is a
  grid mean.
* Period-2 offers: the patron picks r2 from a uniform grid of ``n_r2 + 1``
  points on [0, 1] plus the matching offer max(x1, phi - 1).  Any r2 below
  max(x1, phi - 1) is never taken (x1 or producing nothing beats it), so it pays
  her 0; for r2 >= max(x1, phi - 1) the protégé's reply depends on r2 alone,
  which lets the argmax over the grid be taken for every x1 at once as a suffix
  argmax over r2.
* Period-1 offers: grid of ``n_r + 1`` points on [0, 1] plus the reservation
  offers that a whole block of draws x1 share (there the patron's payoff jumps up,
  possibly to a peak narrower than the grid); around the best of these in each
  first-move class (accept / search / delay) ``n_ref`` points on +-1/n_r refine it.
* Ties: two values within ``TOL`` (1e-9) are equal; the tie rules of the API doc
  are then applied (sure beats lottery, newest offer wins, producing beats not
  producing, take-now beats moving on, search beats delay, the patron prefers
  an offer accepted at once, then one inducing a search, then the larger offer;
  if the protégé delays, r1 = 0 is reported since all such offers are alike).

Error implied
-------------
Payoffs are piecewise smooth in x with a few jumps (where the protégé switches
between taking an offer and moving on, or the patron between matching and
out-bidding).  The midpoint rule is O(1/n_x^2) on smooth pieces and at most
jump/(2 n_x) per jump; payoffs are in [0, 1] and there are at most four such
jumps in x1 plus the step in P(x2 < r2), so payoffs are off by at most about
3/n_x.  Offer grids add about 1/n_r2 (period 2) and 2/(n_r n_ref) (period 1).
``error_bound(n_x, n_r, n_r2, n_ref)`` returns this.  Thresholds in offers
(e.g. the offer that just makes the protégé accept) are then off by the payoff
error divided by the slope of the protégé's gain, which is small when c is.
"""

from __future__ import annotations

import numpy as np

TOL = 1e-9
MOVES = np.array(["accept", "search", "delay"])
ACCEPT, SEARCH, DELAY = 0, 1, 2


def error_bound(n_x=20000, n_r=400, n_r2=100000, n_ref=100):
    """Bound on the discretization error of u_patron and u_protege (see module doc)."""
    return 3.0 / n_x + 1.0 / n_r2 + 2.0 / (n_r * n_ref)


def _reply_period2(phi, c, x, r):
    """Period 2 when the patron's offer r is the best standing offer (r >= x1, r >= phi - 1).

    Returns (searches, patron payoff, protégé payoff, P(alliance)) per offer r, in
    period-2 units (not yet discounted).
    """
    n = len(x)
    below = np.searchsorted(x, r, side="left")  # #{x2 < r}: x2 == r2 goes to x2 (newest)
    tail = np.concatenate([np.cumsum(x[::-1])[::-1], [0.0]])  # tail[k] = sum of x[k:]
    e_best = (r * below + tail[below]) / n  # E max(r, x2)
    searches = -c + e_best - r > TOL  # sure outcome beats lottery of equal value
    p_alliance = np.where(searches, below / n, 1.0)
    patron = (1.0 - r) * p_alliance
    protege = np.where(searches, -c + 1.0 - phi + e_best, 1.0 - phi + r)
    return searches, patron, protege, p_alliance


def _suffix_argmax(key):
    """out[j] = index of max(key[j:]), the largest index among exact ties."""
    rev = key[::-1]
    best = np.maximum.accumulate(rev)
    new_record = rev > np.concatenate([[-np.inf], best[:-1]])
    arg_rev = np.maximum.accumulate(np.where(new_record, np.arange(len(rev)), 0))
    return (len(rev) - 1 - arg_rev)[::-1]


def _period2(phi, c, x, x1, n_r2):
    """Patron's best r2 for each standing offer x1, and what follows (period-2 units)."""
    grid = np.linspace(0.0, 1.0, n_r2 + 1)
    s_g, pat_g, pro_g, all_g = _reply_period2(phi, c, x, grid)
    key_g = pat_g + TOL * ~s_g  # patron: accepted-at-once wins ties
    m = np.maximum(x1, phi - 1.0)  # below m the patron gets 0 for sure
    s_m, pat_m, pro_m, all_m = _reply_period2(phi, c, x, m)
    key_m = pat_m + TOL * ~s_m
    j = np.searchsorted(grid, m, side="right")  # first grid offer > m
    has = j <= n_r2
    k = _suffix_argmax(key_g)[np.minimum(j, n_r2)]
    use_grid = has & (key_g[k] >= key_m)  # exact tie: the larger offer (grid point)
    pick = lambda g, mm: np.where(use_grid, g[k], mm)
    assert np.all(pick(pat_g, pat_m) > 0), "patron's best period-2 offer should pay"
    return dict(r2=pick(grid, m), searches=pick(s_g, s_m), patron=pick(pat_g, pat_m),
                protege=pick(pro_g, pro_m), p_alliance=pick(all_g, all_m))


def _period2_gap(phi, c, x, n_r2):
    """After no first search: the patron's best offer accepted at once minus her best
    offer that makes the protégé search (inf if one kind does not exist).  A tie here
    moves a whole block of x1 (all x1 below the offer) and so the protégé's
    period-1 incentives: a knife-edge the grid cannot resolve."""
    r = np.append(np.linspace(0.0, 1.0, n_r2 + 1), phi - 1.0)
    r = r[r >= phi - 1.0]
    searches, patron, _, _ = _reply_period2(phi, c, x, r)
    acc = patron[~searches].max(initial=-np.inf)
    sea = patron[searches].max(initial=-np.inf)
    return abs(acc - sea) if np.isfinite(acc) and np.isfinite(sea) else np.inf


def _period1(phi, c, delta, x, r1, p2, p2_0, chunk=64):
    """Protégé's first move and everyone's payoffs for each first offer in r1."""
    cont_pro = delta * p2["protege"]  # value of moving on to period 2 holding x1
    cont_pat = delta * p2["patron"]
    cont_all = p2["p_alliance"]
    cont_contrib = p2["r2"] * p2["p_alliance"]
    out = {k: np.empty(len(r1)) for k in
           ("S", "V", "p_alliance", "p_breakup", "contrib")}
    for a in range(0, len(r1), chunk):
        r = r1[a:a + chunk, None]
        take = 1.0 - phi + np.maximum(r, x)  # take the best standing offer now
        now = take >= cont_pro - TOL  # indifferent: takes it now
        took_x = now & (x >= r)  # x1 beats r1 on ties (newest)
        took_r = now & ~took_x
        later = ~now
        sl = slice(a, a + chunk)
        out["S"][sl] = -c + np.where(now, take, cont_pro).mean(1)
        out["V"][sl] = (1 - r[:, 0]) * took_r.mean(1) + (later * cont_pat).mean(1)
        out["p_alliance"][sl] = took_r.mean(1) + (later * cont_all).mean(1)
        out["p_breakup"][sl] = took_x.mean(1) + (later * (1 - cont_all)).mean(1)
        out["contrib"][sl] = r[:, 0] * took_r.mean(1) + (later * cont_contrib).mean(1)
    A = 1.0 - phi + r1
    D = delta * p2_0["protege"]
    S = out["S"]
    move = np.where((A >= S - TOL) & (A >= D - TOL), ACCEPT,  # sure beats lottery; take now
                    np.where(S >= D - TOL, SEARCH, DELAY))  # search beats delay on ties
    pick = lambda acc, dl, se: np.select([move == ACCEPT, move == DELAY], [acc, dl], se)
    values = np.stack([A, S, np.broadcast_to(D, A.shape)])  # indexed by ACCEPT, SEARCH, DELAY
    chosen = np.take_along_axis(values, move[None], 0)[0]
    others = np.where(np.arange(3)[:, None] == move[None], -np.inf, values).max(0)
    return dict(
        r1=r1, move=move, gap=chosen - others,
        u_protege=pick(A, D, S),
        u_patron=pick(1.0 - r1, delta * p2_0["patron"], out["V"]),
        p_alliance=pick(1.0, p2_0["p_alliance"], out["p_alliance"]),
        p_breakup=pick(0.0, 1.0 - p2_0["p_alliance"], out["p_breakup"]),
        contrib=pick(r1, p2_0["r2"] * p2_0["p_alliance"], out["contrib"]),
    )


def brute_force(phi, c, delta, n_x=20000, n_r=400, n_r2=100000, n_ref=100, window_tol=None, ppf=None):
    """Subgame-perfect equilibrium by numeric backward induction (see module doc).

    Returns a dict with the equilibrium (r1, first_move, u_patron, u_protege,
    p_alliance, p_breakup, p_none, expected_contribution), and for tests:
      margin   -- min(margin_period1, margin_period2): distance to a knife-edge tie;
      margin_period1 -- u_patron minus the patron's best payoff from an offer that
                  leads to a different first move (inf if none does).  At such a tie
                  u_patron is continuous but the first move and u_protege jump;
      margin_period2 -- |best period-2 offer accepted at once - best one inducing a
                  search| after no first search (inf if one kind is impossible).  A
                  tie there (e.g. c = 1/32) changes the whole continuation, so even
                  u_patron jumps: compare nothing there;
      window   -- min/max of r1, u_protege, p_alliance, p_breakup, expected_contribution over
                  the offers with the same first move whose payoff is within
                  window_tol (default 2 * error_bound) of the best;
      x1, r2_of_x1, reservation -- period-2 offer and the protégé's period-1
                  reservation offer (takes max(r1, x1) now iff it is >= this) on the
                  x1 grid; r2_no_search -- period-2 offer after no search;
      offers   -- all first offers tried, with the protégé's first move, payoffs and
                  gap (his value of that move minus his best other move; a knife-edge
                  when it is within the error bound).
    ppf: the inverse CDF of another outside-offer distribution on [0, 1] (extension 4):
                  the draws are then its quantiles at the cell midpoints, each of weight 1/n_x.
    """
    x = (np.arange(n_x) + 0.5) / n_x
    if ppf is not None:
        x = np.sort(np.clip(np.asarray(ppf(x), dtype=float), 0.0, 1.0))
    p2 = _period2(phi, c, x, x, n_r2)
    p2_0 = {k: v[0] for k, v in _period2(phi, c, x, np.array([0.0]), n_r2).items()}

    # Reservation offers shared by a block of draws x1 (where the period-2 outcome does
    # not depend on x1): at such an r1 a positive mass switches to taking r1 at once,
    # so the patron's payoff jumps there, possibly to a peak narrower than the grid.
    reservation = phi - 1.0 + delta * p2["protege"]
    level, count = np.unique(reservation, return_counts=True)
    blocks = level[(count > 1) & (level >= 0.0) & (level <= 1.0)]
    coarse = np.concatenate([np.linspace(0.0, 1.0, n_r + 1), blocks])
    res = _period1(phi, c, delta, x, coarse, p2, p2_0)
    fine = []
    for mv in (ACCEPT, SEARCH, DELAY):  # refine around each class's best candidate
        idx = np.flatnonzero(res["move"] == mv)
        if idx.size:
            r = coarse[idx[np.argmax(res["u_patron"][idx])]]
            fine.append(np.linspace(max(r - 1.0 / n_r, 0.0), min(r + 1.0 / n_r, 1.0), n_ref))
    if fine:
        more = _period1(phi, c, delta, x, np.concatenate(fine), p2, p2_0)
        res = {k: np.concatenate([res[k], more[k]]) for k in res}
    order = np.argsort(-res["r1"], kind="stable")  # larger offer first: wins exact ties
    res = {k: v[order] for k, v in res.items()}

    # patron's ties: accepted at once, then inducing a search, then the larger offer
    key = res["u_patron"] + TOL * ((res["move"] == ACCEPT) + (res["move"] != DELAY))
    b = int(np.argmax(key))
    move = res["move"][b]
    other = res["move"] != move
    margin1 = float(res["u_patron"][b] - res["u_patron"][other].max()) if other.any() else np.inf
    margin2 = float(_period2_gap(phi, c, x, n_r2))
    if window_tol is None:
        window_tol = 2 * error_bound(n_x, n_r, n_r2, n_ref)
    near = (key >= key[b] - window_tol) & ~other
    p_all = float(res["p_alliance"][b])
    window = {}
    for name, arr in (("r1", res["r1"]), ("u_protege", res["u_protege"]),
                      ("p_alliance", res["p_alliance"]),
                      ("p_breakup", res["p_breakup"]),
                      ("expected_contribution", res["contrib"] / np.maximum(res["p_alliance"], 1e-300))):
        window[name] = (float(arr[near].min()), float(arr[near].max()))
    if move == DELAY:
        window["r1"] = (0.0, 0.0)  # all offers he turns down are alike: r1 = 0 is reported
    return dict(
        phi=phi, c=c, delta=delta,
        r1=0.0 if move == DELAY else float(res["r1"][b]), first_move=str(MOVES[move]),
        u_patron=float(res["u_patron"][b]), u_protege=float(res["u_protege"][b]),
        p_alliance=p_all, p_breakup=float(res["p_breakup"][b]),
        p_none=float(1.0 - p_all - res["p_breakup"][b]),
        expected_contribution=float(res["contrib"][b] / p_all) if p_all > 0 else np.nan,
        margin=min(margin1, margin2), margin_period1=margin1, margin_period2=margin2,
        window=window, error_bound=error_bound(n_x, n_r, n_r2, n_ref),
        x1=x, r2_of_x1=p2["r2"], r2_no_search=float(p2_0["r2"]),
        reservation=reservation,
        offers=dict(r1=res["r1"], first_move=MOVES[res["move"]], u_patron=res["u_patron"],
                    u_protege=res["u_protege"], gap=res["gap"]),
    )
