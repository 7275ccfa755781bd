"""Year on year: each institution's records and units per category and year, from the
running totals (unit_totals), never from the records themselves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution
from haiyan_comp.records.models import UnitTotal


@dataclass(frozen=True)
class CategoryYear:
    """One institution's records and units (hundredths) of one category in one year."""

    year: int
    institution_id: int
    institution: str  # code
    category: str  # basic_medical | public_health
    records: int
    gross: int
    purchasable: int


def category_years(session: Session, institution_code: str | None = None) -> list[CategoryYear]:
    """Every (year, institution, category) with records: one grouped read of the totals."""
    t = UnitTotal
    query = (
        select(
            t.year,
            t.institution_id,
            Institution.code,
            ServiceItem.category,
            func.sum(t.records),
            func.sum(t.gross),
            func.sum(t.purchasable),
        )
        .join(ServiceItem, ServiceItem.id == t.item_id)
        .join(Institution, Institution.id == t.institution_id)
        .group_by(t.year, t.institution_id, Institution.code, ServiceItem.category)
        .order_by(t.year, Institution.code, ServiceItem.category)
    )
    if institution_code is not None:
        query = query.where(Institution.code == institution_code)
    return [
        CategoryYear(int(year), ident, code, category, int(records), int(gross), int(purchase))
        for year, ident, code, category, records, gross, purchase in session.execute(query)
        if records
    ]
