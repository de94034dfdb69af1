"""The exact subgame-perfect equilibrium of Fang & Ramsay's two-period alliance game.

Pure numpy/scipy. `solve` gives one equilibrium, `solve_many` a table of them; the
strategy profile is exposed as vectorized functions so that agents can play the game
draw by draw. The paper's objects (theta, r*, r~, r1*, omega, ...) are in `analytic.paper`.

Every game variant's solver implements `GameSolver` (`analytic.protocol`) and returns an
`Equilibrium` (`analytic.result`); `PAPER_GAME` is the paper's game as such an object, and
`make_solver` builds the solver a scenario's [outsiders] and [bargaining] tables describe.
"""
from analytic import paper, piecewise
from analytic.factory import make_solver
from analytic.params import validate
from analytic.protocol import GameSolver
from analytic.result import EQUILIBRIUM_FIELDS, Equilibrium
from analytic.solver import PAPER_GAME, PaperGame, protege_first_move, solve, solve_many
from analytic.welfare import Welfare, optimal_search_cost, phi_star
from analytic.strategies import (
    patron_offer_period2,
    protege_reservation_period1,
    protege_searches_period2,
)

__all__ = [
    "EQUILIBRIUM_FIELDS", "Equilibrium", "GameSolver", "PAPER_GAME", "PaperGame", "make_solver", "paper", "piecewise",
    "patron_offer_period2", "protege_first_move", "protege_reservation_period1", "protege_searches_period2",
    "solve", "solve_many", "validate", "Welfare", "optimal_search_cost", "phi_star",
]
