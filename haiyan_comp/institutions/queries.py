"""Reads of the institutions and their staff, as the pages, the API and the commands show them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.errors import NotFound
from haiyan_comp.institutions.messages import UNKNOWN_INSTITUTION
from haiyan_comp.institutions.models import Institution, Staff


@dataclass(frozen=True)
class InstitutionRow:
    """One institution, with how many staff members it has."""

    id: int
    code: str
    name: str
    active: bool
    staff_count: int


def institution_list(session: Session) -> list[InstitutionRow]:
    """Every institution by code, with its staff count."""
    counts = (
        select(Staff.institution_id, func.count().label("staff"))
        .group_by(Staff.institution_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Institution.id,
            Institution.code,
            Institution.name,
            Institution.active,
            func.coalesce(counts.c.staff, 0),
        )
        .outerjoin(counts, counts.c.institution_id == Institution.id)
        .order_by(Institution.code)
    )
    return [InstitutionRow(*row) for row in rows]


def _institution(session: Session, where: Any) -> InstitutionRow | None:
    row = session.execute(
        select(
            Institution.id,
            Institution.code,
            Institution.name,
            Institution.active,
            select(func.count())
            .select_from(Staff)
            .where(Staff.institution_id == Institution.id)
            .scalar_subquery(),
        ).where(where)
    ).one_or_none()
    return None if row is None else InstitutionRow(*row)


def institution_by_code(session: Session, code: str) -> InstitutionRow:
    """The institution with `code`, or NotFound."""
    found = _institution(session, Institution.code == code)
    if found is None:
        raise NotFound(UNKNOWN_INSTITUTION(code=repr(code)))
    return found


def institution_by_id(session: Session, institution_id: int) -> InstitutionRow:
    """The institution with this id, or NotFound."""
    found = _institution(session, Institution.id == institution_id)
    if found is None:
        raise NotFound(UNKNOWN_INSTITUTION(code=f"#{institution_id}"))
    return found
