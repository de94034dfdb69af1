"""The exact subgame-perfect equilibrium of Fang & Ramsay's two-period alliance game.

Pure numpy/scipy. `solve` gives one equilibrium, `solve_many` a table of them; the
strategy profile is exposed as vectorized functions so that agents can play the game
draw by draw. The paper's objects (theta, r*, r~, r1*, omega, ...) are in `analytic.paper`.
"""
from analytic import paper, piecewise
from analytic.params import validate
from analytic.solver import EQUILIBRIUM_FIELDS, Equilibrium, protege_first_move, solve, solve_many
from analytic.welfare import Welfare, optimal_search_cost, phi_star
from analytic.strategies import (
    patron_offer_period2,
    protege_reservation_period1,
    protege_searches_period2,
)

__all__ = [
    "EQUILIBRIUM_FIELDS", "Equilibrium", "paper", "piecewise", "patron_offer_period2", "protege_first_move",
    "protege_reservation_period1", "protege_searches_period2", "solve", "solve_many", "validate",
    "Welfare", "optimal_search_cost", "phi_star",
]
