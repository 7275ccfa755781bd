"""The small reads of records' tables a page shows: search choices, years, months, imports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Staff
from haiyan_comp.records.models import RecordImport, UnitTotal


@dataclass(frozen=True)
class Choice:
    """A code and its name, as a search form offers it."""

    code: str
    name: str


def item_choices(session: Session) -> list[Choice]:
    """Every item of the catalogue (any year) by code and name, in code order."""
    pairs = {
        (code, name) for code, name in session.execute(select(ServiceItem.code, ServiceItem.name))
    }
    return [Choice(code, name) for code, name in sorted(pairs)]


def staff_choices(session: Session, institution_id: int) -> list[Choice]:
    """The institution's staff members, in code order."""
    rows = session.execute(
        select(Staff.code, Staff.name)
        .where(Staff.institution_id == institution_id)
        .order_by(Staff.code)
    )
    return [Choice(code, name) for code, name in rows]


def record_years(session: Session, institution_id: int) -> list[int]:
    """Years with records of the institution (from the running totals), newest first."""
    return list(
        session.scalars(
            select(UnitTotal.year)
            .where(UnitTotal.institution_id == institution_id, UnitTotal.records > 0)
            .distinct()
            .order_by(UnitTotal.year.desc())
        )
    )


def monthly_gross(session: Session, institution_id: int, year: int) -> list[int]:
    """Gross units (hundredths) per month 1–12 of a year, from the running totals."""
    months = [0] * 12
    for month, gross in session.execute(
        select(UnitTotal.month, func.sum(UnitTotal.gross))
        .where(UnitTotal.institution_id == institution_id, UnitTotal.year == year)
        .group_by(UnitTotal.month)
    ):
        if 1 <= month <= 12:
            months[month - 1] = int(gross or 0)
    return months


def recent_imports(
    session: Session, imported_by: Sequence[str], limit: int = 20
) -> list[RecordImport]:
    """The latest imports by these importers (record_imports rows), newest first."""
    return list(
        session.scalars(
            select(RecordImport)
            .where(RecordImport.imported_by.in_(imported_by))
            .order_by(RecordImport.id.desc())
            .limit(limit)
        )
    )
