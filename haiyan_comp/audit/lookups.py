"""What the audit's surfaces look up beside its tables: who owns a batch, what to choose from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.audit.models import AuditBatch
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.years.models import Year


def batch_owner(session: Session, batch_id: int) -> int | None:
    """The id of the institution a batch audits (None for no such batch)."""
    return session.scalar(select(AuditBatch.institution_id).where(AuditBatch.id == batch_id))


def is_staff_of(session: Session, staff_code: str, institution_code: str) -> bool:
    """Whether the staff member works at the institution."""
    found = session.scalar(
        select(Staff.id)
        .join(Institution, Institution.id == Staff.institution_id)
        .where(Staff.code == staff_code, Institution.code == institution_code)
    )
    return found is not None


@dataclass(frozen=True)
class Choices:
    """What the audit pages offer to choose from: years, institutions, a year's items."""

    years: tuple[int, ...]  # newest first
    open_years: tuple[int, ...]  # not settled, newest first
    institutions: tuple[tuple[str, str], ...]  # (code, name) by code
    items: tuple[tuple[str, str], ...]  # (code, name) of the year asked for, in catalogue order


def choices(session: Session, year: int | None) -> Choices:
    """Years (open ones apart), institutions and, for `year`, its catalogue's items."""
    rows = session.execute(select(Year.year, Year.settled_at).order_by(Year.year.desc())).all()
    institutions = session.execute(
        select(Institution.code, Institution.name).order_by(Institution.code)
    )
    items = []
    if year is not None:
        items = list(
            session.execute(
                select(ServiceItem.code, ServiceItem.name)
                .where(ServiceItem.year == year)
                .order_by(ServiceItem.position)
            )
        )
    return Choices(
        tuple(y for y, _settled in rows),
        tuple(y for y, settled in rows if settled is None),
        tuple((code, name) for code, name in institutions),
        tuple((code, name) for code, name in items),
    )
