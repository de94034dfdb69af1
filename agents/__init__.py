"""Mesa agent populations playing the Fang & Ramsay alliance game.

``AllianceModel`` (``agents.model``) holds the population; ``Protege``,
``Patron`` and ``AdHocPartner`` are its Mesa agents; ``agents.game`` plays one
round of the equilibrium for many alliances at once; ``agents.investment`` has
the rules by which institutional integration (the search cost c) moves.
``agents.reference`` is the readable specification of a round: ``ReferenceModel``,
whose protégés play their own rounds one at a time (tested against the array model).
"""

from agents.agents import AdHocPartner, Patron, Power, Protege
from agents.distributions import CostDistribution, PhiProcess
from agents.investment import INVESTMENT_RULES, InvestmentRule, make_rule, register_rule
from agents.model import METRICS, AllianceModel
from agents.reference import ReferenceModel

__all__ = [
    "AllianceModel",
    "ReferenceModel",
    "Protege",
    "Patron",
    "AdHocPartner",
    "Power",
    "CostDistribution",
    "PhiProcess",
    "InvestmentRule",
    "INVESTMENT_RULES",
    "make_rule",
    "register_rule",
    "METRICS",
]
