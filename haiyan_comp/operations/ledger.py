"""The ledger: listing its entries, verifying the books (R15), a settled year's seal.

Verifying crosses domains: the ledger's postings are checked against the
settlements' final amounts and the instalments' cash, read here and handed to
the ledger's check, so that the ledger depends on neither.
"""

from __future__ import annotations

import getpass

from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.budget.queries import instalments_cash
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.ledger import chain, journal, queries, services, verify
from haiyan_comp.ledger.journal import JournalPage
from haiyan_comp.ledger.messages import NOT_SEALED
from haiyan_comp.ledger.models import LedgerEntry
from haiyan_comp.ledger.queries import BooksCheck, LedgerLine, YearSeal
from haiyan_comp.messages import Message
from haiyan_comp.operations import operation, reading
from haiyan_comp.settlement.queries import finals


def books_problems(session: Session) -> list[Message]:
    """Every broken invariant of R15, named; an empty list when the books are true."""
    return verify.verify_ledger(session, finals(session), instalments_cash(session))


def verify_books(by: str | None = None) -> list[Message]:
    """`haiyan ledger verify` and the ledger page's 核对台账: recompute the books (a read,
    holding no write lock however long it takes), then keep what was found, up to which
    entry and by whom (`by`; the command line's user when None) for the ledger page."""
    problems, head_id, head_hash = _verified()
    _keep(problems, head_id, head_hash, by or f"cli:{getpass.getuser()}")
    return problems


@reading
def _verified() -> tuple[list[Message], int | None, str]:
    head = db.session.execute(
        select(LedgerEntry.id, LedgerEntry.hash).order_by(LedgerEntry.id.desc()).limit(1)
    ).first()
    head_id, head_hash = (head[0], head[1]) if head is not None else (None, chain.GENESIS)
    return books_problems(db.session), head_id, head_hash


@operation
def _keep(problems: list[Message], head_id: int | None, head_hash: str, by: str) -> None:
    services.record_check(db.session, problems, head_id, head_hash, by)


@reading
def ledger_lines(
    year: int | None = None,
    institution: str | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> list[LedgerLine]:
    """Entries in order, for a year and/or an institution (`haiyan ledger`); with `limit`,
    at most that many after the entry `after` (the API's pages)."""
    return queries.ledger_lines(db.session, year, institution, after=after, limit=limit)


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
    *,
    before: int | None = None,
    after: int | None = None,
) -> tuple[JournalPage, BooksCheck]:
    """The ledger page: a page of the journal (newest first; for a year, an institution
    and/or an account; by keyset `before`/`after` an entry, or by number) and what the
    latest verification of the books found (it is not recomputed here: `verify_books`)."""
    page_ = journal.journal_page(
        db.session, year=year, institution=institution, account=account, page=page,
        size=size, before=before, after=after,
    )  # fmt: skip
    return page_, queries.books_check(db.session)


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
