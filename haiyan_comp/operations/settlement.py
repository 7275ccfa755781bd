"""Settling a year (R13, R14), previewing it, correcting settled years (R15), and the year's
figures at a glance, which gather the budget, units, settlement and ledger of a year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from haiyan_comp.budget.queries import YearConfigView, config_view
from haiyan_comp.db import db
from haiyan_comp.ledger.services import debt_of
from haiyan_comp.operations import operation, reading
from haiyan_comp.operations.budget import schedule
from haiyan_comp.settlement import adjustments, queries, rules, services
from haiyan_comp.settlement.queries import SettledYear
from haiyan_comp.settlement.rules import FinalAmounts
from haiyan_comp.settlement.services import SettlementResult

__all__ = [
    "SettlementResult",
    "YearGlance",
    "YearRow",
    "book_adjustment",
    "preview_settlement",
    "settle_year",
    "settled_year",
    "year_glance",
]


@reading
def preview_settlement(year: int, as_of: date) -> SettlementResult:
    """The figures settling `year` as of `as_of` would fix; nothing written, nothing locked."""
    return services.compute_settlement(db.session, year, as_of)


@operation
def settle_year(year: int, as_of: date, by: str) -> SettlementResult:
    """R13: settle a year once; Conflict if it is settled or cannot settle yet."""
    return services.settle_year(db.session, year, as_of, by)


@reading
def settled_year(year: int, institution: str | None = None) -> SettledYear | None:
    """What the settlement of `year` fixed (one institution's line, or all), or None."""
    return queries.settled_year(db.session, year, institution)


@operation
def book_adjustment(
    year: int, institution: str, amount: int, corrects: int, reason: str, by: str
) -> int:
    """R15: a correction of settled `corrects`, booked in open `year`; the entry's id."""
    entry = adjustments.book_adjustment(db.session, year, institution, amount, corrects, reason, by)
    return entry.id


@dataclass(frozen=True)
class YearRow:
    """One institution's line on the year page."""

    code: str
    name: str
    purchased: int
    prepaid: int
    scheduled: int
    entitlement: int
    final: int
    debt: int
    balance: int | None  # settled years only


@dataclass(frozen=True)
class YearGlance:
    """A configured year's figures: prepaid, still to pay, R10's estimate or the settlement."""

    config: YearConfigView
    rows: list[YearRow]
    estimate: FinalAmounts
    prepaid: int
    scheduled: int
    next_due: date | None
    instalments_paid: int
    instalments_total: int


@reading
def year_glance(year: int) -> YearGlance | None:
    """The year at a glance; None when `year` is not configured."""
    session = db.session
    config = config_view(session, year)
    if config is None:
        return None
    plan = schedule(session, year)
    paid: defaultdict[str, int] = defaultdict(int)
    due: defaultdict[str, int] = defaultdict(int)
    for item in plan:
        (paid if item.paid else due)[item.institution] += item.gross
    units = {i.code: i for i in queries.purchased_units(session, year).institutions}
    purchased = {code: i.purchased for code, i in units.items()}
    if config.unit_price is None:
        estimate = rules.floating_price_amounts(purchased, config.budget)
    else:
        estimate = rules.fixed_price_amounts(
            purchased, config.unit_price, config.budget, config.risk_fund
        )
    done = queries.settled_year(session, year)
    settled = {i.code: i for i in done.institutions} if done else {}
    rows = []
    for code in sorted(set(units) | set(paid) | set(due)):
        line = settled.get(code)
        rows.append(
            YearRow(
                code=code,
                name=units[code].name if code in units else code,
                purchased=line.purchased if line else purchased.get(code, 0),
                prepaid=paid[code],
                scheduled=due[code],
                entitlement=line.entitlement if line else estimate.entitlement.get(code, 0),
                final=line.final if line else estimate.final.get(code, 0),
                debt=debt_of(session, code),
                balance=line.balance if line else None,
            )
        )
    upcoming = sorted({item.due for item in plan if not item.paid})
    return YearGlance(
        config, rows, estimate, sum(paid.values()), sum(due.values()),
        upcoming[0] if upcoming else None, sum(1 for item in plan if item.paid), len(plan),
    )  # fmt: skip
