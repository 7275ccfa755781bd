"""Running totals for the audit's automatic checks, kept in step with every write of records.

Three tables, so that `haiyan audit flags`, its page and its API never group
a year of records:

- staff_day_totals: records and gross units per staff member and day; a
  staff-day over 32.00 units is one row.
- staff_day_imports: the same per import; a record dated after its import's
  day has its row dated after it.
- repeat_records: every record whose institution, item, resident and day
  another record shares (a few thousand at 5,000,000 records).

An import groups its own rows, found by id (they follow every earlier record:
imports hold the records lock), once into staff_day_imports, adds those rows
to staff_day_totals, and finds the repeats they make by probing the composite
index for each new row. An import of at least a quarter of its year (its first
load, say) does none of this: regrouping a year costs about 1.7 s of a
1,000,000-row import (SQLite and PostgreSQL alike), and the checks are read
far less often than a year is loaded. It names the year in flag_years_due
instead, and the first read of the checks (the flags, a draw of flagged
records) recounts the year's three tables under the records lock
(`bring_up_to_date`); from then on they are kept in step again. A catalogue
change revalues units: `recount_days` rebuilds the year's staff-days (both
tables), unless the year waits for its recount anyway. The cap (R3) moves
purchasable units, which no check reads; records are never deleted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from haiyan_comp.records.models import FlagYearDue, ServiceRecord, UnitTotal
from haiyan_comp.years.services import lock_records

# Probing the index costs about four times as much per new row as reading a
# row of the year along it: past a quarter of the year, the year is regrouped
# (at the first read of its checks).
PROBE_COST = 4
# PostgreSQL: room for a large import's staff-days and a year's groups to be
# hashed in memory (the default 4 MB spills them to disk).
GROUPING_MEMORY = "64MB"

_DAY_COLUMNS = "year, institution_id, staff_id, service_date"
_IMPORT_COLUMNS = "import_id, service_date, institution_id, staff_id, year"
_ADD_IMPORT_DAYS = (
    f"INSERT INTO staff_day_imports ({_IMPORT_COLUMNS}, records, units)"
    f" SELECT {_IMPORT_COLUMNS}, COUNT(*), SUM(units) FROM service_records"
    " WHERE id > :after AND import_id = :import"
    f" GROUP BY {_IMPORT_COLUMNS}"
)
_ADD_DAYS = (
    f"INSERT INTO staff_day_totals ({_DAY_COLUMNS}, records, units)"
    f" SELECT {_DAY_COLUMNS}, records, units FROM staff_day_imports WHERE import_id = :import"
    f" ON CONFLICT ({_DAY_COLUMNS}) DO UPDATE SET"
    " records = staff_day_totals.records + excluded.records,"
    " units = staff_day_totals.units + excluded.units"
)
ANALYZE_AFTER = 50_000  # rows imported that make the planner's picture of these tables stale
_REPEAT_COLUMNS = (
    "record_id, year, institution_id, item_id, resident_id, service_date, staff_id, import_id,"
    " source_id, units"
)
_REPEATED = (
    "r.id, r.year, r.institution_id, r.item_id, r.resident_id, r.service_date, r.staff_id,"
    " r.import_id, r.source_id, r.units"
)
_SAME_GROUP = (
    "g.institution_id = r.institution_id AND g.item_id = r.item_id"
    " AND g.resident_id = r.resident_id AND g.service_date = r.service_date"
)
# The new rows whose group holds another record, and every record of those groups.
_PROBE_REPEATS = (
    f"INSERT INTO repeat_records ({_REPEAT_COLUMNS})"
    f" SELECT {_REPEATED}"
    " FROM service_records r JOIN ("
    "  SELECT DISTINCT n.institution_id, n.item_id, n.resident_id, n.service_date"
    "  FROM service_records n WHERE n.id > :after AND n.import_id = :import"
    "  AND n.resident_id IS NOT NULL AND EXISTS (SELECT 1 FROM service_records o"
    "   WHERE o.institution_id = n.institution_id AND o.item_id = n.item_id"
    "   AND o.resident_id = n.resident_id AND o.service_date = n.service_date AND o.id <> n.id)"
    f" ) g ON {_SAME_GROUP}"
    " WHERE NOT EXISTS (SELECT 1 FROM repeat_records x WHERE x.record_id = r.id)"
)
# The date range (not the year column) lets the composite index answer the grouping.
_YEAR_REPEATS = (
    f"SELECT {_REPEATED}"
    " FROM service_records r JOIN ("
    "  SELECT institution_id, item_id, resident_id, service_date FROM service_records"
    "  WHERE service_date BETWEEN :first AND :last AND resident_id IS NOT NULL"
    "  GROUP BY institution_id, item_id, resident_id, service_date HAVING COUNT(*) > 1"
    f" ) g ON {_SAME_GROUP}"
)


def last_record_id(session: Session) -> int:
    """The highest record id so far: an import's rows are the ones after it."""
    return int(session.scalar(select(func.coalesce(func.max(ServiceRecord.id), 0))) or 0)


def add_import(
    session: Session, import_id: int, after: int, imported: int, years: Collection[int]
) -> None:
    """Add the rows an import inserted (ids above `after`, of `years`) to the checks' totals.

    An import of a quarter of its years' records or more, or into a year that
    waits for its recount anyway, leaves its years to be recounted at the first
    read of their checks instead.
    """
    if not imported:
        return
    stored = session.scalar(
        select(func.coalesce(func.sum(UnitTotal.records), 0)).where(UnitTotal.year.in_(years))
    )
    if imported * PROBE_COST >= int(stored or 0) or _due(session, years):
        leave_for_first_read(session, years)
        return
    params = {"after": after, "import": import_id}
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text(f"SET LOCAL work_mem = '{GROUPING_MEMORY}'"))
    session.execute(text(_ADD_IMPORT_DAYS), params)
    session.execute(text(_ADD_DAYS), {"import": import_id})
    session.execute(text(_PROBE_REPEATS), params)
    if postgres and imported >= ANALYZE_AFTER:
        for table in ("staff_day_totals", "staff_day_imports", "repeat_records"):
            session.execute(text(f"ANALYZE {table}"))


def is_due(session: Session, year: int) -> bool:
    """Whether a year's checks' totals wait for their recount at the first read."""
    return _due(session, [year])


def _due(session: Session, years: Collection[int]) -> bool:
    """Whether any of these years waits for the recount of its checks' totals."""
    return session.scalar(select(FlagYearDue.year).where(FlagYearDue.year.in_(years))) is not None


def due_years(session: Session) -> list[int]:
    """The years whose checks' totals wait for their recount, oldest first."""
    return list(session.scalars(select(FlagYearDue.year).order_by(FlagYearDue.year)))


def leave_for_first_read(session: Session, years: Collection[int]) -> None:
    """Have the first read of these years' checks recount their totals."""
    for year in sorted(set(years)):
        session.execute(
            text("INSERT INTO flag_years_due (year) VALUES (:year) ON CONFLICT (year) DO NOTHING"),
            {"year": year},
        )


def bring_up_to_date(session: Session, year: int) -> bool:
    """Recount a year's checks' totals if an import left them for now; whether it did.

    A read that finds the year due takes the records lock (imports wait, and of
    two readers the second finds the work done) and recounts the three tables.
    """
    if not _due(session, [year]):
        return False
    lock_records(session)
    if not _due(session, [year]):
        return False
    _recount_days(session, year)
    recount_repeats(session, year)
    session.execute(text("DELETE FROM flag_years_due WHERE year = :year"), {"year": year})
    if session.get_bind().dialect.name == "postgresql":
        for table in ("staff_day_totals", "staff_day_imports", "repeat_records"):
            session.execute(text(f"ANALYZE {table}"))
    return True


def recount_repeats(session: Session, year: int) -> None:
    """Rebuild a year's repeated records from the records."""
    session.execute(text("DELETE FROM repeat_records WHERE year = :year"), {"year": year})
    session.execute(
        text(f"INSERT INTO repeat_records ({_REPEAT_COLUMNS}) {_YEAR_REPEATS}"), _year_range(year)
    )


def recount_days(session: Session, year: int) -> None:
    """Rebuild a year's staff-days from its records, and give its repeated records their
    units anew (after its catalogue revalued them)."""
    if not _due(session, [year]):  # else the first read recounts them
        _recount_days(session, year)
        session.execute(
            text(
                "UPDATE repeat_records SET units = (SELECT r.units FROM service_records r"
                " WHERE r.id = repeat_records.record_id) WHERE year = :year"
            ),
            {"year": year},
        )


def _recount_days(session: Session, year: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{GROUPING_MEMORY}'"))
    for table in ("staff_day_totals", "staff_day_imports"):
        session.execute(text(f"DELETE FROM {table} WHERE year = :year"), {"year": year})
    session.execute(
        text(
            f"INSERT INTO staff_day_imports ({_IMPORT_COLUMNS}, records, units)"
            f" SELECT {_IMPORT_COLUMNS}, COUNT(*), SUM(units) FROM service_records"
            f" WHERE year = :year GROUP BY {_IMPORT_COLUMNS}"
        ),
        {"year": year},
    )
    session.execute(
        text(
            f"INSERT INTO staff_day_totals ({_DAY_COLUMNS}, records, units)"
            f" SELECT {_DAY_COLUMNS}, SUM(records), SUM(units) FROM staff_day_imports"
            f" WHERE year = :year GROUP BY {_DAY_COLUMNS}"
        ),
        {"year": year},
    )


def _year_range(year: int) -> dict[str, date]:
    return {"first": date(year, 1, 1), "last": date(year, 12, 31)}


Row = tuple[object, ...]


def counted_days(session: Session, year: int, *, by_import: bool = False) -> list[Row]:
    """The staff-days (per import, or not) a recount would give, sorted (for checks and tests)."""
    columns = _IMPORT_COLUMNS if by_import else _DAY_COLUMNS
    return _rows(
        session,
        f"SELECT {columns}, COUNT(*), SUM(units) FROM service_records WHERE year = :year"
        f" GROUP BY {columns} ORDER BY {columns}",
        {"year": year},
    )


def stored_days(session: Session, year: int, *, by_import: bool = False) -> list[Row]:
    """The running staff-days of a year (per import, or not), sorted like counted_days."""
    columns = _IMPORT_COLUMNS if by_import else _DAY_COLUMNS
    table = "staff_day_imports" if by_import else "staff_day_totals"
    return _rows(
        session,
        f"SELECT {columns}, records, units FROM {table} WHERE year = :year ORDER BY {columns}",
        {"year": year},
    )


def counted_repeats(session: Session, year: int) -> list[Row]:
    """The repeated records a recount would give, sorted (for checks and tests)."""
    return _raw(session, f"{_YEAR_REPEATS} ORDER BY r.id", _year_range(year))


def stored_repeats(session: Session, year: int) -> list[Row]:
    """The stored repeated records of a year, sorted like counted_repeats."""
    return _raw(
        session,
        f"SELECT {_REPEAT_COLUMNS} FROM repeat_records WHERE year = :year ORDER BY record_id",
        {"year": year},
    )


def _rows(session: Session, sql: str, params: Mapping[str, object]) -> list[Row]:
    return [tuple(map(_value, row)) for row in session.execute(text(sql), params)]


def _raw(session: Session, sql: str, params: Mapping[str, object]) -> list[Row]:
    return [tuple(row) for row in session.execute(text(sql), params)]


def _value(value: object) -> object:
    """A date as a date (SQLite gives text back from plain SQL), a number as an int."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    return int(value)  # type: ignore[call-overload]
