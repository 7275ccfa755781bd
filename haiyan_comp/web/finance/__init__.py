"""The finance officer's pages: the year at a glance, configuration, prepayments,
settlement, the ledger, assessments and statements.

Every figure comes from the domain services (budget, settlement, ledger, bonus,
statements); these views only parse forms, call one service in a unit of work
and show the result. Only the finance role may use them: auditors never touch
money (segregation of duties), centres and staff have their own pages.
"""

from __future__ import annotations

# Each module adds its pages to the one blueprint.
from haiyan_comp.web.finance import (  # noqa: F401
    assessments,
    configure,
    glance,
    prepayments,
    settlement,
    statements,
    year_copy,
    years,
)
from haiyan_comp.web.finance.common import bp

__all__ = ["bp"]
