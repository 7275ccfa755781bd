"""The ledger: listing its entries and verifying the books (R15).

Verifying crosses domains: the ledger's postings are checked against the
settlements' final amounts and the instalments' cash, read here and handed to
the ledger's check, so that the ledger depends on neither.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from haiyan_comp.budget.queries import instalments_cash
from haiyan_comp.db import db
from haiyan_comp.ledger import queries, services
from haiyan_comp.ledger.queries import LedgerLine
from haiyan_comp.messages import Message
from haiyan_comp.operations import reading
from haiyan_comp.settlement.queries import finals


def books_problems(session: Session) -> list[Message]:
    """Every broken invariant of R15, named; an empty list when the books are true."""
    return services.verify_ledger(session, finals(session), instalments_cash(session))


@reading
def verify_books() -> list[Message]:
    """`haiyan ledger verify` and the ledger page's checks."""
    return books_problems(db.session)


@reading
def ledger_lines(year: int | None = None, institution: str | None = None) -> list[LedgerLine]:
    """Entries in order, for a year and/or an institution (`haiyan ledger`)."""
    return queries.ledger_lines(db.session, year, institution)


@reading
def debts(codes: list[str]) -> dict[str, int]:
    """What each institution still owes back (R14), in fen."""
    return {code: services.debt_of(db.session, code) for code in codes}


@reading
def ledger_page(
    year: int | None, institution: str | None
) -> tuple[list[LedgerLine], list[Message]]:
    """The ledger page: its entries (for a year and/or an institution) and R15's checks."""
    return queries.ledger_lines(db.session, year, institution), books_problems(db.session)
