"""What the audit tables say, for people: a batch, the batches of a year, the findings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from haiyan_comp.audit.messages import UNKNOWN_BATCH
from haiyan_comp.audit.models import AuditBatch, PopulationRecord, Verdict, VerdictChange
from haiyan_comp.audit.rules import FAIL
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.errors import NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.records.models import ServiceRecord


def iso(moment: datetime | None) -> str | None:
    """A stored time as ISO 8601 in UTC (SQLite gives it back without an offset)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _batches() -> Any:
    pending = (
        select(func.count())
        .where(Verdict.batch_id == AuditBatch.id, Verdict.outcome.is_(None))
        .scalar_subquery()
    )
    return (
        select(AuditBatch, Institution.code, ServiceItem.code, pending)
        .join(Institution, Institution.id == AuditBatch.institution_id)
        .join(ServiceItem, ServiceItem.id == AuditBatch.item_id)
    )


@dataclass(frozen=True)
class Batch:
    """A batch: its stratum, population N and U, sample n, progress, and D once closed (R5–R7).

    Units are integer hundredths; `pending` counts sampled records without a verdict.
    """

    id: int
    year: int
    institution: str
    item: str
    date_from: date
    date_to: date
    stratum: str
    seed: str
    population_count: int
    population_units: int
    size: int
    pending: int
    failed: int | None
    deduction: int | None
    drawn_at: datetime
    drawn_by: str
    closed_at: datetime | None
    closed_by: str | None

    @property
    def closed(self) -> bool:
        """Whether the batch is closed (R7)."""
        return self.closed_at is not None

    @property
    def state(self) -> str:
        """'closed' or 'open'."""
        return "closed" if self.closed else "open"

    def to_json(self) -> dict[str, Any]:
        """A batch as `haiyan audit list/show --json` print it."""
        return {
            "batch": self.id,
            "year": self.year,
            "institution": self.institution,
            "item": self.item,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "stratum": self.stratum,
            "seed": self.seed,
            "N": self.population_count,
            "U": fmt(self.population_units),
            "n": self.size,
            "state": self.state,
            "pending": self.pending,
            "failed": self.failed,
            "deduction": None if self.deduction is None else fmt(self.deduction),
            "drawn_at": iso(self.drawn_at),
            "drawn_by": self.drawn_by,
            "closed_at": iso(self.closed_at),
            "closed_by": self.closed_by,
        }


def _batch(row: Any) -> Batch:
    b, institution, item, pending = row
    return Batch(
        id=b.id, year=b.year, institution=institution, item=item, date_from=b.date_from,
        date_to=b.date_to, stratum=b.stratum, seed=b.seed, population_count=b.population_count,
        population_units=b.population_units, size=b.size, pending=int(pending or 0),
        failed=b.failed, deduction=b.deduction, drawn_at=b.drawn_at, drawn_by=b.drawn_by,
        closed_at=b.closed_at, closed_by=b.closed_by,
    )  # fmt: skip


def list_batches(session: Session, year: int, institution_code: str | None = None) -> list[Batch]:
    """Every batch of a year (of one institution), in the order drawn."""
    institution_id = None
    if institution_code is not None:
        institution_id = get_institution(session, institution_code).id
    return year_batches(session, year, institution_id)


def year_batches(session: Session, year: int, institution_id: int | None) -> list[Batch]:
    query = _batches().where(AuditBatch.year == year)
    if institution_id is not None:
        query = query.where(AuditBatch.institution_id == institution_id)
    return [_batch(row) for row in session.execute(query.order_by(AuditBatch.id))]


@dataclass(frozen=True)
class Sampled:
    """A sampled record with its verdict; `purchasable` is its units at the draw (hundredths)."""

    rank: int
    source_id: str
    service_date: date
    resident_id: str | None
    staff: str
    purchasable: int
    verdict: str | None
    reason: str | None
    responsible: str | None
    decided_by: str | None
    decided_at: datetime | None
    quantity: int
    units: int

    def to_json(self) -> dict[str, Any]:
        """A sampled record as `haiyan audit show --json` prints it."""
        return {
            "rank": self.rank,
            "source_id": self.source_id,
            "service_date": self.service_date.isoformat(),
            "resident_id": self.resident_id,
            "staff": self.staff,
            "purchasable": fmt(self.purchasable),
            "verdict": self.verdict,
            "reason": self.reason,
            "responsible": self.responsible,
            "decided_by": self.decided_by,
            "decided_at": iso(self.decided_at),
        }


@dataclass(frozen=True)
class VerdictState:
    """A verdict before or after a change: outcome, reason, responsible staff code."""

    verdict: str | None
    reason: str | None
    staff: str | None


@dataclass(frozen=True)
class Change:
    """One change of a verdict, for the trail (R7)."""

    source_id: str
    changed_at: datetime
    changed_by: str
    old: VerdictState
    new: VerdictState

    def to_json(self) -> dict[str, Any]:
        """A change as `haiyan audit show --json` prints it."""
        return {
            "source_id": self.source_id,
            "changed_at": iso(self.changed_at),
            "changed_by": self.changed_by,
            "old": asdict(self.old),
            "new": asdict(self.new),
        }


@dataclass(frozen=True)
class BatchDetail:
    """A batch with its sample in rank order and the trail of its verdicts' changes."""

    batch: Batch
    institution_name: str
    item_name: str
    item_unit: str
    sample: tuple[Sampled, ...]
    trail: tuple[Change, ...]
    staff_names: dict[str, str]

    @property
    def failed(self) -> int:
        """How many sampled records have failed so far."""
        return sum(1 for s in self.sample if s.verdict == FAIL)

    def to_json(self) -> dict[str, Any]:
        """The JSON of `haiyan audit show --json`."""
        document = self.batch.to_json()
        document["sample"] = [s.to_json() for s in self.sample]
        document["trail"] = [c.to_json() for c in self.trail]
        return document


def batch_of(session: Session, batch_id: int) -> BatchDetail:
    """A batch with its sample, verdicts and the verdicts' trail."""
    row = session.execute(
        _batches().add_columns(Institution.name, ServiceItem.name, ServiceItem.unit)
        .where(AuditBatch.id == batch_id)
    ).first()  # fmt: skip
    if row is None:
        raise NotFound(UNKNOWN_BATCH(batch=batch_id))
    batch = _batch(row[:4])
    sample = _sample(session, batch_id)
    codes = {s.staff for s in sample} | {s.responsible for s in sample if s.responsible}
    rows = session.execute(select(Staff.code, Staff.name).where(Staff.code.in_(codes)))
    names = {code: name for code, name in rows}
    return BatchDetail(batch, row[4], row[5], row[6], sample, _trail(session, batch_id), names)


def batch_detail(session: Session, batch_id: int) -> dict[str, Any]:
    """A batch with its sample, verdicts and the verdicts' trail, as JSON."""
    return batch_of(session, batch_id).to_json()


def _sample(session: Session, batch_id: int) -> tuple[Sampled, ...]:
    v, r = Verdict, ServiceRecord
    own, responsible = aliased(Staff), aliased(Staff)
    rows = session.execute(
        select(v, r.service_date, r.resident_id, own.code, responsible.code, v.purchasable)
        .add_columns(r.quantity, r.units)
        .join(r, r.id == v.record_id)
        .join(own, own.id == r.staff_id)
        .outerjoin(responsible, responsible.id == v.staff_id)
        .where(v.batch_id == batch_id)
        .order_by(v.rank)
    )
    return tuple(
        Sampled(
            rank=verdict.rank,
            source_id=verdict.source_id,
            service_date=day,
            resident_id=resident,
            staff=staff,
            purchasable=int(purchasable),
            verdict=verdict.outcome,
            reason=verdict.reason,
            responsible=responsible_code,
            decided_by=verdict.decided_by,
            decided_at=verdict.decided_at,
            quantity=quantity,
            units=units,
        )
        for verdict, day, resident, staff, responsible_code, purchasable, quantity, units in rows
    )


def _trail(session: Session, batch_id: int) -> tuple[Change, ...]:
    c = VerdictChange
    old, new = aliased(Staff), aliased(Staff)
    rows = session.execute(
        select(c, Verdict.source_id, old.code, new.code)
        .join(Verdict, (Verdict.batch_id == c.batch_id) & (Verdict.record_id == c.record_id))
        .outerjoin(old, old.id == c.old_staff_id)
        .join(new, new.id == c.new_staff_id)
        .where(c.batch_id == batch_id)
        .order_by(c.id)
    )
    return tuple(
        Change(
            source_id,
            change.changed_at,
            change.changed_by,
            VerdictState(change.old_outcome, change.old_reason, old_code),
            VerdictState(change.new_outcome, change.new_reason, new_code),
        )
        for change, source_id, old_code, new_code in rows
    )


@dataclass(frozen=True)
class Drawn:
    """A batch just drawn and its sample in rank order (R6)."""

    batch: Batch
    sample: tuple[str, ...]


@dataclass(frozen=True)
class Closure:
    """What closing a batch fixed: failed of n, and D of U (R7)."""

    batch: int
    failed: int
    size: int
    deduction: int
    population_units: int
    population_count: int


def batch_row(session: Session, batch_id: int) -> Batch:
    """One batch as the lists show it."""
    row = session.execute(_batches().where(AuditBatch.id == batch_id)).first()
    if row is None:
        raise NotFound(UNKNOWN_BATCH(batch=batch_id))
    return _batch(row)


def population_rows(session: Session, batch_id: int) -> Iterator[tuple[str, int]]:
    """(source id, purchasable units at the draw) of a batch's frozen population, streamed."""
    if session.get(AuditBatch, batch_id) is None:
        raise NotFound(UNKNOWN_BATCH(batch=batch_id))
    p = PopulationRecord
    result = session.connection().execute(
        select(ServiceRecord.source_id, p.purchasable)
        .join(p, p.record_id == ServiceRecord.id)
        .where(p.batch_id == batch_id),
        execution_options={"yield_per": 10_000},
    )
    for source_id, purchasable in result:
        yield source_id, int(purchasable)
