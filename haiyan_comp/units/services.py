"""Units per institution and item for a year, read from the running totals.

The growth cap of R9 (purchased basic-medical units) is the settlement's:
settlement/queries.py `purchased_units` applies it to these units.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.audit.services import deductions
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.records.models import UnitTotal
from haiyan_comp.units.rules import InstitutionUnits, ItemUnits


@dataclass(frozen=True)
class YearUnits:
    """`haiyan units` for one year."""

    year: int
    institutions: list[InstitutionUnits]


def year_units(session: Session, year: int, institution_code: str | None = None) -> YearUnits:
    """Gross, over-spec, purchasable, deducted and verified units (R4, R8), before R9's cap."""
    t = UnitTotal
    totals = select(
        t.institution_id, t.item_id, func.sum(t.records), func.sum(t.gross), func.sum(t.purchasable)
    ).where(t.year == year)
    institutions_query = select(Institution).order_by(Institution.code)
    if institution_code is not None:
        institutions_query = institutions_query.where(Institution.code == institution_code)
    if institution_code is not None:
        totals = totals.where(t.institution_id == get_institution(session, institution_code).id)
    institutions = list(session.scalars(institutions_query))
    sums: dict[int, dict[int, tuple[int, int, int]]] = {}
    for inst_id, item_id, count, gross, purchasable in session.execute(
        totals.group_by(t.institution_id, t.item_id)
    ):
        if count:
            sums.setdefault(inst_id, {})[item_id] = (int(count), int(gross), int(purchasable))
    items = list(
        session.scalars(
            select(ServiceItem).where(ServiceItem.year == year).order_by(ServiceItem.position)
        )
    )
    deducted = deductions(session, year)
    result = []
    for institution in institutions:
        mine = sums.get(institution.id, {})
        if not institution.active and not mine:
            continue
        result.append(
            InstitutionUnits(
                code=institution.code,
                name=institution.name,
                items=[
                    ItemUnits(
                        item.code,
                        item.name,
                        item.category,
                        *mine[item.id],
                        deducted=deducted.get((institution.id, item.id), 0),
                    )
                    for item in items
                    if item.id in mine
                ],
            )
        )
    return YearUnits(year, result)
