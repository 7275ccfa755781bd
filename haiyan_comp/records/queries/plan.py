"""Which way the records search finds its page, chosen from the running totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution
from haiyan_comp.records.models import ServiceRecord, StaffTotal, UnitTotal
from haiyan_comp.records.queries.rows import RecordSearch

# A row read through an index costs about this many rows of the primary-key walk.
INDEX_ROW_COST = 10
# A prefix matching fewer ids than this is found through its index; more, by the other plans.
PREFIX_PROBE = 2_000


def choose_plan(
    session: Session, search: RecordSearch, item_ids: list[int], staff_id: int | None
) -> str:
    """none, source, resident, item, staff or walk (see haiyan_comp.records.queries).

    Costs are in rows of the primary-key walk. The matching records are
    estimated from the running totals: exactly for the scope, item, year and
    months, and for a staff member as if they recorded every item alike.
    Records come year after year, so a walk toward a year first passes the
    records of the years on its way (the newest first, or the oldest).
    """
    if search.source_id is not None and (
        not search.source_prefix or prefix_is_small(session, search, "source")
    ):
        return "source"
    if search.resident_id is not None and (
        not search.resident_prefix or prefix_is_small(session, search, "resident")
    ):
        return "resident"
    counts = _unit_counts(session, search, item_ids)
    matching = float(counts.matching)
    member = 0
    if staff_id is not None:
        member = _staff_count(session, search, staff_id)
        matching *= member / max(counts.scope, 1)
    if matching == 0:
        return "none"  # the totals are exact: nothing matches
    page = search.limit + 1
    costs = {"walk": counts.passed + page * counts.span / matching}
    if item_ids or year_bounds(search) != (None, None):
        costs["item"] = counts.of_items + matching * INDEX_ROW_COST
    if staff_id is not None:  # every row of the member (in the dates searched), sorted
        costs["staff"] = member * INDEX_ROW_COST
    return min(costs, key=lambda plan: costs[plan])


def year_bounds(search: RecordSearch) -> tuple[int | None, int | None]:
    """The first and last year a record searched for can be of (None: no bound)."""
    low = [y for y in (search.year, search.date_from and search.date_from.year) if y]
    high = [y for y in (search.year, search.date_to and search.date_to.year) if y]
    return (max(low) if low else None, min(high) if high else None)


@dataclass(frozen=True)
class _Counts:
    scope: int  # records of the institution searched (or the county)
    matching: int  # of the scope, item, year and months searched
    of_items: int  # of the scope and the items the item plan reads (any month)
    span: int  # of the county in the years searched
    passed: int  # of the county in the years a walk passes before those


def _unit_counts(session: Session, search: RecordSearch, item_ids: list[int]) -> _Counts:
    """Counts of records from the running totals (one statement, a row a year)."""
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
    rows = [
        (int(year), *(int(n or 0) for n in numbers))
        for year, *numbers in session.execute(
            select(
                t.year,
                func.sum(t.records),
                func.sum(case((scope, t.records), else_=0)),
                func.sum(case((and_(scope, item, *when), t.records), else_=0)),
                func.sum(case((and_(scope, item), t.records), else_=0)),
            ).group_by(t.year)
        )
    ]
    low, high = year_bounds(search)
    inside = [r for r in rows if (low is None or r[0] >= low) and (high is None or r[0] <= high)]
    if search.newest_first:
        passed = sum(r[1] for r in rows if high is not None and r[0] > high)
    else:
        passed = sum(r[1] for r in rows if low is not None and r[0] < low)
    return _Counts(
        scope=sum(r[2] for r in rows),
        matching=sum(r[3] for r in rows),
        of_items=sum(r[4] for r in inside),
        span=sum(r[1] for r in inside),
        passed=passed,
    )


def _staff_count(session: Session, search: RecordSearch, staff_id: int) -> int:
    """The staff member's records (of the year), from the running totals."""
    query = select(func.sum(StaffTotal.records)).where(StaffTotal.staff_id == staff_id)
    if search.institution_id is not None:
        query = query.where(StaffTotal.institution_id == search.institution_id)
    if search.year is not None:
        query = query.where(StaffTotal.year == search.year)
    return int(session.scalar(query) or 0)


def prefix_range(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None], prefix: str
) -> list[ColumnElement[bool]]:
    """The ids that start with `prefix`: a range an index reads (code-point order, as both
    databases compare the ids), and the exact test on the few rows it finds."""
    where: list[ColumnElement[bool]] = [column >= prefix]
    last = ord(prefix[-1]) if prefix else 0x10FFFF
    if last < 0x10FFFF and not 0xD7FF <= last < 0xE000:
        where.append(column < prefix[:-1] + chr(last + 1))
    where.append(func.substr(column, 1, len(prefix)) == prefix)
    return where


def prefix_is_small(session: Session, search: RecordSearch, which: str) -> bool:
    """Whether fewer than PREFIX_PROBE records of the scope have a source id (or resident)
    starting with the prefix searched: a capped read of the index that holds them."""
    r = ServiceRecord
    scope = (
        [search.institution_id]
        if search.institution_id is not None
        else list(session.scalars(select(Institution.id)))
    )
    where: list[ColumnElement[bool]] = [r.institution_id.in_(scope or [-1])]
    if which == "source":
        assert search.source_id is not None
        where += prefix_range(r.source_id, search.source_id)
    else:
        assert search.resident_id is not None
        items = list(session.scalars(select(ServiceItem.id)))
        where.append(r.item_id.in_(items or [-1]))
        where += prefix_range(r.resident_id, search.resident_id)
    probe = select(r.id).where(*where).limit(PREFIX_PROBE).subquery()
    found = session.scalar(select(func.count()).select_from(probe)) or 0
    return found < PREFIX_PROBE


def month_aligned(search: RecordSearch) -> bool:
    """Whether the date range (if any) is whole months, as the running totals count them."""
    start, end = search.date_from, search.date_to
    starts = start is None or start.day == 1
    ends = end is None or (end + timedelta(days=1)).day == 1
    return starts and ends


def matching_estimate(session: Session, search: RecordSearch, item_ids: list[int]) -> int:
    """The records of the scope, item, year and months searched, from the running totals
    (exact when no other filter applies and the dates are whole months)."""
    return _unit_counts(session, search, item_ids).matching


def read_estimate(
    session: Session,
    search: RecordSearch,
    plan: str,
    item_ids: list[int],
    staff_id: int | None,
    cap: int = 10_000,
) -> int:
    """About how many records `plan` reads to find every match (scope: the institution's
    every record; walk: until `cap` matches are found, or the whole span)."""
    counts = _unit_counts(session, search, item_ids)
    if plan == "item":
        return counts.of_items
    if plan == "staff" and staff_id is not None:
        return _staff_count(session, search, staff_id)
    if plan == "walk":
        whole = counts.passed + counts.span
        return min(whole, counts.passed + cap * counts.span // max(counts.matching, 1))
    return counts.scope


def estimate(
    session: Session, search: RecordSearch, item_ids: list[int], staff_id: int | None
) -> int:
    """About how many records match: the running totals' count of the scope, items and
    months, times the staff member's share of the scope and the share of days searched."""
    counts = _unit_counts(session, search, item_ids)
    matching = counts.matching
    if staff_id is not None:
        matching = matching * _staff_count(session, search, staff_id) // max(counts.scope, 1)
    start, end = search.date_from, search.date_to
    if start is not None and end is not None and start <= end:
        first = start.replace(day=1)
        last = (end.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        matching = matching * ((end - start).days + 1) // ((last - first).days + 1)
    return matching


def staff_only_count(session: Session, search: RecordSearch, staff_id: int) -> int:
    """A staff member's records (of the year, the scope), exactly, from the running totals."""
    return _staff_count(session, search, staff_id)
