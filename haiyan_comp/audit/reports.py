"""What the audit tables say, for people: a batch, the batches of a year, the findings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from haiyan_comp.audit.models import AuditBatch, PopulationRecord, Verdict, VerdictChange
from haiyan_comp.audit.rules import FAIL, share_of_deduction
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
class BatchView:
    """A batch with the codes it names and how many sampled records await a verdict."""

    batch: AuditBatch
    institution: str
    item: str
    pending: int

    @property
    def closed(self) -> bool:
        """Whether the batch is closed (R7)."""
        return self.batch.closed_at is not None

    def to_json(self) -> dict[str, Any]:
        """A batch as `haiyan audit list/show --json` print it."""
        b = self.batch
        return {
            "batch": b.id,
            "year": b.year,
            "institution": self.institution,
            "item": self.item,
            "from": b.date_from.isoformat(),
            "to": b.date_to.isoformat(),
            "stratum": b.stratum,
            "seed": b.seed,
            "N": b.population_count,
            "U": fmt(b.population_units),
            "n": b.size,
            "state": "closed" if self.closed else "open",
            "pending": self.pending,
            "failed": b.failed,
            "deduction": None if b.deduction is None else fmt(b.deduction),
            "drawn_at": iso(b.drawn_at),
            "drawn_by": b.drawn_by,
            "closed_at": iso(b.closed_at),
            "closed_by": b.closed_by,
        }


def list_batches(
    session: Session, year: int, institution_code: str | None = None
) -> list[BatchView]:
    """Every batch of a year (of one institution), in the order drawn."""
    institution_id = None
    if institution_code is not None:
        institution_id = get_institution(session, institution_code).id
    return _year_batches(session, year, institution_id)


def _year_batches(session: Session, year: int, institution_id: int | None) -> list[BatchView]:
    query = _batches().where(AuditBatch.year == year)
    if institution_id is not None:
        query = query.where(AuditBatch.institution_id == institution_id)
    return [BatchView(*row) for row in session.execute(query.order_by(AuditBatch.id))]


def batch_detail(session: Session, batch_id: int) -> dict[str, Any]:
    """A batch with its sample, verdicts and the verdicts' trail, as JSON."""
    row = session.execute(_batches().where(AuditBatch.id == batch_id)).first()
    if row is None:
        raise NotFound(f"unknown audit batch {batch_id}; 'haiyan audit list --year Y' lists them")
    document = BatchView(*row).to_json()
    document["sample"] = _sample(session, batch_id)
    document["trail"] = _trail(session, batch_id)
    return document


def _sample(session: Session, batch_id: int) -> list[dict[str, Any]]:
    v, r, p = Verdict, ServiceRecord, PopulationRecord
    own, responsible = aliased(Staff), aliased(Staff)
    rows = session.execute(
        select(v, r.service_date, r.resident_id, own.code, responsible.code, p.purchasable)
        .join(r, r.id == v.record_id)
        # The batch's own population only (its index), not every population's rows.
        .join(p, (p.batch_id == v.batch_id) & (p.record_id == v.record_id))
        .join(own, own.id == r.staff_id)
        .outerjoin(responsible, responsible.id == v.staff_id)
        .where(v.batch_id == batch_id)
        .order_by(v.rank)
    )
    return [
        {
            "rank": verdict.rank,
            "source_id": verdict.source_id,
            "service_date": day.isoformat(),
            "resident_id": resident,
            "staff": staff,
            "purchasable": fmt(purchasable),
            "verdict": verdict.outcome,
            "reason": verdict.reason,
            "responsible": responsible_code,
            "decided_by": verdict.decided_by,
            "decided_at": iso(verdict.decided_at),
        }
        for verdict, day, resident, staff, responsible_code, purchasable in rows
    ]


def _trail(session: Session, batch_id: int) -> list[dict[str, Any]]:
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
    return [
        {
            "source_id": source_id,
            "changed_at": iso(change.changed_at),
            "changed_by": change.changed_by,
            "old": {"verdict": change.old_outcome, "reason": change.old_reason, "staff": old_code},
            "new": {"verdict": change.new_outcome, "reason": change.new_reason, "staff": new_code},
        }
        for change, source_id, old_code, new_code in rows
    ]


def findings(
    session: Session,
    year: int,
    institution_code: str | None = None,
    staff_code: str | None = None,
) -> dict[str, Any]:
    """Failed verdicts per responsible staff member, and each institution's batches (R7, R8).

    A closed batch's D is traced to people by splitting it equally among its
    failed verdicts (largest remainder, ties to the smaller source id).
    """
    institution_id = None
    if institution_code is not None:
        institution_id = get_institution(session, institution_code).id
    staff = None
    if staff_code is not None:
        staff = session.scalar(select(Staff).where(Staff.code == staff_code))
        if staff is None:
            raise NotFound(f"unknown staff member {staff_code!r}")
        if institution_id is None:
            institution_id = staff.institution_id
    batches = {view.batch.id: view for view in _year_batches(session, year, institution_id)}
    return {
        "year": year,
        "institution": institution_code,
        "staff_member": staff_code,
        "staff": _failed_by_staff(session, year, institution_id, staff, batches),
        "institutions": _by_institution(batches.values()),
    }


def _failed_by_staff(
    session: Session,
    year: int,
    institution_id: int | None,
    staff: Staff | None,
    batches: dict[int, BatchView],
) -> list[dict[str, Any]]:
    v, b, r = Verdict, AuditBatch, ServiceRecord
    query = (
        select(v, Staff.code, Staff.name, Institution.code, r.service_date)
        .join(b, b.id == v.batch_id)
        .join(Staff, Staff.id == v.staff_id)
        .join(Institution, Institution.id == b.institution_id)
        .join(r, r.id == v.record_id)
        .where(b.year == year, v.outcome == FAIL)
        .order_by(Staff.code, v.batch_id, v.rank)
    )
    if institution_id is not None:
        query = query.where(b.institution_id == institution_id)
    if staff is not None:
        query = query.where(v.staff_id == staff.id)
    shares = _shares(session, batches)
    people: dict[str, dict[str, Any]] = {}
    deducted: defaultdict[str, int] = defaultdict(int)
    for verdict, code, name, institution, day in session.execute(query):
        view = batches[verdict.batch_id]
        person = people.setdefault(
            code, {"code": code, "name": name, "institution": institution, "verdicts": []}
        )
        share = shares.get((verdict.batch_id, verdict.source_id))
        deducted[code] += share or 0
        person["verdicts"].append(
            {"batch": verdict.batch_id, "item": view.item, "source_id": verdict.source_id,
             "service_date": day.isoformat(), "reason": verdict.reason,
             "decided_by": verdict.decided_by, "decided_at": iso(verdict.decided_at),
             "batch_state": "closed" if view.closed else "open",
             "share": None if share is None else fmt(share)}
        )  # fmt: skip
    for code, person in people.items():
        person["failed"] = len(person["verdicts"])
        person["deducted"] = fmt(deducted[code])
    return list(people.values())


def _shares(session: Session, batches: dict[int, BatchView]) -> dict[tuple[int, str], int]:
    """Each closed batch's D split among all its failed verdicts."""
    closed = [batch_id for batch_id, view in batches.items() if view.closed]
    failed: defaultdict[int, list[str]] = defaultdict(list)
    for batch_id, source_id in session.execute(
        select(Verdict.batch_id, Verdict.source_id).where(
            Verdict.batch_id.in_(closed), Verdict.outcome == FAIL
        )
    ):
        failed[batch_id].append(source_id)
    shares: dict[tuple[int, str], int] = {}
    for batch_id, source_ids in failed.items():
        total = batches[batch_id].batch.deduction or 0
        for source_id, part in share_of_deduction(total, source_ids).items():
            shares[(batch_id, source_id)] = part
    return shares


def _by_institution(batches: Iterable[BatchView]) -> list[dict[str, Any]]:
    grouped: dict[str, dict[str, Any]] = {}
    totals: defaultdict[str, int] = defaultdict(int)
    for view in sorted(batches, key=lambda v: (v.institution, v.batch.id)):
        entry = grouped.setdefault(view.institution, {"code": view.institution, "batches": []})
        entry["batches"].append(view.to_json())
        totals[view.institution] += view.batch.deduction or 0
    for code, entry in grouped.items():
        entry["deducted"] = fmt(totals[code])
    return list(grouped.values())


def population_rows(session: Session, batch_id: int) -> Iterator[tuple[str, int]]:
    """(source id, purchasable units at the draw) of a batch's frozen population, streamed."""
    if session.get(AuditBatch, batch_id) is None:
        raise NotFound(f"unknown audit batch {batch_id}; 'haiyan audit list --year Y' lists them")
    p = PopulationRecord
    result = session.connection().execute(
        select(ServiceRecord.source_id, p.purchasable)
        .join(p, p.record_id == ServiceRecord.id)
        .where(p.batch_id == batch_id),
        execution_options={"yield_per": 10_000},
    )
    for source_id, purchasable in result:
        yield source_id, int(purchasable)
