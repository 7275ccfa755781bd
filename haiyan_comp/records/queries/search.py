"""The records search: a page of ids found by the plan chosen, then the rows themselves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.queries.plan import (
    PREFIX_PROBE,
    choose_plan,
    estimate,
    matching_estimate,
    month_aligned,
    prefix_range,
    read_estimate,
    staff_only_count,
    year_bounds,
)
from haiyan_comp.records.queries.rows import RecordPage, RecordRow, RecordSearch

# A count stops here ("10,000 or more"): past it, the exact number helps nobody.
COUNT_CAP = 10_000
# The rows a sorted search may read and sort (a search matching more keeps import order).
SORT_BUDGET = 100_000
# A row read through the staff index or the institution's is a read of its own (the item
# index holds an item's rows together): it counts as this many rows against SORT_BUDGET.
SCATTERED_READ = 3
# The rows of the primary-key walk a count may read before it says "about" instead.
WALK_COUNT_BUDGET = 300_000
# The rows an index plan may read to count (each a random read of the table).
COUNT_READ_BUDGET = 50_000


def search_records(session: Session, search: RecordSearch) -> RecordPage:
    """A page of the records that match `search`: in id order (or newest first) by its
    cursor, or sorted by date, item or units by its offset; counted when asked."""
    item_ids = _item_ids(session, search)
    staff_id = _staff_id(session, search)
    if (search.item and not item_ids) or (search.staff and staff_id is None):
        return RecordPage((), False, total=0 if search.count else None)
    plan = choose_plan(session, search, item_ids, staff_id)
    if plan == "none":
        return RecordPage((), False, total=0 if search.count else None)
    sort_plan = _sort_plan(session, search, plan, item_ids, staff_id) if search.sorted else None
    sorting = sort_plan is not None
    by_source = not sorting and plan != "source" and _prefix_only(search)
    if sort_plan is not None:
        ids, counted = _sorted_ids(session, search, sort_plan, item_ids, staff_id)
    elif by_source:
        ids, counted = _source_order_ids(session, search), None
    else:
        unsorted = replace(search, sort="id", offset=0)
        ids, counted = _page_ids(session, unsorted, plan, item_ids, staff_id)
    more = len(ids) > search.limit
    rows = {row.id: row for row in _rows(session, ids[: search.limit])}
    if sorting or by_source:
        ordered = tuple(rows[i] for i in ids[: search.limit] if i in rows)
    else:
        ordered = tuple(sorted(rows.values(), key=lambda r: r.id, reverse=search.newest_first))
    page = RecordPage(
        ordered, more, sorted=sorting or not search.sorted, by_offset=sorting or by_source
    )
    if not search.count:
        return page
    if counted is not None:
        return replace(page, total=counted)
    total, exact, capped = _count(session, search, plan, item_ids, staff_id)
    return replace(page, total=total, total_exact=exact, total_capped=capped)


def _prefix_only(search: RecordSearch) -> bool:
    """A source-id prefix and nothing else to filter by (beyond the institution)."""
    others = (search.item, search.staff, search.resident_id, search.year)
    around = (search.date_from, search.date_to, search.after or None, search.before)
    return bool(search.source_id and search.source_prefix) and others + around == (None,) * 8


def _source_order_ids(session: Session, search: RecordSearch) -> list[int]:
    """A prefix matching thousands of ids, in source-id order from the unique index (a page
    reads its own rows only; in import order it might read every record before them)."""
    r = ServiceRecord
    assert search.source_id is not None
    query = (
        select(r.id)
        .where(r.institution_id.in_(_institution_ids(session, search)))
        .where(*prefix_range(r.source_id, search.source_id))
        .order_by(r.institution_id, r.source_id)
        .offset(search.offset)
        .limit(search.limit + 1)
    )
    return [row[0] for row in _fetch(session, query, "source")]


def _query(
    session: Session, search: RecordSearch, plan: str, item_ids: list[int], staff_id: int | None
) -> tuple[list[ColumnElement[bool]], bool]:
    """The conditions of `plan` (with `+ 0` on the columns whose index it does not use),
    and whether the id order comes from the plan's own index."""
    r = ServiceRecord
    if plan == "item" and not item_ids:  # the items of the years searched
        item_ids = _items_of_years(session, search) or [-1]
    by_inst = plan in ("source", "resident", "item", "scope")
    inst = r.institution_id if by_inst else r.institution_id + 0
    item = r.item_id if plan in ("resident", "item") else r.item_id + 0
    staff = r.staff_id if plan == "staff" else r.staff_id + 0
    where: list[ColumnElement[bool]] = []
    if by_inst:
        where.append(inst.in_(_institution_ids(session, search)))
    elif search.institution_id is not None:
        where.append(inst == search.institution_id)
    if plan == "resident":
        all_items = item_ids or list(session.scalars(select(ServiceItem.id)))
        where.append(item.in_(all_items or [-1]))
    elif item_ids:
        where.append(item.in_(item_ids))
    if staff_id is not None:
        where.append(staff == staff_id)
    where += _plain_filters(search, year=not item_ids)  # an item is of one year
    return where, plan == "walk"


def _page_ids(
    session: Session, search: RecordSearch, plan: str, item_ids: list[int], staff_id: int | None
) -> tuple[list[int], int | None]:
    """The ids of the page in id order (one more than the limit), found the cheapest way;
    and, when the plan reads every match anyway (it sorts them), how many there are."""
    r = ServiceRecord
    where, ordered = _query(session, search, plan, item_ids, staff_id)
    key = r.id if ordered else r.id + 0
    order = key.desc() if search.newest_first else key.asc()
    first = search.before is None and search.after is None
    counting = search.count and not ordered and first
    query = select(r.id, func.count().over()) if counting else select(r.id)
    rows = _fetch(session, query.where(*where).order_by(order).limit(search.limit + 1), plan)
    return [row[0] for row in rows], (int(rows[0][1]) if rows else 0) if counting else None


def _sort_plan(
    session: Session, search: RecordSearch, plan: str, item_ids: list[int], staff_id: int | None
) -> str | None:
    """The plan that reads every match to sort it with the fewest rows read (source, resident,
    item, staff or the scope's every record), or None when even that reads over SORT_BUDGET."""
    if search.offset > SORT_BUDGET:
        return None
    if plan in ("source", "resident"):
        return plan
    candidates = ["scope"]
    if item_ids or year_bounds(search) != (None, None):
        candidates.append("item")
    if staff_id is not None:
        candidates.append("staff")
    reads = {
        c: read_estimate(session, search, c, item_ids, staff_id)
        * (1 if c == "item" else SCATTERED_READ)
        for c in candidates
    }
    best = min(reads, key=lambda c: reads[c])
    return best if reads[best] <= SORT_BUDGET else None


def _sorted_ids(
    session: Session, search: RecordSearch, plan: str, item_ids: list[int], staff_id: int | None
) -> tuple[list[int], int | None]:
    """The ids of a page sorted by date, item or units (then id), by offset; and how many
    match (every match is read to sort them), unless the page is past the last."""
    r = ServiceRecord
    where, _ordered = _query(session, search, plan, item_ids, staff_id)
    first: Any = {"date": r.service_date, "units": r.units, "item": ServiceItem.code}[search.sort]
    keys = [first, r.service_date, r.id] if search.sort == "item" else [first, r.id]
    order = [k.desc() if search.descending else k.asc() for k in keys]
    query = select(r.id, func.count().over()).where(*where)
    if search.sort == "item":
        query = query.join(ServiceItem, ServiceItem.id == r.item_id)
    query = query.order_by(*order).offset(search.offset).limit(search.limit + 1)
    rows = _fetch(session, query, plan)
    total = int(rows[0][1]) if rows else (0 if search.offset == 0 else None)
    return [row[0] for row in rows], total


def _count(
    session: Session, search: RecordSearch, plan: str, item_ids: list[int], staff_id: int | None
) -> tuple[int, bool, bool]:
    """(total, exact, capped): from the running totals when they hold the answer; else read
    up to COUNT_CAP + 1 matches when that reads few rows; else the totals' estimate."""
    by_id = search.source_id is None and search.resident_id is None
    if by_id and staff_id is None and month_aligned(search):
        return matching_estimate(session, search, item_ids), True, False
    undated = search.date_from is None and search.date_to is None
    if by_id and staff_id is not None and not item_ids and undated:
        return staff_only_count(session, search, staff_id), True, False
    prefixed = search.source_prefix or search.resident_prefix
    alone = not item_ids and staff_id is None and undated and search.year is None
    if prefixed and plan not in ("source", "resident") and alone:
        return PREFIX_PROBE, True, True  # the prefix's probe found at least this many
    budget = WALK_COUNT_BUDGET if plan == "walk" else COUNT_READ_BUDGET
    if plan not in ("source", "resident") and (
        read_estimate(session, search, plan, item_ids, staff_id, COUNT_CAP) > budget
    ):
        return estimate(session, search, item_ids, staff_id), False, False
    r = ServiceRecord
    where, _ordered = _query(session, search, plan, item_ids, staff_id)
    inner = select(r.id).where(*where)
    if plan == "walk":
        inner = inner.order_by(r.id)
    capped = select(func.count()).select_from(inner.limit(COUNT_CAP + 1).subquery())
    found = int(_fetch(session, capped, plan)[0][0] or 0)
    return min(found, COUNT_CAP), True, found > COUNT_CAP


def _fetch(session: Session, query: Select[Any, Any] | Select[Any], plan: str) -> list[Any]:
    """Run a statement of the search; on PostgreSQL with the plan chosen held.

    Its estimate of the rows matching `institution_id + 0 = …` and the other
    filters is a guess far too low, so for a walk it prefers reading the whole
    table and sorting it to walking the key until a page is found: for a walk
    it may neither scan nor sort. A page is a few rows, so no plan is worth
    compiling (JIT) or parallel workers, which cost more than the read itself.
    For this statement only: the settings come back after it.
    """
    if session.get_bind().dialect.name != "postgresql":
        return list(session.execute(query).all())
    settings = _settings(plan)
    before = session.execute(select(*(func.current_setting(n) for n in settings))).one()
    _set(session, settings)
    try:
        return list(session.execute(query).all())
    finally:
        _set(session, dict(zip(settings, before, strict=True)))


def _settings(plan: str) -> dict[str, str]:
    """The planner settings a statement of `plan` runs with on PostgreSQL (see _fetch)."""
    settings = {"jit": "off", "max_parallel_workers_per_gather": "0"}
    if plan == "walk":
        settings |= dict.fromkeys(("enable_seqscan", "enable_bitmapscan", "enable_sort"), "off")
    return settings


def _set(session: Session, settings: dict[str, str]) -> None:
    """Set planner settings for the rest of the transaction (one statement)."""
    session.execute(select(*(func.set_config(n, v, True) for n, v in settings.items())))


def _plain_filters(search: RecordSearch, *, year: bool) -> list[ColumnElement[bool]]:
    """The filters that no plan uses an index for, and the cursor."""
    r = ServiceRecord
    where: list[ColumnElement[bool]] = []
    if search.source_id is not None:
        if search.source_prefix:
            where += prefix_range(r.source_id, search.source_id)
        else:
            where.append(r.source_id == search.source_id)
    if search.resident_id is not None:
        if search.resident_prefix:
            where += prefix_range(r.resident_id, search.resident_id)
        else:
            where.append(r.resident_id == search.resident_id)
    if year and search.year is not None:
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


def _item_ids(session: Session, search: RecordSearch) -> list[int]:
    """The ids of the item searched for (one per catalogue year)."""
    if search.item is None:
        return []
    query = select(ServiceItem.id).where(ServiceItem.code == search.item)
    if search.year is not None:
        query = query.where(ServiceItem.year == search.year)
    return list(session.scalars(query))


def _items_of_years(session: Session, search: RecordSearch) -> list[int]:
    """The ids of every item of the years a record searched for can be of."""
    low, high = year_bounds(search)
    query = select(ServiceItem.id)
    if low is not None:
        query = query.where(ServiceItem.year >= low)
    if high is not None:
        query = query.where(ServiceItem.year <= high)
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
    query = _row_select().where(ServiceRecord.id.in_(ids))
    return [RecordRow(*tuple(row)) for row in session.connection().execute(query)]


def _row_select() -> Select[*tuple[Any, ...]]:
    """The rows' SELECT: RecordRow's fields in order, with their codes and names."""
    r = ServiceRecord
    # Columns, not entities: a workbook reads a million of these (no identity map to fill).
    return (
        select(
            r.id, r.source_id, Institution.code, Staff.code, Staff.name, ServiceItem.code,
            ServiceItem.name, r.year, r.service_date, r.resident_id, r.quantity, r.units,
            r.purchasable, r.capped, r.import_id, r.line,
        )
        .join(Institution, Institution.id == r.institution_id)
        .join(Staff, Staff.id == r.staff_id)
        .join(ServiceItem, ServiceItem.id == r.item_id)
    )  # fmt: skip
