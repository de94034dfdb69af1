"""Independent brute-force solution of Fang & Ramsay's two-period alliance game.

Written from the game's rules and tie rules only (docs/analytic-api.md), without
the paper's closed forms (no r*, r~, theta, omega) and without looking at
``analytic``.  Numeric backward induction:

Benefits
--------
``benefits=(B_P, B_A, B_H)`` (default: the paper's (1, 1, 1)) are the values of the
produced good to the patron, to the protégé when he produces with her, and to the
protégé when he produces with an ad hoc partner.  Produced with the patron at her
contribution r: patron B_P - r, protégé B_A - phi + r; with an ad hoc partner
offering x: patron 0, protégé B_H - phi + x; nothing produced: 0 for both.  Callers
guarantee each B < phi, B_P + B_A > phi and 0 < phi - B_H < 1.  The protégé
chooses by value, so his comparisons are made in *outside-offer units*: the
patron's r is worth as much to him as an outside offer r + (B_A - B_H), producing
nothing as much as phi - B_H (the paper's phi - 1).  Tie rules are applied to these
comparisons unchanged.  The patron's offers are contributions on [0, B_P]; the
outside offers stay on [0, 1].  In period 2 a standing x1 worth more to him than
any offer r <= B_P (x1 > B_P + B_A - B_H) cannot be matched without loss: she then
offers 0, which he turns down (p_alliance = 0 from there).  With (1, 1, 1) every
expression reduces to the paper's, bit for bit.

Discretization
--------------
* Outside offers: U[0, 1] is replaced by the ``n_x`` cell midpoints
  (i + 1/2)/n_x, each of weight 1/n_x; every expectation over x1 or x2 is a
  grid mean.
* Period-2 offers: the patron picks r2 from a uniform grid of ``n_r2 + 1``
  points on [0, B_P] plus the matching offer m = max(max(x1, phi - B_H) - (B_A - B_H), 0),
  the least offer worth as much to him as max(x1, nothing) (the paper's
  max(x1, phi - 1)).  Any r2 below m is never taken (x1 or producing nothing
  beats it), so it pays her 0; for r2 >= m the protégé's reply depends on r2
  alone, which lets the argmax over the grid be taken for every x1 at once as a
  suffix argmax over r2.
* Period-1 offers: grid of ``n_r + 1`` points on [0, B_P] plus the reservation
  offers that a whole block of draws x1 share (there the patron's payoff jumps up,
  possibly to a peak narrower than the grid); around the best of these in each
  first-move class (accept / search / delay) ``n_ref`` points on +-B_P/n_r refine it.
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
``error_bound(n_x, n_r, n_r2, n_ref)`` returns this.  With benefits, payoffs lie in
[0, S], S = max(1, B_P) (the protégé's is below max(B_H - phi + 1, B_A - phi + B_P)
<= S), so the x-term scales with S; the offer grids' spacing (B_P/n) times the
patron's payoff slope (<= S) scales with S^2: ``error_bound(..., scale=S)``.
(Where the patron stops matching, x1 = B_P + B_A - B_H, her payoff tends to 0:
a kink, not a further jump.)  Thresholds in offers
(e.g. the offer that just makes the protégé accept) are then off by the payoff
error divided by the slope of the protégé's gain, which is small when c is.
"""

from __future__ import annotations

import numpy as np

TOL = 1e-9
MOVES = np.array(["accept", "search", "delay"])
ACCEPT, SEARCH, DELAY = 0, 1, 2


def error_bound(n_x=20000, n_r=400, n_r2=100000, n_ref=100, scale=1.0):
    """Bound on the discretization error of u_patron and u_protege (see module doc);
    scale = max(1, B_P) with benefits."""
    return scale * 3.0 / n_x + scale ** 2 / n_r2 + 2.0 * scale ** 2 / (n_r * n_ref)


def _benefits(phi, benefits):
    """(B_P, B_A, B_H) as floats, (1, 1, 1) for None; checks the callers' guarantees."""
    if benefits is None:
        return (1.0, 1.0, 1.0)
    b = tuple(float(v) for v in benefits)
    assert len(b) == 3 and min(b) > 0 and max(b) < phi, "each benefit in (0, phi)"
    assert b[0] + b[1] > phi, "patron + protege_ally > phi"
    assert 0 < phi - b[2] < 1, "0 < phi - protege_ad_hoc < 1"
    return b


def _matching(phi, x1, b):
    """Least patron offer worth max(x1, producing nothing) to the protégé (>= 0)."""
    _, ba, bh = b
    return np.maximum(np.maximum(x1, phi - bh) - (ba - bh), 0.0)


def _search(x, q):
    """#{x2 < q} and E max(q, x2) over the draws, for standing levels q (outside-offer units)."""
    below = np.searchsorted(x, q, side="left")  # #{x2 < q}: x2 == q goes to x2 (newest)
    tail = np.concatenate([np.cumsum(x[::-1])[::-1], [0.0]])  # tail[k] = sum of x[k:]
    return below, (q * below + tail[below]) / len(x)


def _reply_period2(phi, c, x, r, b):
    """Period 2 when the patron's offer r is the best standing offer (r >= the matching offer).

    Returns (searches, patron payoff, protégé payoff, P(alliance)) per offer r, in
    period-2 units (not yet discounted).
    """
    bp, ba, bh = b
    q = r + (ba - bh)  # r in outside-offer units
    below, e_best = _search(x, q)  # E max(q, x2)
    searches = -c + e_best - q > TOL  # sure outcome beats lottery of equal value
    p_alliance = np.where(searches, below / len(x), 1.0)
    patron = (bp - r) * p_alliance
    protege = np.where(searches, -c + bh - phi + e_best, ba - phi + r)
    return searches, patron, protege, p_alliance


def _reply_unmatched(phi, c, x, x1, b):
    """Period 2 when the patron cannot match x1 without loss (she offers 0, turned down):
    the protégé holds x1 (worth more than nothing here) and may search once more.
    Same returns as _reply_period2."""
    _, _, bh = b
    s = np.maximum(x1, phi - bh)
    below, e_best = _search(x, s)
    searches = -c + e_best - s > TOL
    protege = np.where(searches, -c + bh - phi + e_best, np.maximum(bh - phi + x1, 0.0))
    zero = np.zeros(np.shape(s))
    return searches, zero, protege, zero


def _suffix_argmax(key):
    """out[j] = index of max(key[j:]), the largest index among exact ties."""
    rev = key[::-1]
    best = np.maximum.accumulate(rev)
    new_record = rev > np.concatenate([[-np.inf], best[:-1]])
    arg_rev = np.maximum.accumulate(np.where(new_record, np.arange(len(rev)), 0))
    return (len(rev) - 1 - arg_rev)[::-1]


def _period2(phi, c, x, x1, n_r2, b):
    """Patron's best r2 for each standing offer x1, and what follows (period-2 units)."""
    bp = b[0]
    grid = np.linspace(0.0, bp, n_r2 + 1)
    s_g, pat_g, pro_g, all_g = _reply_period2(phi, c, x, grid, b)
    key_g = pat_g + TOL * ~s_g  # patron: accepted-at-once wins ties
    m = _matching(phi, x1, b)  # below m the patron gets 0 for sure
    s_m, pat_m, pro_m, all_m = _reply_period2(phi, c, x, m, b)
    key_m = pat_m + TOL * ~s_m
    j = np.searchsorted(grid, m, side="right")  # first grid offer > m
    has = j <= n_r2
    k = _suffix_argmax(key_g)[np.minimum(j, n_r2)]
    use_grid = has & (key_g[k] >= key_m)  # exact tie: the larger offer (grid point)
    unmatched = m > bp  # every offer he would take loses her money
    s_u, pat_u, pro_u, all_u = _reply_unmatched(phi, c, x, x1, b)
    pick = lambda g, mm, u: np.where(unmatched, u, np.where(use_grid, g[k], mm))
    patron = pick(pat_g, pat_m, pat_u)
    assert np.all((patron > 0) | (m >= bp - TOL)), "patron's best period-2 offer should pay"
    return dict(r2=pick(grid, m, 0.0), searches=pick(s_g, s_m, s_u), patron=patron,
                protege=pick(pro_g, pro_m, pro_u), p_alliance=pick(all_g, all_m, all_u))


def _period2_gap(phi, c, x, n_r2, b):
    """After no first search: the patron's best offer accepted at once minus her best
    offer that makes the protégé search (inf if one kind does not exist).  A tie here
    moves a whole block of x1 (all x1 below the offer) and so the protégé's
    period-1 incentives: a knife-edge the grid cannot resolve."""
    m = float(_matching(phi, 0.0, b))  # <= B_P since B_P + B_A > phi
    r = np.append(np.linspace(0.0, b[0], n_r2 + 1), m)
    r = r[r >= m]
    searches, patron, _, _ = _reply_period2(phi, c, x, r, b)
    acc = patron[~searches].max(initial=-np.inf)
    sea = patron[searches].max(initial=-np.inf)
    return abs(acc - sea) if np.isfinite(acc) and np.isfinite(sea) else np.inf


def _period1(phi, c, delta, x, r1, p2, p2_0, b, chunk=64):
    """Protégé's first move and everyone's payoffs for each first offer in r1."""
    bp, ba, bh = b
    cont_pro = delta * p2["protege"]  # value of moving on to period 2 holding x1
    cont_pat = delta * p2["patron"]
    cont_all = p2["p_alliance"]
    cont_contrib = p2["r2"] * p2["p_alliance"]
    out = {k: np.empty(len(r1)) for k in
           ("S", "V", "p_alliance", "p_breakup", "contrib")}
    for a in range(0, len(r1), chunk):
        r = r1[a:a + chunk, None]
        q = r + (ba - bh)  # r1 in outside-offer units
        take = bh - phi + np.maximum(q, x)  # take the best standing offer now
        now = take >= cont_pro - TOL  # indifferent: takes it now
        took_x = now & (x >= q)  # x1 beats r1 on ties (newest)
        took_r = now & ~took_x
        later = ~now
        sl = slice(a, a + chunk)
        out["S"][sl] = -c + np.where(now, take, cont_pro).mean(1)
        out["V"][sl] = (bp - r[:, 0]) * took_r.mean(1) + (later * cont_pat).mean(1)
        out["p_alliance"][sl] = took_r.mean(1) + (later * cont_all).mean(1)
        out["p_breakup"][sl] = took_x.mean(1) + (later * (1 - cont_all)).mean(1)
        out["contrib"][sl] = r[:, 0] * took_r.mean(1) + (later * cont_contrib).mean(1)
    A = ba - phi + r1
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
        u_patron=pick(bp - r1, delta * p2_0["patron"], out["V"]),
        p_alliance=pick(1.0, p2_0["p_alliance"], out["p_alliance"]),
        p_breakup=pick(0.0, 1.0 - p2_0["p_alliance"], out["p_breakup"]),
        contrib=pick(r1, p2_0["r2"] * p2_0["p_alliance"], out["contrib"]),
    )


def brute_force(phi, c, delta, n_x=20000, n_r=400, n_r2=100000, n_ref=100, window_tol=None, ppf=None,
                benefits=None):
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
                  x1 grid; r2_no_search -- period-2 offer after no search.  With
                  benefits, reservation is in outside-offer units: he takes the
                  better of r1 and x1 now iff max(r1 + B_A - B_H, x1) >= it;
      offers   -- all first offers tried, with the protégé's first move, payoffs and
                  gap (his value of that move minus his best other move; a knife-edge
                  when it is within the error bound).
    ppf: the inverse CDF of another outside-offer distribution on [0, 1] (extension 4):
                  the draws are then its quantiles at the cell midpoints, each of weight 1/n_x.
    benefits: (patron, protege_ally, protege_ad_hoc), the good's values (module doc);
                  None is the paper's (1, 1, 1).  Offers, payoffs and contributions are
                  in real units; error_bound and the default window_tol use scale max(1, B_P).
    """
    bens = _benefits(phi, benefits)
    bp, ba, bh = bens
    scale = max(1.0, bp)
    x = (np.arange(n_x) + 0.5) / n_x
    if ppf is not None:
        x = np.sort(np.clip(np.asarray(ppf(x), dtype=float), 0.0, 1.0))
    p2 = _period2(phi, c, x, x, n_r2, bens)
    p2_0 = {k: v[0] for k, v in _period2(phi, c, x, np.array([0.0]), n_r2, bens).items()}

    # Reservation offers shared by a block of draws x1 (where the period-2 outcome does
    # not depend on x1): at such an r1 a positive mass switches to taking r1 at once,
    # so the patron's payoff jumps there, possibly to a peak narrower than the grid.
    reservation = phi - bh + delta * p2["protege"]  # outside-offer units
    level, count = np.unique(reservation, return_counts=True)
    level = level - (ba - bh)  # the patron's offer worth that much to him
    blocks = level[(count > 1) & (level >= 0.0) & (level <= bp)]
    coarse = np.concatenate([np.linspace(0.0, bp, n_r + 1), blocks])
    res = _period1(phi, c, delta, x, coarse, p2, p2_0, bens)
    fine = []
    for mv in (ACCEPT, SEARCH, DELAY):  # refine around each class's best candidate
        idx = np.flatnonzero(res["move"] == mv)
        if idx.size:
            r = coarse[idx[np.argmax(res["u_patron"][idx])]]
            fine.append(np.linspace(max(r - bp / n_r, 0.0), min(r + bp / n_r, bp), n_ref))
    if fine:
        more = _period1(phi, c, delta, x, np.concatenate(fine), p2, p2_0, bens)
        res = {k: np.concatenate([res[k], more[k]]) for k in res}
    order = np.argsort(-res["r1"], kind="stable")  # larger offer first: wins exact ties
    res = {k: v[order] for k, v in res.items()}

    # patron's ties: accepted at once, then inducing a search, then the larger offer
    key = res["u_patron"] + TOL * ((res["move"] == ACCEPT) + (res["move"] != DELAY))
    b = int(np.argmax(key))
    move = res["move"][b]
    other = res["move"] != move
    margin1 = float(res["u_patron"][b] - res["u_patron"][other].max()) if other.any() else np.inf
    margin2 = float(_period2_gap(phi, c, x, n_r2, bens))
    if window_tol is None:
        window_tol = 2 * error_bound(n_x, n_r, n_r2, n_ref, scale)
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
        window=window, error_bound=error_bound(n_x, n_r, n_r2, n_ref, scale),
        x1=x, r2_of_x1=p2["r2"], r2_no_search=float(p2_0["r2"]),
        reservation=reservation,
        offers=dict(r1=res["r1"], first_move=MOVES[res["move"]], u_patron=res["u_patron"],
                    u_protege=res["u_protege"], gap=res["gap"]),
    )
