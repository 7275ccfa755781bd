"""Service records and the imports that brought them (R2, R3)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from haiyan_comp.db import Base
from haiyan_comp.types import BigId


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
    """

    __tablename__ = "service_records"
    __table_args__ = (
        UniqueConstraint("institution_id", "source_id"),
        Index("ix_service_records_stratum", "institution_id", "item_id", "service_date"),
        Index(
            "ix_service_records_cap_group",
            "institution_id",
            "item_id",
            "resident_id",
            "service_date",
            "source_id",
            sqlite_where=text("capped"),
            postgresql_where=text("capped"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    source_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    year: Mapped[int]
    service_date: Mapped[date]
    resident_id: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int]
    units: Mapped[int] = mapped_column(BigInteger)
    purchasable: Mapped[int] = mapped_column(BigInteger)
    capped: Mapped[bool]
    import_id: Mapped[int] = mapped_column(ForeignKey("record_imports.id"))
    line: Mapped[int]
