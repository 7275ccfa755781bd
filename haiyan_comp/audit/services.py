"""Audit batches (R5–R8): draw, record verdicts, close. Services flush, never commit.

Locks. A draw takes the records lock (PostgreSQL advisory lock), so it never
interleaves with imports, catalogue changes, other draws or settlement. A
verdict takes the batch row FOR SHARE and its own verdict row FOR UPDATE; a
close takes the batch row FOR UPDATE and reads its state after the lock. So
verdicts on different records run side by side, a close waits for them, and
of two closes the second sees the first's result and refuses. SQLite has one
writer at a time: each of these writes first, so that its transaction takes
the write lock (waiting on busy_timeout) before it reads anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from haiyan_comp.audit import rules
from haiyan_comp.audit.messages import (
    AUDITS_NO_LONGER_DRAWN,
    BATCH_OVERLAP,
    FLAGGED_BATCH_OVERLAP,
    FLAGGED_STRATUM,
    NO_SUCH_RECORD,
    NOT_SAMPLED,
    STAFF_OF_OTHER_INSTITUTION,
    STRATUM,
    THE_STRATUM,
    UNKNOWN_AUDIT_ITEM,
    UNKNOWN_BATCH,
    UNKNOWN_STAFF_MEMBER,
    VERDICTS_CANNOT_CHANGE,
)
from haiyan_comp.audit.models import AuditBatch, Verdict, VerdictChange
from haiyan_comp.audit.rules import ALL, FLAGGED, BatchOverlap, Closing
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.errors import InvalidInput, NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.messages import Message
from haiyan_comp.money import format_hundredths
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.years.services import lock_records, require_open

CHUNK = 5_000  # sampled ids per IN (…) list: SQLite allows 32,766 parameters


@dataclass(frozen=True)
class Draw:
    """A drawn batch: the frozen population (N, U) and the sample in rank order."""

    batch: AuditBatch
    institution: str
    item: str
    sample: list[str]

    def to_json(self) -> dict[str, Any]:
        """The JSON of `haiyan audit draw --json` (CONTRACT.md), plus the stratum."""
        b = self.batch
        return {
            "batch": b.id,
            "N": b.population_count,
            "U": format_hundredths(b.population_units),
            "sample": self.sample,
            "year": b.year,
            "institution": self.institution,
            "item": self.item,
            "from": b.date_from.isoformat(),
            "to": b.date_to.isoformat(),
            "stratum": b.stratum,
            "seed": b.seed,
            "n": b.size,
        }


def draw_batch(
    session: Session,
    *,
    year: int,
    institution_code: str,
    item_code: str,
    size: int,
    seed: str,
    date_from: date | None = None,
    date_to: date | None = None,
    flagged_only: bool = False,
    drawn_by: str,
    now: datetime | None = None,
) -> Draw:
    """Freeze a stratum's population and draw its sample by the seed (R5, R6)."""
    # Only a draw and a close touch the population: the readers of this module
    # (`deductions`, for every units figure) leave its SQL and the flags unimported.
    from haiyan_comp.audit import population

    rules.check_seed(seed)
    rules.check_size(size, None, THE_STRATUM())
    drawn_by = rules.check_actor(drawn_by)
    _write_first(session)
    require_open(session, year, AUDITS_NO_LONGER_DRAWN(year=year))
    institution = get_institution(session, institution_code)
    item = _item(session, year, item_code)
    start, end = rules.check_range(year, date_from, date_to)
    stratum = FLAGGED if flagged_only else ALL
    _refuse_overlap(session, institution, item, stratum, (start, end))
    batch = AuditBatch(
        year=year, institution_id=institution.id, item_id=item.id, date_from=start,
        date_to=end, stratum=stratum, seed=seed, size=size, population_count=0,
        population_units=0, drawn_at=now or datetime.now(UTC), drawn_by=drawn_by,
    )  # fmt: skip
    session.add(batch)
    session.flush()
    drawn = population.freeze(session, batch, institution.code)
    sample, count, units = drawn.sample, drawn.count, drawn.units
    what = _describe(institution.code, item.code, batch)
    if not count:
        raise InvalidInput(population.why_empty(session, batch, what))
    rules.check_size(size, count, what)
    _add_sample(session, batch, sample)
    batch.population_count, batch.population_units = count, units
    session.flush()
    return Draw(batch, institution.code, item.code, sample)


def _write_first(session: Session) -> None:
    """Serialise draws with every other writer of records (see the module docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        lock_records(session)
    else:
        session.execute(text("UPDATE audit_batches SET id = id WHERE id = 0"))


def _item(session: Session, year: int, code: str) -> ServiceItem:
    item = session.scalar(
        select(ServiceItem).where(ServiceItem.year == year, ServiceItem.code == code)
    )
    if item is None:
        raise NotFound(UNKNOWN_AUDIT_ITEM(item=repr(code), year=year))
    return item


def _refuse_overlap(
    session: Session,
    institution: Institution,
    item: ServiceItem,
    stratum: str,
    dates: tuple[date, date],
) -> None:
    """R5: batches of one stratum kind, institution, item and year never share a day."""
    for other in session.scalars(
        select(AuditBatch)
        .where(
            AuditBatch.institution_id == institution.id,
            AuditBatch.item_id == item.id,
            AuditBatch.year == item.year,
            AuditBatch.stratum == stratum,
        )
        .order_by(AuditBatch.id)
    ):
        if rules.overlaps(dates, (other.date_from, other.date_to)):
            overlap = FLAGGED_BATCH_OVERLAP if stratum == FLAGGED else BATCH_OVERLAP
            raise BatchOverlap(
                overlap(
                    start=dates[0], end=dates[1], batch=other.id, institution=institution.code,
                    item=item.code, year=item.year, other_start=other.date_from,
                    other_end=other.date_to,
                ),
                details={"batch": other.id},
            )  # fmt: skip


def _add_sample(session: Session, batch: AuditBatch, sample: list[str]) -> None:
    """One pending verdict row per sampled record, in rank order, with its purchasable units
    as the population froze them (the draw holds the records lock: they are the same)."""
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(sample), CHUNK):
        rows = session.execute(
            select(ServiceRecord.source_id, ServiceRecord.id, ServiceRecord.purchasable).where(
                ServiceRecord.institution_id == batch.institution_id,
                ServiceRecord.source_id.in_(sample[start : start + CHUNK]),
            )
        )
        found.update((source_id, (record_id, units)) for source_id, record_id, units in rows)
    session.execute(
        insert(Verdict),
        [
            {"batch_id": batch.id, "record_id": found[source][0], "source_id": source,
             "rank": rank, "purchasable": found[source][1]}
            for rank, source in enumerate(sample, start=1)
        ],
    )  # fmt: skip


def _describe(institution: str, item: str, batch: AuditBatch) -> Message:
    template = FLAGGED_STRATUM if batch.stratum == FLAGGED else STRATUM
    return template(institution=institution, item=item, start=batch.date_from, end=batch.date_to)


def batch_for_update(session: Session, batch_id: int, *, exclusive: bool) -> AuditBatch:
    """The batch, locked: FOR UPDATE (close) or FOR SHARE (verdicts); NotFound if none."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if not postgres:
        session.execute(text("UPDATE audit_batches SET id = id WHERE id = :id"), {"id": batch_id})
    query = select(AuditBatch).where(AuditBatch.id == batch_id)
    if postgres:
        query = query.with_for_update(read=not exclusive)
    batch = session.scalar(query.execution_options(populate_existing=True))
    if batch is None:
        raise unknown_batch(batch_id)
    return batch


def unknown_batch(batch_id: int) -> NotFound:
    """The one answer for a batch that does not exist, or that the caller may not see."""
    return NotFound(UNKNOWN_BATCH(batch=batch_id))


@dataclass(frozen=True)
class VerdictResult:
    """What `haiyan audit verdict` did."""

    batch_id: int
    source_id: str
    outcome: str
    reason: str | None
    staff: str
    changed: bool
    pending: int

    def to_json(self) -> dict[str, Any]:
        """JSON of `haiyan audit verdict --json`."""
        return {
            "batch": self.batch_id,
            "source_id": self.source_id,
            "verdict": self.outcome,
            "reason": self.reason,
            "staff": self.staff,
            "changed": self.changed,
            "pending": self.pending,
        }


def record_verdict(
    session: Session,
    batch_id: int,
    source_id: str,
    outcome: str,
    *,
    reason: str | None = None,
    staff_code: str | None = None,
    by: str,
    now: datetime | None = None,
) -> VerdictResult:
    """Record or change the verdict on a sampled record of an open batch (R7), with its trail."""
    reason = rules.check_verdict(outcome, reason)
    by = rules.check_actor(by)
    batch = batch_for_update(session, batch_id, exclusive=False)
    rules.check_open(batch.id, batch.closed_at is not None, VERDICTS_CANNOT_CHANGE())
    verdict = session.scalar(
        select(Verdict)
        .where(Verdict.batch_id == batch.id, Verdict.source_id == source_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if verdict is None:
        raise NotFound(_not_sampled(session, batch, source_id))
    staff = _responsible(session, batch, verdict, staff_code)
    changed = (verdict.outcome, verdict.reason, verdict.staff_id) != (outcome, reason, staff.id)
    if changed:
        at = now or datetime.now(UTC)
        session.add(
            VerdictChange(
                batch_id=batch.id, record_id=verdict.record_id, changed_at=at, changed_by=by,
                old_outcome=verdict.outcome, old_reason=verdict.reason,
                old_staff_id=verdict.staff_id, new_outcome=outcome, new_reason=reason,
                new_staff_id=staff.id,
            )
        )  # fmt: skip
        verdict.outcome, verdict.reason, verdict.staff_id = outcome, reason, staff.id
        verdict.decided_at, verdict.decided_by = at, by
        session.flush()
    pending = session.scalar(
        select(func.count()).where(Verdict.batch_id == batch.id, Verdict.outcome.is_(None))
    )
    return VerdictResult(batch.id, source_id, outcome, reason, staff.code, changed, pending or 0)


def _not_sampled(session: Session, batch: AuditBatch, source_id: str) -> Message:
    code = session.scalar(select(Institution.code).where(Institution.id == batch.institution_id))
    known = session.scalar(
        select(ServiceRecord.id).where(
            ServiceRecord.institution_id == batch.institution_id,
            ServiceRecord.source_id == source_id,
        )
    )
    if known is None:
        return NO_SUCH_RECORD(institution=code, source_id=repr(source_id))
    return NOT_SAMPLED(source_id=source_id, institution=code, batch=batch.id)


def _responsible(
    session: Session, batch: AuditBatch, verdict: Verdict, staff_code: str | None
) -> Staff:
    """The record's staff member, or the one the auditor names, of the same institution (R7)."""
    if staff_code is None:
        staff_id = session.scalar(
            select(ServiceRecord.staff_id).where(ServiceRecord.id == verdict.record_id)
        )
        staff = session.get(Staff, staff_id)
        assert staff is not None  # records name existing staff by construction
        return staff
    staff = session.scalar(select(Staff).where(Staff.code == staff_code))
    if staff is None:
        raise NotFound(UNKNOWN_STAFF_MEMBER(staff=repr(staff_code)))
    if staff.institution_id != batch.institution_id:
        own = session.get(Institution, batch.institution_id)
        raise InvalidInput(
            STAFF_OF_OTHER_INSTITUTION(
                staff=staff_code,
                owner=staff.institution.code,
                institution=own.code if own else batch.institution_id,
            )
        )
    return staff


def close_audit(
    session: Session, batch_id: int, *, by: str, now: datetime | None = None
) -> tuple[AuditBatch, Closing]:
    """Close a batch once every sampled record has a verdict; fix D (R7)."""
    by = rules.check_actor(by)
    batch = batch_for_update(session, batch_id, exclusive=True)
    outcomes = dict(
        session.execute(
            select(Verdict.source_id, Verdict.outcome).where(Verdict.batch_id == batch.id)
        ).all()
    )
    closing = rules.close_batch(
        batch.id, batch.closed_at is not None, batch.population_units, outcomes
    )
    batch.failed, batch.deduction = closing.failed, closing.deduction
    batch.closed_at, batch.closed_by = now or datetime.now(UTC), by
    session.flush()
    if closing.failed:
        from haiyan_comp.audit import population

        population.add_staff_units(session, batch.id)  # what R18 weighs
    return batch, closing


def deductions(session: Session, year: int) -> dict[tuple[int, int], int]:
    """Σ D of the closed batches of a year per (institution id, item id) (R8)."""
    b = AuditBatch
    rows = session.execute(
        select(b.institution_id, b.item_id, func.sum(b.deduction))
        .where(b.year == year, b.closed_at.is_not(None))
        .group_by(b.institution_id, b.item_id)
    )
    return {(inst, item): int(total or 0) for inst, item, total in rows}


def open_batches(session: Session, year: int) -> list[int]:
    """Ids of the batches of a year not closed yet (R13 settles only without them)."""
    return list(
        session.scalars(
            select(AuditBatch.id)
            .where(AuditBatch.year == year, AuditBatch.closed_at.is_(None))
            .order_by(AuditBatch.id)
        )
    )


def audited_items(session: Session, item_ids: list[int]) -> dict[int, int]:
    """How many audit batches each of these catalogue items has (open or closed)."""
    rows = session.execute(
        select(AuditBatch.item_id, func.count())
        .where(AuditBatch.item_id.in_(item_ids))
        .group_by(AuditBatch.item_id)
    )
    return {item_id: int(count) for item_id, count in rows}
