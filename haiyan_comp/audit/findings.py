"""Findings (R7, R8): failed verdicts traced to the responsible staff, and D per institution.

A closed batch's D is traced to people by splitting it equally among its
failed verdicts (largest remainder, ties to the smaller source id).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.audit.messages import UNKNOWN_STAFF_MEMBER
from haiyan_comp.audit.models import AuditBatch, Verdict
from haiyan_comp.audit.reports import Batch, year_batches
from haiyan_comp.audit.rules import FAIL, share_of_deduction
from haiyan_comp.errors import NotFound
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import get_institution
from haiyan_comp.records.models import ServiceRecord


@dataclass(frozen=True)
class FailedVerdict:
    """A failed verdict traced to its staff member, with its share of the batch's D."""

    batch: int
    item: str
    source_id: str
    service_date: date
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    batch_state: str
    share: int | None


@dataclass(frozen=True)
class StaffFindings:
    """A responsible staff member's failed verdicts and the units traced to them."""

    code: str
    name: str
    institution: str
    verdicts: tuple[FailedVerdict, ...]
    deducted: int

    @property
    def failed(self) -> int:
        """How many verdicts failed."""
        return len(self.verdicts)

    @property
    def any_closed(self) -> bool:
        """Whether any of the failed verdicts is in a closed batch (its share is fixed)."""
        return any(v.batch_state == "closed" for v in self.verdicts)


@dataclass(frozen=True)
class InstitutionFindings:
    """An institution's batches of the year and the D of the closed ones."""

    code: str
    batches: tuple[Batch, ...]
    deducted: int


@dataclass(frozen=True)
class Findings:
    """Failed verdicts per responsible staff member, and each institution's batches (R7, R8)."""

    year: int
    institution: str | None
    staff_member: str | None
    staff: tuple[StaffFindings, ...]
    institutions: tuple[InstitutionFindings, ...]

    @property
    def failed(self) -> int:
        """Failed verdicts of every staff member listed."""
        return sum(p.failed for p in self.staff)

    @property
    def deducted(self) -> int:
        """Σ D of the closed batches listed (hundredths)."""
        return sum(i.deducted for i in self.institutions)


def findings(
    session: Session,
    year: int,
    institution_code: str | None = None,
    staff_code: str | None = None,
) -> Findings:
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
            raise NotFound(UNKNOWN_STAFF_MEMBER(staff=repr(staff_code)))
        if institution_id is None:
            institution_id = staff.institution_id
    batches = {b.id: b for b in year_batches(session, year, institution_id)}
    return Findings(
        year,
        institution_code,
        staff_code,
        _failed_by_staff(session, year, institution_id, staff, batches),
        _by_institution(batches.values()),
    )


def _failed_by_staff(
    session: Session,
    year: int,
    institution_id: int | None,
    staff: Staff | None,
    batches: dict[int, Batch],
) -> tuple[StaffFindings, ...]:
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
    people: dict[str, tuple[str, str]] = {}
    verdicts: defaultdict[str, list[FailedVerdict]] = defaultdict(list)
    for verdict, code, name, institution, day in session.execute(query):
        batch = batches[verdict.batch_id]
        people.setdefault(code, (name, institution))
        verdicts[code].append(
            FailedVerdict(
                batch=verdict.batch_id, item=batch.item, source_id=verdict.source_id,
                service_date=day, reason=verdict.reason, decided_by=verdict.decided_by,
                decided_at=verdict.decided_at, batch_state=batch.state,
                share=shares.get((verdict.batch_id, verdict.source_id)),
            )
        )  # fmt: skip
    return tuple(
        StaffFindings(
            code,
            name,
            institution,
            tuple(verdicts[code]),
            sum(v.share or 0 for v in verdicts[code]),
        )
        for code, (name, institution) in people.items()
    )


def _shares(session: Session, batches: dict[int, Batch]) -> dict[tuple[int, str], int]:
    """Each closed batch's D split among all its failed verdicts."""
    closed = [batch_id for batch_id, batch in batches.items() if batch.closed]
    failed: defaultdict[int, list[str]] = defaultdict(list)
    for batch_id, source_id in session.execute(
        select(Verdict.batch_id, Verdict.source_id).where(
            Verdict.batch_id.in_(closed), Verdict.outcome == FAIL
        )
    ):
        failed[batch_id].append(source_id)
    shares: dict[tuple[int, str], int] = {}
    for batch_id, source_ids in failed.items():
        total = batches[batch_id].deduction or 0
        for source_id, part in share_of_deduction(total, source_ids).items():
            shares[(batch_id, source_id)] = part
    return shares


def _by_institution(batches: Iterable[Batch]) -> tuple[InstitutionFindings, ...]:
    grouped: defaultdict[str, list[Batch]] = defaultdict(list)
    for batch in sorted(batches, key=lambda b: (b.institution, b.id)):
        grouped[batch.institution].append(batch)
    return tuple(
        InstitutionFindings(code, tuple(own), sum(b.deduction or 0 for b in own))
        for code, own in grouped.items()
    )
