"""Audit batches, their frozen populations, verdicts and the verdicts' trail (R5–R7)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from haiyan_comp.db import Base
from haiyan_comp.types import BigId


class AuditBatch(Base):
    """One draw from one stratum (R5): N and U frozen at the draw, D fixed at the close.

    `stratum` is 'all' (every record of the range with purchasable units) or
    'flagged' (only records the automatic checks flagged at the draw). Units
    are hundredths. `failed`, `deduction` and `closed_at` are set together,
    once, when the batch closes.
    """

    __tablename__ = "audit_batches"
    __table_args__ = (
        CheckConstraint("size >= 1", name="size_positive"),
        CheckConstraint("date_from <= date_to", name="range_ordered"),
        CheckConstraint("stratum IN ('all', 'flagged')", name="stratum_known"),
        CheckConstraint(
            "(closed_at IS NULL AND failed IS NULL AND deduction IS NULL)"
            " OR (closed_at IS NOT NULL AND failed IS NOT NULL AND deduction IS NOT NULL)",
            name="closed_together",
        ),
        Index("ix_audit_batches_stratum", "institution_id", "item_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("years.year"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    date_from: Mapped[date]
    date_to: Mapped[date]
    stratum: Mapped[str] = mapped_column(String(10))
    seed: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    population_count: Mapped[int]
    population_units: Mapped[int] = mapped_column(BigInteger)
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    drawn_by: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(100))
    failed: Mapped[int | None]
    deduction: Mapped[int | None] = mapped_column(BigInteger)


class PopulationRecord(Base):
    """A record of a batch's frozen population, with its purchasable units at the draw (R5).

    A record belongs to at most one population (the draw leaves out records
    already frozen by another batch), so no volume is deducted twice and R18
    finds "the closed batch whose population holds the record" with one join.

    A draw writes up to millions of rows here in one INSERT … SELECT, so the
    table is built for that: no primary key and no foreign keys in the
    database (each would be an index or a row trigger to maintain, doubling
    the draw), and on PostgreSQL a BRIN index on batch_id, which costs next to
    nothing because rows arrive batch by batch (migration 0002 builds it so; it is
    not declared here, where `postgresql_using` would load the PostgreSQL dialect
    into every SQLite process, about 7 % of a short command's start). Rows are only
    ever written by the draw, under the records lock, and never change.
    """

    __tablename__ = "audit_population"
    __table_args__ = (Index("ix_audit_population_batch_id", "batch_id"),)
    __mapper_args__ = {"primary_key": ["batch_id", "record_id"]}  # noqa: RUF012

    batch_id: Mapped[int]
    record_id: Mapped[int] = mapped_column(BigId)
    purchasable: Mapped[int] = mapped_column(BigInteger)


class PopulationStaff(Base):
    """A frozen population's records and their purchasable units, per staff member (R18).

    Written at the draw with the population; the units are the records' current
    purchasable units, so a late record that moves a resident's cap (R3) moves
    them too, in the same transaction. The bonus reads these few rows instead of
    joining millions of population rows to their records.
    """

    __tablename__ = "audit_population_staff"

    batch_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    staff_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    records: Mapped[int] = mapped_column(BigInteger)
    purchasable: Mapped[int] = mapped_column(BigInteger)


class Verdict(Base):
    """A sampled record and the auditor's verdict on it (R7); `outcome` is None until judged.

    `rank` is the record's place in the sample (1 = smallest R6 hash); `purchasable`
    its purchasable units frozen at the draw, as its population row holds them (kept
    here too, so that reading a sample never reads its population).
    `staff_id` is the staff member responsible: the record's own unless the
    auditor named another of the same institution.
    """

    __tablename__ = "audit_verdicts"
    __table_args__ = (
        UniqueConstraint("batch_id", "rank"),
        UniqueConstraint("batch_id", "source_id"),
        CheckConstraint("outcome IS NULL OR outcome IN ('pass', 'fail')", name="outcome_known"),
        CheckConstraint("outcome IS NULL OR outcome = 'pass' OR reason IS NOT NULL", name="reason"),
    )

    batch_id: Mapped[int] = mapped_column(ForeignKey("audit_batches.id"), primary_key=True)
    record_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    source_id: Mapped[str] = mapped_column(String(64))
    rank: Mapped[int]
    purchasable: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str | None] = mapped_column(String(4))
    reason: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))


class VerdictChange(Base):
    """One entry of the audit trail: who changed a verdict when, from what to what (R7)."""

    __tablename__ = "audit_verdict_changes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["batch_id", "record_id"], ["audit_verdicts.batch_id", "audit_verdicts.record_id"]
        ),
        Index("ix_audit_verdict_changes_verdict", "batch_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int]
    record_id: Mapped[int] = mapped_column(BigId)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(100))
    old_outcome: Mapped[str | None] = mapped_column(String(4))
    old_reason: Mapped[str | None] = mapped_column(Text)
    old_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    new_outcome: Mapped[str] = mapped_column(String(4))
    new_reason: Mapped[str | None] = mapped_column(Text)
    new_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
