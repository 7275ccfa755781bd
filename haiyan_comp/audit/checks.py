"""The automatic checks' definitions: their rules, and each rule as a subquery of the
running totals that every write keeps in step (records/day_totals.py).

audit/flags.py counts and lists what these find.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    cast,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from haiyan_comp import clock
from haiyan_comp.audit.rules import STAFF_DAY_LIMIT
from haiyan_comp.institutions.models import Institution
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


def county_day(moment: datetime) -> date:
    """The county-time date of a stored time (SQLite gives it back without an offset)."""
    return clock.county_date(moment)
