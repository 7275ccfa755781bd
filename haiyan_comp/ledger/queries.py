"""The ledger as users read it: its entries in order, for a year and/or an institution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.models import LedgerEntry


@dataclass(frozen=True)
class LedgerLine:
    """An entry as users read it."""

    id: int
    kind: str
    year: int
    institution: str | None
    amount: int
    reason: str
    created_by: str
    created_at: datetime
    postings: dict[str, int]


def ledger_lines(
    session: Session, year: int | None = None, institution_code: str | None = None
) -> list[LedgerLine]:
    """Entries in order, for a year and/or an institution."""
    codes = dict(session.execute(select(Institution.id, Institution.code)).all())
    query = select(LedgerEntry).options(selectinload(LedgerEntry.postings)).order_by(LedgerEntry.id)
    if year is not None:
        query = query.where(LedgerEntry.year == year)
    if institution_code is not None:
        ids = [pk for pk, code in codes.items() if code == institution_code]
        query = query.where(LedgerEntry.institution_id.in_(ids))
    return [
        LedgerLine(
            e.id,
            e.kind,
            e.year,
            codes.get(e.institution_id) if e.institution_id else None,
            e.amount,
            e.reason,
            e.created_by,
            e.created_at,
            {p.account: p.amount for p in e.postings},
        )
        for e in session.scalars(query)
    ]
