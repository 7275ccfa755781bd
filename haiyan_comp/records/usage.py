"""What the stored records hold of the domains below them, and valuing them anew.

A catalogue change or a staff load must not orphan or silently misvalue
records; these functions answer how many records use an item or a staff member,
and value a year's records of changed items anew. The operations that change
the catalogue and the staff (operations/catalogue.py, operations/institutions.py)
ask them, so that the catalogue and institutions domains need not know records.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.records.caps import recompute_caps_for_year
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.totals import recount_totals


def staff_record_count(session: Session, staff_id: int) -> int:
    """How many records a staff member has."""
    count = session.scalar(
        select(func.count()).select_from(ServiceRecord).where(ServiceRecord.staff_id == staff_id)
    )
    return int(count or 0)


def item_record_counts(session: Session, item_ids: list[int]) -> dict[int, int]:
    """How many records each of these catalogue items has (items without any left out)."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(ServiceRecord.item_id, func.count())
        .where(ServiceRecord.item_id.in_(item_ids))
        .group_by(ServiceRecord.item_id)
    )
    return {item_id: int(count) for item_id, count in rows}


def records_without_resident(session: Session, item_id: int) -> int:
    """How many records of an item name no resident (a per-resident cap needs one, R2, R3)."""
    count = session.scalar(
        select(func.count())
        .select_from(ServiceRecord)
        .where(ServiceRecord.item_id == item_id, ServiceRecord.resident_id.is_(None))
    )
    return int(count or 0)


def revalue_items(session: Session, year: int, item_ids: list[int]) -> int:
    """Value the year's records of changed items anew (R1, R2), then re-apply caps (R3).

    Returns how many records were valued anew; the year's running totals follow.
    """
    value = (
        select(ServiceItem.value).where(ServiceItem.id == ServiceRecord.item_id).scalar_subquery()
    )
    capped = (
        select(ServiceItem.cap.is_not(None))
        .where(ServiceItem.id == ServiceRecord.item_id)
        .scalar_subquery()
    )
    result = session.execute(
        update(ServiceRecord)
        .where(ServiceRecord.item_id.in_(item_ids))
        .values(
            units=ServiceRecord.quantity * value,
            purchasable=ServiceRecord.quantity * value,
            capped=capped,
        )
        .execution_options(synchronize_session=False)
    )
    recompute_caps_for_year(session, year)
    recount_totals(session, year)
    return int(result.rowcount)  # type: ignore[attr-defined]
