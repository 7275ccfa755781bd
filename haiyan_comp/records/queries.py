"""Reads of the records a user sees: the records search, its choices, the running totals.

`search_records` is the one records search: the centre's records page and
`GET /api/v1/records` both call it, and `record_json` is the one JSON shape of
a row.

Speed at millions of records. The search pages by id (newest first, or in id
order after a cursor) and never counts. Which way the database finds a page is
chosen here, from the running totals (unit_totals, staff_totals: exact counts
kept by every write), because the best way depends on how many records match:

- nothing can match (an item the institution never records, months without
  records, a staff member without records): no query of the records at all;
- a source id or a resident: the unique (institution, source id) and the
  (institution, item, resident, …) indexes find the few rows, which are sorted;
- a staff member: the (staff, id) index walks that member's rows in id order;
- an item: walking the primary key reads about limit × all / matching rows;
  the (institution, item, …) index reads every row of the item and sorts them.
  The cheaper one is taken.
- otherwise: walk the primary key and keep the matching rows.

The plan is held with `+ 0`, which both databases read as "no index for this
column": the columns of the indexes not chosen get it, and so does the ORDER BY
id when the index chosen cannot give that order (the few rows are sorted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.money import format_hundredths
from haiyan_comp.records.models import RecordImport, ServiceRecord, StaffTotal, UnitTotal

# A row read through an index costs about this many rows of the primary-key walk.
INDEX_ROW_COST = 10


@dataclass(frozen=True)
class RecordSearch:
    """What to find: the scope, the filters (None: any) and the page."""

    institution_id: int | None = None  # None: the whole county
    year: int | None = None
    source_id: str | None = None
    item: str | None = None  # an item code (of any year)
    staff: str | None = None  # a staff code
    resident_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    after: int | None = None  # ids above this, in id order
    before: int | None = None  # ids below this, newest first
    newest_first: bool = False
    limit: int = 50


@dataclass(frozen=True)
class RecordRow:
    """A service record as people see it: codes and names, units in hundredths."""

    id: int
    source_id: str
    institution: str
    staff: str
    staff_name: str
    item: str
    item_name: str
    year: int
    service_date: date
    resident_id: str | None
    quantity: int
    units: int
    purchasable: int
    capped: bool
    import_id: int
    line: int


@dataclass(frozen=True)
class RecordPage:
    """One page of a search; `more` says whether another page follows."""

    rows: tuple[RecordRow, ...]
    more: bool

    @property
    def next_cursor(self) -> int | None:
        """The id to pass as `after` (or `before`, newest first) for the next page."""
        return self.rows[-1].id if self.more and self.rows else None


def record_json(row: RecordRow) -> dict[str, Any]:
    """A record as the API gives it (CONTRACT.md): units as decimal strings."""
    return {
        "id": row.id,
        "source_id": row.source_id,
        "institution": row.institution,
        "staff": row.staff,
        "item": row.item,
        "year": row.year,
        "service_date": row.service_date.isoformat(),
        "resident_id": row.resident_id,
        "quantity": row.quantity,
        "units": format_hundredths(row.units),
        "purchasable": format_hundredths(row.purchasable),
        "capped": row.capped,
        "import_id": row.import_id,
        "line": row.line,
    }


def search_records(session: Session, search: RecordSearch) -> RecordPage:
    """A page of the records that match `search`, in id order (or newest first)."""
    ids = _page_ids(session, search)
    more = len(ids) > search.limit
    rows = _rows(session, ids[: search.limit])
    return RecordPage(tuple(sorted(rows, key=lambda r: r.id, reverse=search.newest_first)), more)


def _page_ids(session: Session, search: RecordSearch) -> list[int]:
    """The ids of the page (one more than the limit), found the cheapest way."""
    r = ServiceRecord
    item_ids = _item_ids(session, search)
    staff_id = _staff_id(session, search)
    if (search.item and not item_ids) or (search.staff and staff_id is None):
        return []
    plan = _plan(session, search, item_ids, staff_id)
    if plan == "none":
        return []
    institutions = _institution_ids(session, search)
    by_inst = plan in ("source", "resident", "item")
    inst = r.institution_id if by_inst else r.institution_id + 0
    item = r.item_id if plan in ("resident", "item") else r.item_id + 0
    staff = r.staff_id if plan == "staff" else r.staff_id + 0
    where: list[ColumnElement[bool]] = []
    if by_inst:
        where.append(inst.in_(institutions))
    elif search.institution_id is not None:
        where.append(inst == search.institution_id)
    if plan == "resident":
        all_items = item_ids or list(session.scalars(select(ServiceItem.id)))
        where.append(item.in_(all_items or [-1]))
    elif item_ids:
        where.append(item.in_(item_ids))
    if staff_id is not None:
        where.append(staff == staff_id)
    where += _plain_filters(search)
    ordered = plan in ("walk", "staff")
    key = r.id if ordered else r.id + 0
    order = key.desc() if search.newest_first else key.asc()
    query = select(r.id).where(*where).order_by(order).limit(search.limit + 1)
    return list(session.scalars(query))


def _plain_filters(search: RecordSearch) -> list[ColumnElement[bool]]:
    """The filters that no plan uses an index for, and the cursor."""
    r = ServiceRecord
    where: list[ColumnElement[bool]] = []
    if search.source_id is not None:
        where.append(r.source_id == search.source_id)
    if search.resident_id is not None:
        where.append(r.resident_id == search.resident_id)
    if search.year is not None:
        where.append(r.year == search.year)
    if search.date_from is not None:
        where.append(r.service_date >= search.date_from)
    if search.date_to is not None:
        where.append(r.service_date <= search.date_to)
    if search.after is not None:
        where.append(r.id > search.after)
    if search.before is not None:
        where.append(r.id < search.before)
    return where


def _plan(session: Session, search: RecordSearch, item_ids: list[int], staff_id: int | None) -> str:
    """none, source, resident, staff, item or walk (see the module's docstring)."""
    if search.source_id is not None:
        return "source"
    if search.resident_id is not None:
        return "resident"
    everything, matching, of_item = _unit_counts(session, search, item_ids)
    if staff_id is not None:
        matching = min(matching, _staff_count(session, search, staff_id))
    if matching == 0:
        return "none"
    if staff_id is not None:
        return "staff"
    walk = (search.limit + 1) * everything / matching
    if item_ids and of_item * INDEX_ROW_COST < walk:
        return "item"
    return "walk"


def _unit_counts(
    session: Session, search: RecordSearch, item_ids: list[int]
) -> tuple[int, int, int]:
    """Records in all, matching the scope, item, year and months, and of the scope's item."""
    t = UnitTotal
    scope = true() if search.institution_id is None else t.institution_id == search.institution_id
    item = t.item_id.in_(item_ids) if item_ids else true()
    when: list[ColumnElement[bool]] = []
    if search.year is not None:
        when.append(t.year == search.year)
    month = t.year * 100 + t.month
    if search.date_from is not None:
        when.append(month >= search.date_from.year * 100 + search.date_from.month)
    if search.date_to is not None:
        when.append(month <= search.date_to.year * 100 + search.date_to.month)
    row = session.execute(
        select(
            func.sum(t.records),
            func.sum(case((and_(scope, item, *when), t.records), else_=0)),
            func.sum(case((and_(scope, item), t.records), else_=0)),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def _staff_count(session: Session, search: RecordSearch, staff_id: int) -> int:
    """The staff member's records (of the year), from the running totals."""
    query = select(func.sum(StaffTotal.records)).where(StaffTotal.staff_id == staff_id)
    if search.institution_id is not None:
        query = query.where(StaffTotal.institution_id == search.institution_id)
    if search.year is not None:
        query = query.where(StaffTotal.year == search.year)
    return int(session.scalar(query) or 0)


def _item_ids(session: Session, search: RecordSearch) -> list[int]:
    """The ids of the item searched for (one per catalogue year)."""
    if search.item is None:
        return []
    query = select(ServiceItem.id).where(ServiceItem.code == search.item)
    if search.year is not None:
        query = query.where(ServiceItem.year == search.year)
    return list(session.scalars(query))


def _staff_id(session: Session, search: RecordSearch) -> int | None:
    """The id of the staff member searched for (of the institution searched)."""
    if search.staff is None:
        return None
    query = select(Staff.id).where(Staff.code == search.staff)
    if search.institution_id is not None:
        query = query.where(Staff.institution_id == search.institution_id)
    return session.scalar(query)


def _institution_ids(session: Session, search: RecordSearch) -> list[int]:
    """The institution searched, or every one (so an index on the institution serves)."""
    if search.institution_id is not None:
        return [search.institution_id]
    return list(session.scalars(select(Institution.id)))


def _rows(session: Session, ids: Sequence[int]) -> list[RecordRow]:
    """The records with these ids, with their codes and names."""
    if not ids:
        return []
    r = ServiceRecord
    query = (
        select(r, Institution.code, Staff.code, Staff.name, ServiceItem.code, ServiceItem.name)
        .join(Institution, Institution.id == r.institution_id)
        .join(Staff, Staff.id == r.staff_id)
        .join(ServiceItem, ServiceItem.id == r.item_id)
        .where(r.id.in_(ids))
    )
    return [
        RecordRow(
            id=rec.id,
            source_id=rec.source_id,
            institution=institution,
            staff=staff,
            staff_name=staff_name,
            item=item,
            item_name=item_name,
            year=rec.year,
            service_date=rec.service_date,
            resident_id=rec.resident_id,
            quantity=rec.quantity,
            units=rec.units,
            purchasable=rec.purchasable,
            capped=rec.capped,
            import_id=rec.import_id,
            line=rec.line,
        )
        for rec, institution, staff, staff_name, item, item_name in session.execute(query)
    ]


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
