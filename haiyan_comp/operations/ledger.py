"""The ledger: listing its entries, verifying the books (R15), a settled year's seal.

Verifying crosses domains: the ledger's postings are checked against the
settlements' final amounts and the instalments' cash, read here and handed to
the ledger's check, so that the ledger depends on neither.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from haiyan_comp.budget.queries import instalments_cash
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.ledger import queries, services, verify
from haiyan_comp.ledger.messages import NOT_SEALED
from haiyan_comp.ledger.queries import JournalPage, LedgerLine, YearSeal
from haiyan_comp.messages import Message
from haiyan_comp.operations import reading
from haiyan_comp.settlement.queries import finals


def books_problems(session: Session) -> list[Message]:
    """Every broken invariant of R15, named; an empty list when the books are true."""
    return verify.verify_ledger(session, finals(session), instalments_cash(session))


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
    year: int | None,
    institution: str | None,
    account: str | None = None,
    page: int = 1,
    size: int = 100,
) -> tuple[JournalPage, list[Message]]:
    """The ledger page: a page of the journal (newest first; for a year, an institution
    and/or an account) and the books' checks (`haiyan ledger verify`)."""
    journal = queries.journal_page(
        db.session, year=year, institution=institution, account=account, page=page, size=size
    )
    return journal, books_problems(db.session)


@reading
def year_seal(year: int) -> YearSeal | None:
    """A settled year's seal (the ledger chain's head when it was settled), for statements."""
    return queries.year_seal(db.session, year)


@reading
def sealed_year(year: int) -> YearSeal:
    """`haiyan ledger seal YEAR`: the year's seal, or NotFound while it is open."""
    seal = queries.year_seal(db.session, year)
    if seal is None:
        raise NotFound(NOT_SEALED(year=year))
    return seal
