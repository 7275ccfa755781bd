"""Reads of the audit a centre sees: its closed batches of a year and their failed records.

`centre_deductions` is what the centre's deductions page shows, read in two
statements whatever the number of batches. The frozen population
(audit_population) is never read: a sampled record's frozen purchasable units
are on its verdict row (migration 0021), and the population has no index by
record, so finding three failed records there read the batch's whole population.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from haiyan_comp.audit.models import AuditBatch, Verdict
from haiyan_comp.audit.rules import FAIL
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Staff
from haiyan_comp.records.models import ServiceRecord


@dataclass(frozen=True)
class FailedRecord:
    """A sampled record that failed: who is responsible, its purchasable units (hundredths)."""

    source_id: str
    service_date: date
    staff: str  # the responsible staff member's code (the verdict's, else the record's)
    purchasable: int
    reason: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class ClosedBatch:
    """A closed batch: its population N and U, sample n, failures and deduction D (R7)."""

    id: int
    item: str
    item_name: str
    date_from: date
    date_to: date
    stratum: str
    population_count: int
    population_units: int
    size: int
    failed: int
    deduction: int
    closed_at: datetime | None
    failures: tuple[FailedRecord, ...]


@dataclass(frozen=True)
class Deductions:
    """A year's closed batches of one institution, and how many are still open."""

    batches: tuple[ClosedBatch, ...]
    open_count: int

    @property
    def total(self) -> int:
        """The deductions of the closed batches (hundredths of a unit)."""
        return sum(b.deduction for b in self.batches)


def audit_years(session: Session, institution_id: int) -> list[int]:
    """Years in which the institution has audit batches."""
    query = select(AuditBatch.year).where(AuditBatch.institution_id == institution_id).distinct()
    return list(session.scalars(query))


def centre_deductions(session: Session, year: int, institution_id: int) -> Deductions:
    """The institution's batches of `year`: the closed ones in the order drawn, with failures."""
    rows = session.execute(
        select(AuditBatch, ServiceItem.code, ServiceItem.name)
        .join(ServiceItem, ServiceItem.id == AuditBatch.item_id)
        .where(AuditBatch.year == year, AuditBatch.institution_id == institution_id)
        .order_by(AuditBatch.id)
    ).all()
    closed = [(b, item, name) for b, item, name in rows if b.closed_at is not None]
    failures = _failures(session, [b.id for b, _item, _name in closed if b.failed])
    batches = tuple(
        ClosedBatch(
            id=b.id,
            item=item,
            item_name=name,
            date_from=b.date_from,
            date_to=b.date_to,
            stratum=b.stratum,
            population_count=b.population_count,
            population_units=b.population_units,
            size=b.size,
            failed=b.failed or 0,
            deduction=b.deduction or 0,
            closed_at=b.closed_at,
            failures=tuple(failures.get(b.id, ())),
        )
        for b, item, name in closed
    )
    return Deductions(batches, len(rows) - len(closed))


def _failures(session: Session, batch_ids: list[int]) -> dict[int, list[FailedRecord]]:
    """The failed records of these batches, in sample order, by batch."""
    if not batch_ids:
        return {}
    v, r = Verdict, ServiceRecord
    own, responsible = aliased(Staff), aliased(Staff)
    failed = session.execute(
        select(v, r.service_date, func.coalesce(responsible.code, own.code))
        .join(r, r.id == v.record_id)
        .join(own, own.id == r.staff_id)
        .outerjoin(responsible, responsible.id == v.staff_id)
        .where(v.batch_id.in_(batch_ids), v.outcome == FAIL)
        .order_by(v.batch_id, v.rank)
    ).all()
    found: dict[int, list[FailedRecord]] = defaultdict(list)
    for verdict, day, staff in failed:
        found[verdict.batch_id].append(
            FailedRecord(
                source_id=verdict.source_id,
                service_date=day,
                staff=staff,
                purchasable=verdict.purchasable,
                reason=verdict.reason,
                decided_at=verdict.decided_at,
            )
        )
    return found
