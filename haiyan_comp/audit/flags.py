"""Automatic checks on the records of a year: flags, never rejections.

The checks read running totals kept in step by every write (or recounted at a year's first
read after a bulk load, records/day_totals.py), never group the records on a request:
staff_day_totals (a staff-day over 32.00 units), staff_day_imports (records dated after
their import's county day), repeat_records. Listed records come from those rows: repeats
from repeat_records itself, the others by the (staff, day) index of the records. A
--flagged-only draw freezes what `flagged` flags.
The checks themselves are defined in audit/checks.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Subquery,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from haiyan_comp.audit.checks import (
    AFTER_IMPORT,
    REPEAT,
    RULE_TEXT,
    RULES,
    STAFF_DAY,
    Checks,
    Query,
    county_day,
    day_units,
    import_day,
    r,
    rr,
)
from haiyan_comp.audit.messages import FLAG_AFTER_IMPORT, FLAG_REPEAT, FLAG_STAFF_DAY
from haiyan_comp.audit.rules import STAFF_DAY_LIMIT
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.messages import Message
from haiyan_comp.money import format_hundredths
from haiyan_comp.records import day_totals
from haiyan_comp.records.models import RecordImport

# What other modules take from here (the checks' names are defined in audit/checks.py).
__all__ = [
    "AFTER_IMPORT",
    "REPEAT",
    "RULES",
    "RULE_TEXT",
    "STAFF_DAY",
    "flag_report",
    "flagged",
    "import_day",
]


def flagged(session: Session, year: int) -> ColumnElement[bool]:
    """Whether a record (of service_records, of `year`) is flagged by at least one check now."""
    day_totals.bring_up_to_date(session, year)
    day = import_day(session.get_bind().dialect.name)
    late = select(literal(1)).where(RecordImport.id == r.import_id, r.service_date > day)
    return or_(
        exists().where(rr.record_id == r.id),
        day_units(r.year, r.institution_id, r.staff_id, r.service_date) > STAFF_DAY_LIMIT,
        late.exists(),
    )


def flag_report(
    session: Session, year: int, institution_code: str | None = None, limit: int = 1000
) -> dict[str, Any]:
    """`haiyan audit flags`: counts per rule, institution and staff, and the first flags."""
    institution_id = None
    if institution_code is not None:
        institution_id = get_institution(session, institution_code).id
    day_totals.bring_up_to_date(session, year)
    if session.get_bind().dialect.name == "postgresql":  # small reads: JIT costs more than it saves
        session.execute(text("SET LOCAL jit = off"))
    checks = Checks(session, year, institution_id)
    institutions, staff = _counts(session, checks)
    totals = {rule: sum(entry[rule] for entry in institutions) for rule in (*RULES, "records")}
    if checks.postgres:  # each listed record by an index, never a hash of the year's records
        session.execute(text("SET LOCAL enable_hashjoin = off"))
        session.execute(text("SET LOCAL enable_mergejoin = off"))
    listed = _listing(session, checks, limit)
    return {
        "year": year,
        "institution": institution_code,
        "staff_day_limit": format_hundredths(STAFF_DAY_LIMIT),
        "rules": RULE_TEXT,
        "totals": totals,
        "institutions": institutions,
        "staff": staff,
        "flags": listed,
        "listed": len(listed),
        "limit": limit,
    }


Counts = dict[tuple[int, int], list[int]]  # (institution, staff) → [repeat, staff-day, late, any]


def _tallies(session: Session, checks: Checks) -> Counts:
    """Flags per rule and flagged records per staff member, from the running totals.

    A record counts once in `any`: every record of an over-limit staff-day, then
    late records on other days, then repeats neither late nor on such a day.
    """
    counts: Counts = {}
    o, late = checks.over, checks.late

    def add(at: int, rows: Any) -> None:
        for inst, member, *numbers in rows:
            entry = counts.setdefault((inst, member), [0, 0, 0, 0])
            entry[at] += int(numbers[0])
            if len(numbers) > 1:
                entry[3] += int(numbers[1])

    add(1, session.execute(
        select(o.c.institution_id, o.c.staff_id, func.sum(o.c.records), func.sum(o.c.records))
        .group_by(o.c.institution_id, o.c.staff_id)
    ))  # fmt: skip
    on_over = checks.over_day(late.c.institution_id, late.c.staff_id, late.c.service_date)
    add(2, session.execute(
        select(late.c.institution_id, late.c.staff_id, func.sum(late.c.records))
        .add_columns(func.sum(case((on_over, 0), else_=late.c.records)))
        .group_by(late.c.institution_id, late.c.staff_id)
    ))  # fmt: skip
    on_over = checks.over_day(rr.institution_id, rr.staff_id, rr.service_date)
    either = or_(on_over, rr.service_date > checks.day)
    add(0, session.execute(
        select(rr.institution_id, rr.staff_id, func.count(), func.sum(case((either, 0), else_=1)))
        .join(RecordImport, RecordImport.id == rr.import_id)
        .where(*checks.repeats())
        .group_by(rr.institution_id, rr.staff_id)
    ))  # fmt: skip
    return counts


def _counts(session: Session, checks: Checks) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Flags per rule and flagged records, per institution and per staff member."""
    counts = _tallies(session, checks)
    institutions = dict(session.execute(select(Institution.id, Institution.code)).all())
    staff_codes = dict(session.execute(select(Staff.id, Staff.code)).all())
    keys = (*RULES, "records")
    per_institution: dict[str, dict[str, Any]] = {}
    per_staff = []
    for (institution_id, staff_id), numbers in counts.items():
        code = institutions[institution_id]
        entry_counts = dict(zip(keys, numbers, strict=True))
        per_staff.append({"code": staff_codes[staff_id], "institution": code, **entry_counts})
        entry = per_institution.setdefault(code, {"code": code, **dict.fromkeys(keys, 0)})
        for key in keys:
            entry[key] += entry_counts[key]
    per_staff.sort(key=lambda entry: (entry["institution"], entry["code"]))
    return sorted(per_institution.values(), key=lambda entry: entry["code"]), per_staff


def _listing(session: Session, checks: Checks, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` flags, rule by rule, each with what it found."""
    listed: list[dict[str, Any]] = []
    listers: dict[str, Callable[[Session, Checks, int], Query | list[Query]]] = {
        REPEAT: _repeat_queries, STAFF_DAY: _over_queries, AFTER_IMPORT: _late_queries,
    }  # fmt: skip
    staff, items, started = _names(session)
    details: dict[tuple[Any, ...], Message] = {}
    isos: dict[date, str] = {}  # a day's ISO text and an amount's, once each
    amounts: dict[int, str] = {}
    for rule in RULES:
        queries = listers[rule](session, checks, limit - len(listed)) if len(listed) < limit else []
        for query in queries if isinstance(queries, list) else [queries]:
            rows: Sequence[Any]
            if rule == REPEAT:  # whole groups, each row then given its group's size
                rows = _sized(session.connection().execute(query).all())[: limit - len(listed)]
            else:
                rows = session.connection().execute(query.limit(limit - len(listed))).all()
            for source, staff_id, item_id, import_id, day, resident, units, inst, measure in rows:
                member, item = staff[staff_id], items[item_id]
                key = (rule, day, measure, member if rule == STAFF_DAY else None,
                       (item, resident) if rule == REPEAT else None)  # fmt: skip
                if (detail := details.get(key)) is None:  # rows of one day or group share it
                    record = SimpleNamespace(service_date=day, resident_id=resident)
                    at = started[import_id]
                    detail = details[key] = _detail(rule, record, member, item, int(measure), at)
                iso = isos.get(day) or isos.setdefault(day, day.isoformat())
                amount = amounts.get(units) or amounts.setdefault(units, format_hundredths(units))
                listed.append(
                    {"rule": rule, "institution": inst, "source_id": source,
                     "staff": member, "item": item, "service_date": iso,
                     "resident_id": resident, "units": amount, "detail": detail}
                )  # fmt: skip
            if len(listed) >= limit:
                break
    return listed


def _names(session: Session) -> tuple[dict[int, str], dict[int, str], dict[int, datetime]]:
    """Staff and item codes, and imports' starts, by id: small tables, read whole, so the
    listings join only the institutions (plans stay right without statistics)."""
    staff = dict(session.execute(select(Staff.id, Staff.code)).all())
    items = dict(session.execute(select(ServiceItem.id, ServiceItem.code)).all())
    started = dict(session.execute(select(RecordImport.id, RecordImport.started_at)).all())
    return staff, items, started


def _described(checks: Checks, measure: Any) -> Query:
    """Listed records as plain rows (not thousands of ORM objects), institution, measure."""
    shown = (r.source_id, r.staff_id, r.item_id, r.import_id, r.service_date, r.resident_id)
    return select(
        *shown, r.units, Institution.code.label("institution"), measure.label("measure")
    ).join(Institution, Institution.id == r.institution_id)


def _source_order(checks: Checks) -> Any:
    # Source ids in code-point order on both databases, whatever PostgreSQL's collation.
    return r.source_id.collate("C") if checks.postgres else r.source_id


def _repeat_queries(session: Session, checks: Checks, limit: int) -> list[Query]:
    """The repeated records of the year, in one statement of repeat_records alone (which
    carries what is listed): every row of the first days that hold `limit` of them. A day
    holds its groups whole, so `_sized` counts each group's size from the rows (a window
    function sorted them all once more: 25 ms of SQLite's 37 at 7,300 repeats)."""
    days = select(rr.institution_id, rr.service_date, literal(1).label("records"))
    chosen = _first_days(session, checks, days.where(*checks.repeats()).subquery(), limit)
    if not chosen:
        return []
    on = or_(*(_on(rr.institution_id, rr.service_date, i, listed) for i, listed in chosen))
    shown = (rr.source_id, rr.staff_id, rr.item_id, rr.import_id, rr.service_date, rr.resident_id)
    source = rr.source_id.collate("C") if checks.postgres else rr.source_id  # as _source_order
    return [
        select(*shown, rr.units, Institution.code.label("institution"))
        .join(Institution, Institution.id == rr.institution_id)
        .where(*checks.repeats(), on)
        .order_by(Institution.code, rr.service_date, source)
    ]


def _sized(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Listed repeats, each with the number of records of its group (institution, item,
    resident, day): every row of a listed day is among `rows`."""
    group = itemgetter(7, 2, 5, 4)
    sizes = Counter(map(group, rows))
    return [(*row, sizes[group(row)]) for row in rows]


def _on(institution: Any, day: Any, institution_id: int, days: list[date] | None) -> Any:
    """Rows of one institution on `days` (None: on any day)."""
    mine = institution == institution_id
    return mine if days is None else and_(mine, day.in_(days))


# Institution id → its days in listing order, or None where all of its days are listed.
Days = list[tuple[int, list[date] | None]]


def _first_days(session: Session, checks: Checks, flagged_days: Subquery, limit: int) -> Days:
    """The fewest days, in (institution code, day) order, that hold `limit` flagged records:
    institution by institution, each one's days read by its own range of the index, until
    there are enough (the first institutions usually hold them all)."""
    days: Days = []
    total = 0
    for institution_id in checks.institutions():
        rows = session.execute(
            select(flagged_days.c.service_date, func.sum(flagged_days.c.records))
            .where(flagged_days.c.institution_id == institution_id)
            .group_by(flagged_days.c.service_date)
            .order_by(flagged_days.c.service_date)
        )
        on: list[date] = []
        every = True
        for day, records in rows:
            on.append(day if isinstance(day, date) else date.fromisoformat(day))
            total += int(records)
            if total >= limit:
                every = False
                break
        if on:
            days.append((institution_id, None if every else on))
        if total >= limit:
            break
    return days


def _over_queries(session: Session, checks: Checks, limit: int) -> list[Query]:
    """Records of over-limit staff-days, with the day's units, a few days at a time.

    Each over-limit staff-day of the totals leads to its own records through the
    (staff, service date) index: only the listed records are read, never the
    other records of their days.
    """
    o = checks.over
    return [
        _described(checks, o.c.units)
        .join(o, and_(o.c.staff_id == r.staff_id, o.c.service_date == r.service_date))
        .where(*_staff_days(checks, o, institution_id, days))
        .order_by(r.service_date, _source_order(checks))
        for institution_id, days in _first_days(session, checks, o, limit)
    ]


def _late_queries(session: Session, checks: Checks, limit: int) -> list[Query]:
    """Records dated after their import's day, with the import, a few days at a time: each
    (import, staff-day) of the totals dated after its import leads to its records."""
    late = checks.late
    same = and_(
        late.c.staff_id == r.staff_id,
        late.c.service_date == r.service_date,
        late.c.import_id == r.import_id,
    )
    return [
        _described(checks, r.import_id)
        .join(late, same)
        .where(*_staff_days(checks, late, institution_id, days))
        .order_by(r.service_date, _source_order(checks))
        for institution_id, days in _first_days(session, checks, late, limit)
    ]


def _staff_days(
    checks: Checks, days_of: Subquery, institution_id: int, days: list[date] | None
) -> list[ColumnElement[bool]]:
    """The staff-days of `days_of` on `days` (None: all) of one institution, and their records
    of the year (the records' institution held with `+ 0`: SQLite, without statistics, would
    read all of the institution's records by the unique key, not each staff-day's by its own
    index)."""
    on = _on(days_of.c.institution_id, days_of.c.service_date, institution_id, days)
    return [on, r.institution_id + 0 == institution_id, r.year == checks.year]


def _detail(
    rule: str, record: Any, staff: str, item: str, measure: int, started_at: datetime
) -> Message:
    """What a flag found, by code (`record`: a listed row or a ServiceRecord)."""
    day = record.service_date.isoformat()
    if rule == REPEAT:
        return FLAG_REPEAT(count=measure, item=item, resident=record.resident_id, day=day)
    if rule == STAFF_DAY:
        limit = format_hundredths(STAFF_DAY_LIMIT)
        return FLAG_STAFF_DAY(staff=staff, units=format_hundredths(measure), day=day, limit=limit)
    return FLAG_AFTER_IMPORT(day=day, import_id=measure, imported_on=county_day(started_at))
