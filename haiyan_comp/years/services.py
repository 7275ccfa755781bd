"""Scheme years: which exist, which are settled, and the lock that orders writers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from haiyan_comp import clock
from haiyan_comp.errors import YearSettled
from haiyan_comp.years.messages import YEAR_SETTLED
from haiyan_comp.years.models import Year

# One PostgreSQL advisory lock key for everything that writes records or money,
# so that imports, catalogue changes and (later) settlements never interleave.
RECORDS_LOCK = 0x4861_6979  # "Haiy"


def lock_records(session: Session) -> None:
    """Serialise writers of records and money for the rest of the transaction.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: a write that
    changes nothing takes the database's write lock now, so a second writer
    waits (busy_timeout) instead of failing when it upgrades a read lock later.
    Call it first in a unit of work.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RECORDS_LOCK})
    else:
        session.execute(text("UPDATE years SET year = year WHERE year IS NULL"))


def settled_years(session: Session) -> dict[int, datetime]:
    """Every settled year and when it was settled."""
    rows = session.execute(select(Year.year, Year.settled_at).where(Year.settled_at.is_not(None)))
    return {year: at for year, at in rows if at is not None}


def ensure_year(session: Session, year: int) -> Year:
    """The Year row of `year`, created open when it does not exist yet."""
    row = session.get(Year, year)
    if row is None:
        row = Year(year=year)
        session.add(row)
        session.flush()
    return row


def require_open(session: Session, year: int, what: str) -> Year:
    """The open year `year`, or YearSettled naming what cannot change (R15).

    `what`: the step refused, best a Message of the caller's domain (its Chinese then shows).
    """
    row = ensure_year(session, year)
    if row.settled_at is not None:
        raise YearSettled(
            YEAR_SETTLED(
                year=year, settled_on=clock.county_date(row.settled_at).isoformat(), what=what
            ),
            details={"year": year, "settled_at": row.settled_at.isoformat()},
        )
    return row
