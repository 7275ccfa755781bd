"""Service records and the imports that brought them (R2, R3)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from haiyan_comp.db import Base
from haiyan_comp.types import BigId

# Ids compare by code point on both databases (migration 0006).
CODE = String(64).with_variant(String(64, collation="C"), "postgresql")
# PostgreSQL: a tenth of each records page is left free for the cap's updates (0022).
RECORDS_FILLFACTOR = 90
RECORDS_KEY = "uq_service_records_institution_id_source_id"


class RecordImport(Base):
    """One imported file: who, when, and what came of its rows."""

    __tablename__ = "record_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))
    strict: Mapped[bool]
    imported_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rows: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)


class ServiceRecord(Base):
    """A service delivered: units = quantity × item value; purchasable per R3.

    `units` and `purchasable` are hundredths of a unit. `capped` marks records
    of items with a per-resident cap, whose purchasable share depends on the
    resident's other records of the year.

    This is the one table with millions of rows, so it carries no foreign-key
    constraints: on PostgreSQL they are row triggers that halve the import
    speed. Integrity holds by construction instead: every code is checked
    against the reference tables inside the import's transaction, under the
    records lock, and institutions, staff and used catalogue items are never
    deleted (loading a catalogue refuses to drop an item that records use).
    """

    __tablename__ = "service_records"
    __table_args__ = (
        # R2's key: a source id once per institution. An index, not a table
        # constraint, so that a bulk load may build it after its rows (0023).
        Index(RECORDS_KEY, "institution_id", "source_id", unique=True),
        # One index serves R3 (a resident's records of an item, in date and
        # source-id order) and the audit strata (an institution's item).
        Index(
            "ix_service_records_item_resident",
            "institution_id",
            "item_id",
            "resident_id",
            "service_date",
            "source_id",
        ),
        # A staff member's records (the records search, records/queries/) and one
        # staff-day's records (the automatic checks' listings, audit/flags.py).
        Index("ix_service_records_staff_day", "staff_id", "service_date"),
        # Room on each page for the cap's updates (migration 0022).
        {"postgresql_with": {"fillfactor": RECORDS_FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    institution_id: Mapped[int]
    source_id: Mapped[str] = mapped_column(CODE)
    staff_id: Mapped[int]
    item_id: Mapped[int]
    year: Mapped[int]
    service_date: Mapped[date]
    resident_id: Mapped[str | None] = mapped_column(CODE)
    quantity: Mapped[int]
    units: Mapped[int] = mapped_column(BigInteger)
    purchasable: Mapped[int] = mapped_column(BigInteger)
    capped: Mapped[bool]
    import_id: Mapped[int]
    line: Mapped[int]


class UnitTotal(Base):
    """Running totals of records per institution, item and month (R4), kept by every write.

    `haiyan units` and the dashboards read these instead of summing millions of
    records; `recount_totals` rebuilds them from the records and tests check
    that the two always agree.
    """

    __tablename__ = "unit_totals"

    institution_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(index=True)
    records: Mapped[int] = mapped_column(BigInteger)
    gross: Mapped[int] = mapped_column(BigInteger)
    purchasable: Mapped[int] = mapped_column(BigInteger)


class StaffTotal(Base):
    """Running totals of records per year, institution and staff member (R18), kept by every write.

    The bonus (R18) and the pay sheet (R19) read each staff member's purchasable
    units here instead of summing a year's records; `recount_totals` rebuilds
    them with unit_totals, and tests check that the two always agree.
    """

    __tablename__ = "staff_totals"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    institution_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    staff_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    records: Mapped[int] = mapped_column(BigInteger)
    purchasable: Mapped[int] = mapped_column(BigInteger)


class StaffDayTotal(Base):
    """Records and gross units per staff member and day, kept by every write.

    The audit's staff-day check reads these instead of the records: a day over
    32.00 units is one row here (records/day_totals.py keeps them).
    """

    __tablename__ = "staff_day_totals"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    institution_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    staff_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    service_date: Mapped[date] = mapped_column(primary_key=True)
    records: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int] = mapped_column(BigInteger)


class StaffDayImport(Base):
    """Records and gross units per import, day and staff member, kept by every write.

    A record is dated after its import's day when its row here is: the audit's
    check reads, per import, the rows after that day (the primary key's order).
    """

    __tablename__ = "staff_day_imports"
    __table_args__ = (Index("ix_staff_day_imports_year", "year", "institution_id"),)

    import_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    service_date: Mapped[date] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    staff_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    year: Mapped[int]
    records: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int] = mapped_column(BigInteger)


class RepeatRecord(Base):
    """A record whose institution, item, resident and day another record shares (kept by imports).

    Records are never deleted nor moved, so a record once here stays here. It
    carries what the checks read and list of it (its source id and units too, which
    a revaluation of its item updates here as well), so that counting, grouping and
    listing repeats never reads the records.
    """

    __tablename__ = "repeat_records"
    __table_args__ = (Index("ix_repeat_records_year", "year", "institution_id"),)

    record_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    year: Mapped[int]
    institution_id: Mapped[int]
    item_id: Mapped[int]
    resident_id: Mapped[str] = mapped_column(CODE)
    service_date: Mapped[date]
    staff_id: Mapped[int]
    import_id: Mapped[int]
    source_id: Mapped[str] = mapped_column(CODE)
    units: Mapped[int] = mapped_column(BigInteger)


class FlagYearDue(Base):
    """A year whose checks' totals wait to be recounted at their first read (day_totals.py).

    An import of at least a quarter of its year's records does not regroup the
    year's staff-days and repeats itself: it leaves the year here, and the
    first read of the checks (the flags, a draw of flagged records) recounts it.
    """

    __tablename__ = "flag_years_due"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
