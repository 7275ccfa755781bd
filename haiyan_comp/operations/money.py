"""The centre's money: its instalments received and due, offsets, settlement and open debt.

Crosses the budget (the schedule), the settlement (the final amount and the
balance of a settled year) and the ledger (what the institution still owes):
one reading for the centre's money page and its home.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from haiyan_comp import clock
from haiyan_comp.budget import queries as budget_queries
from haiyan_comp.budget.rules import clear_debt
from haiyan_comp.budget.services import ScheduledInstalment, unsettled_years_until
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.ledger.services import debt_of
from haiyan_comp.operations import reading
from haiyan_comp.operations.budget import schedule
from haiyan_comp.settlement.queries import SettledInstitution, settled_year


@dataclass(frozen=True)
class Settled:
    """An institution's line of a settled year, with the business date it was settled as of."""

    as_of: date
    line: SettledInstitution


@dataclass(frozen=True)
class CentreMoney:
    """One institution's money of one year, as the centre reads it (fen)."""

    year: int
    years: list[int]
    configured: bool
    instalments: list[ScheduledInstalment]
    settled: Settled | None
    debt: int  # what the institution still owes back today (all years)
    today: date

    def overdue(self, item: ScheduledInstalment) -> bool:
        """Due before today, not paid, and the year not settled."""
        return not item.paid and item.due < self.today and self.settled is None

    @property
    def overdue_items(self) -> list[ScheduledInstalment]:
        return [i for i in self.instalments if self.overdue(i)]

    @property
    def total(self) -> int:
        return sum(i.gross for i in self.instalments)

    @property
    def received(self) -> int:
        """The gross of the instalments paid (cash and debt offsets together)."""
        return sum(i.gross for i in self.instalments if i.paid)

    @property
    def cash(self) -> int:
        return sum(i.cash or 0 for i in self.instalments)

    @property
    def offsets(self) -> int:
        return sum(i.offset or 0 for i in self.instalments)

    @property
    def outstanding(self) -> int:
        """The gross of the instalments not paid yet."""
        return sum(i.gross for i in self.instalments if not i.paid)

    @property
    def next_due(self) -> ScheduledInstalment | None:
        """The first instalment not paid yet (None when all are, or the year is settled)."""
        if self.settled is not None:
            return None
        return next((i for i in self.instalments if not i.paid), None)


@reading
def centre_money(institution_code: str, year: int | None) -> CentreMoney:
    """The money page of a centre: `year` (None: the latest configured year)."""
    session = db.session
    years = budget_queries.known_years(session)
    if year is None:
        latest = budget_queries.latest_year(session)
        year = latest if latest is not None else clock.today().year
    try:
        plan = [i for i in schedule(session, year) if i.institution == institution_code]
        configured = True
    except NotFound:
        plan, configured = [], False
    return CentreMoney(
        year,
        years,
        configured,
        plan,
        settled_line(institution_code, year),
        debt_of(session, institution_code),
        clock.today(),
    )


@reading
def settled_line(institution_code: str, year: int) -> Settled | None:
    """The institution's line of settled `year` (its final amount), or None when not settled."""
    settled = settled_year(db.session, year, institution_code)
    if settled is None or not settled.institutions:
        return None
    return Settled(settled.as_of, settled.institutions[0])


@dataclass(frozen=True)
class RunPreview:
    """What a prepayment run as of a date would pay: every instalment due and unpaid (fen)."""

    as_of: date
    items: list[ScheduledInstalment]  # with the offset and cash they would have

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def gross(self) -> int:
        return sum(i.gross for i in self.items)

    @property
    def offsets(self) -> int:
        return sum(i.offset or 0 for i in self.items)

    @property
    def cash(self) -> int:
        return sum(i.cash or 0 for i in self.items)

    @property
    def institutions(self) -> int:
        return len({i.institution for i in self.items})


@reading
def run_preview(as_of: date) -> RunPreview:
    """What `pay_instalments(as_of, …)` would pay now, read only: the confirmation's figures.

    The same instalments a run pays (due on or before `as_of`, unpaid, of the
    unsettled years begun by then), each with the offset today's debt would take.
    """
    session = db.session
    debts: dict[str, int] = {}
    due: list[ScheduledInstalment] = []
    for year in unsettled_years_until(session, as_of):
        for item in schedule(session, year):
            if item.paid or item.due > as_of:
                continue
            if item.institution not in debts:
                debts[item.institution] = debt_of(session, item.institution)
            offset, cash = clear_debt(item.gross, debts[item.institution])
            debts[item.institution] -= offset
            due.append(replace(item, offset=offset, cash=cash))
    return RunPreview(as_of, due)
