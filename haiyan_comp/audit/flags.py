"""Automatic checks on the records of a year: flags, never rejections.

The checks read running totals kept in step by every write (or recounted at a year's first
read after a bulk load, records/day_totals.py), never group the records on a request:
staff_day_totals (a staff-day over 32.00 units), staff_day_imports (records dated after
their import's county day), repeat_records. Listed records come from those rows: by the
(staff, day) index or by primary key. A --flagged-only draw freezes what `flagged` flags.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    Subquery,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from haiyan_comp import clock
from haiyan_comp.audit.messages import FLAG_AFTER_IMPORT, FLAG_REPEAT, FLAG_STAFF_DAY
from haiyan_comp.audit.rules import STAFF_DAY_LIMIT
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.messages import Message
from haiyan_comp.money import format_hundredths
from haiyan_comp.records import day_totals
from haiyan_comp.records.models import (
    RecordImport,
    RepeatRecord,
    ServiceRecord,
    StaffDayImport,
    StaffDayTotal,
)

REPEAT, STAFF_DAY, AFTER_IMPORT = "repeat_same_day", "staff_day_over_32", "after_import_date"
RULES = (REPEAT, STAFF_DAY, AFTER_IMPORT)
RULE_TEXT = {
    REPEAT: "the same resident received the same item more than once on the same day",
    STAFF_DAY: "the staff member recorded more than 32.00 units on the day",
    AFTER_IMPORT: "the service date is after the date of the import that brought the record",
}

r, d, di, rr = ServiceRecord, StaffDayTotal, StaffDayImport, RepeatRecord
Query = Select[*tuple[Any, ...]]


def import_day(dialect: str) -> ColumnElement[Any]:
    """The date an import started, in county time (clock.py's zone, by its offset now: a
    county's zone without daylight saving), on either database."""
    hours = clock.utc_offset_hours()
    if dialect == "postgresql":
        utc = func.timezone("UTC", RecordImport.started_at)
        return cast(utc + func.make_interval(0, 0, 0, 0, hours), Date)
    # SQLite stores the UTC time as text without an offset.
    return func.date(RecordImport.started_at, f"{hours:+d} hours")


def day_units(year: Any, institution: Any, staff: Any, day: Any) -> ColumnElement[Any]:
    """A staff member's gross units of a day, by the totals' primary key."""
    t = StaffDayTotal.__table__.alias("day_units")
    return (
        select(t.c.units)
        .where(
            t.c.year == year,
            t.c.institution_id == institution,
            t.c.staff_id == staff,
            t.c.service_date == day,
        )
        .scalar_subquery()
    )


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


# Past this many imports, records dated after their import are found by joining
# the imports in SQL rather than by one range per import.
MAX_IMPORT_RANGES = 2000


def _after_their_imports(session: Session, year: int) -> ColumnElement[bool]:
    """Rows of staff_day_imports dated after their import's county day: one range
    of the primary key per import, so only those rows are read (an import that
    started on the year's last day or later has nothing of the year after it)."""
    starts = session.execute(select(RecordImport.id, RecordImport.started_at)).all()
    last = date(year, 12, 31)
    days = [(i, county_day(at)) for i, at in starts]
    ranges = [and_(di.import_id == i, di.service_date > day) for i, day in days if day < last]
    if len(ranges) > MAX_IMPORT_RANGES:
        day = import_day(session.get_bind().dialect.name)
        later = select(RecordImport.id).where(
            RecordImport.id == di.import_id, di.service_date > day
        )
        return later.exists()
    return or_(false(), *ranges)


class Checks:
    """The checks of one year (and institution), as subqueries of the running totals."""

    def __init__(self, session: Session, year: int, institution_id: int | None) -> None:
        self.session, self.year, self.institution_id = session, year, institution_id
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self._institutions: list[int] | None = None
        self.day = import_day(session.get_bind().dialect.name)
        mine = [] if institution_id is None else [d.institution_id == institution_id]
        self.over = (
            select(d.institution_id, d.staff_id, d.service_date, d.units, d.records)
            .where(d.year == year, *mine, d.units > STAFF_DAY_LIMIT)
            .subquery("over")
        )
        theirs = [] if institution_id is None else [di.institution_id == institution_id]
        self.late = (
            select(di.institution_id, di.staff_id, di.service_date, di.import_id, di.records)
            .where(di.year == year, *theirs, _after_their_imports(session, year))
            .subquery("late")
        )

    def institutions(self) -> list[int]:
        """The institutions listed, in code order: the one asked for, or every one."""
        if self.institution_id is not None:
            return [self.institution_id]
        if self._institutions is None:
            ordered = select(Institution.id).order_by(Institution.code)
            self._institutions = list(self.session.scalars(ordered))
        return self._institutions

    def over_day(self, institution: Any, staff: Any, day: Any) -> ColumnElement[bool]:
        return day_units(self.year, institution, staff, day) > STAFF_DAY_LIMIT

    def repeats(self) -> list[ColumnElement[bool]]:
        mine = [] if self.institution_id is None else [rr.institution_id == self.institution_id]
        return [rr.year == self.year, *mine]


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
            rows = session.connection().execute(query.limit(limit - len(listed)))
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
    """The repeated records of the year with the size of their group, in one statement: the
    repeats' own rows of the first days that hold `limit` of them, each record by its
    primary key (a day holds its groups whole)."""
    days = select(rr.institution_id, rr.service_date, literal(1).label("records"))
    chosen = _first_days(session, checks, days.where(*checks.repeats()).subquery(), limit)
    if not chosen:
        return []
    group = (rr.institution_id, rr.item_id, rr.resident_id, rr.service_date)
    n = func.count().over(partition_by=group).label("n")
    on = or_(*(_on(rr.institution_id, rr.service_date, i, listed) for i, listed in chosen))
    g = select(rr.record_id, n).where(*checks.repeats(), on).subquery("groups")
    return [
        _described(checks, g.c.n)
        .join(g, g.c.record_id == r.id)
        .order_by(Institution.code, r.service_date, _source_order(checks))
    ]


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


def county_day(moment: datetime) -> date:
    """The county-time date of a stored time (SQLite gives it back without an offset)."""
    return clock.county_date(moment)
