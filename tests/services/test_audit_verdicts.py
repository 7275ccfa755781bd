"""Verdicts and closing (R7, R8): the trail, the refusals, D, and units after the close."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.audit.models import AuditBatch, PopulationRecord, Verdict, VerdictChange
from haiyan_comp.audit.rules import BatchClosed, VerdictsMissing
from haiyan_comp.audit.services import close_audit, deductions, open_batches, record_verdict
from haiyan_comp.db import db
from haiyan_comp.errors import DomainError, InvalidInput, NotFound
from haiyan_comp.institutions.models import Staff
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.units.services import year_units
from tests.services.test_audit_draw import audit_rows, draw, load_example

T1 = datetime(2019, 1, 5, 9, 0, tzinfo=UTC)
T2 = datetime(2019, 1, 6, 9, 0, tzinfo=UTC)


def drawn_example(session: Session) -> int:
    """The worked example with its HTN batch drawn (sample R0063, R0062), committed."""
    load_example(session)
    with db.unit_of_work():
        return draw(session).batch.id


def judged_example(session: Session) -> int:
    """The batch with R0062 failed (S1) and R0063 passed, committed."""
    batch = drawn_example(session)
    with db.unit_of_work():
        record_verdict(session, batch, "R0062", "fail", reason="no follow-up on file", by="ann")
        record_verdict(session, batch, "R0063", "pass", by="bob")
    return batch


def test_worked_example_closes_with_d_25(session: Session) -> None:
    batch_id = judged_example(session)
    batch, closing = close_audit(session, batch_id, by="ann")
    assert (closing.failed, closing.size, closing.deduction) == (1, 2, 2500)
    assert (batch.failed, batch.deduction, batch.closed_by) == (1, 2500, "ann")
    assert batch.closed_at is not None


def test_units_show_the_deduction_and_verified_units(session: Session) -> None:
    close_audit(session, judged_example(session), by="ann")
    units = {i.code: i for i in year_units(session, 2018).institutions}
    hy01 = units["HY01"]
    htn = {item.code: item for item in hy01.items}["HTN"]
    assert (htn.purchasable, htn.deducted, htn.verified) == (5000, 2500, 2500)
    assert (hy01.verified_basic_medical, hy01.verified_public_health) == (6000, 3500)
    hy02 = units["HY02"]
    assert (hy02.verified_basic_medical, hy02.verified_public_health) == (4000, 3500)


def test_an_open_batch_deducts_nothing(session: Session) -> None:
    judged_example(session)
    assert deductions(session, 2018) == {}
    hy01 = year_units(session, 2018, "HY01").institutions[0]
    assert hy01.verified_public_health == 6000


def test_the_responsible_staff_is_the_records_unless_named(session: Session) -> None:
    batch_id = drawn_example(session)
    own = record_verdict(session, batch_id, "R0063", "fail", reason="x", by="ann")
    assert own.staff == "S2"  # R0063 was recorded by S2
    named = record_verdict(session, batch_id, "R0063", "fail", reason="x", staff_code="S1", by="a")
    assert named.staff == "S1"
    stored = session.scalar(select(Verdict).where(Verdict.source_id == "R0063"))
    assert stored is not None and stored.staff_id == _staff_id(session, "S1")


def test_every_change_lands_in_the_trail(session: Session) -> None:
    batch_id = drawn_example(session)
    record_verdict(session, batch_id, "R0062", "pass", by="ann", now=T1)
    record_verdict(session, batch_id, "R0062", "fail", reason="unsigned", by="bob", now=T2)
    again = record_verdict(session, batch_id, "R0062", "fail", reason="unsigned", by="bob")
    assert not again.changed  # the same verdict again is no change, and no trail entry
    trail = session.scalars(
        select(VerdictChange).where(VerdictChange.batch_id == batch_id).order_by(VerdictChange.id)
    ).all()
    s1 = _staff_id(session, "S1")
    assert [
        (c.changed_by, c.old_outcome, c.old_reason, c.old_staff_id, c.new_outcome, c.new_reason)
        for c in trail
    ] == [("ann", None, None, None, "pass", None), ("bob", "pass", None, s1, "fail", "unsigned")]
    assert all(c.new_staff_id == s1 for c in trail)
    assert [_utc(c.changed_at) for c in trail] == [T1, T2]
    verdict = session.scalar(select(Verdict).where(Verdict.source_id == "R0062"))
    assert verdict is not None
    assert (verdict.outcome, verdict.reason, verdict.decided_by) == ("fail", "unsigned", "bob")


def test_close_refuses_while_verdicts_are_missing(session: Session) -> None:
    batch_id = drawn_example(session)
    with db.unit_of_work():
        record_verdict(session, batch_id, "R0063", "pass", by="ann")
    before = audit_rows(session)
    missing = r"1 of 2 sampled records have no verdict yet \(R0062\)"
    with pytest.raises(VerdictsMissing, match=missing), db.unit_of_work():
        close_audit(session, batch_id, by="ann")
    assert audit_rows(session) == before
    assert open_batches(session, 2018) == [batch_id]


def test_a_closed_batch_never_changes(session: Session) -> None:
    batch_id = judged_example(session)
    with db.unit_of_work():
        close_audit(session, batch_id, by="ann")
    before = audit_rows(session)
    with pytest.raises(BatchClosed, match="already closed"), db.unit_of_work():
        close_audit(session, batch_id, by="bob")
    with pytest.raises(BatchClosed, match="verdicts cannot change"), db.unit_of_work():
        record_verdict(session, batch_id, "R0063", "fail", reason="late", by="bob")
    assert audit_rows(session) == before
    batch = session.get(AuditBatch, batch_id)
    assert batch is not None and (batch.deduction, batch.closed_by) == (2500, "ann")
    assert open_batches(session, 2018) == []


@pytest.mark.parametrize(
    ("batch", "source", "outcome", "reason", "staff", "error", "message"),
    [
        (999, "R0062", "pass", None, None, NotFound, "unknown audit batch 999"),
        (None, "NOPE", "pass", None, None, NotFound, "HY01 has no record with source id 'NOPE'"),
        (None, "R0061", "pass", None, None, NotFound, "R0061 of HY01 is not in the sample"),
        (None, "OP2000", "pass", None, None, NotFound, "HY01 has no record .*'OP2000'"),
        (None, "R0062", "fail", None, None, InvalidInput, "needs a reason"),
        (None, "R0062", "fail", "  ", None, InvalidInput, "needs a reason"),
        (None, "R0062", "pass", None, "S3", InvalidInput, "S3 belongs to HY02, not HY01"),
        (None, "R0062", "pass", None, "S9", NotFound, "unknown staff member 'S9'"),
    ],
)
def test_bad_verdicts_are_refused_and_change_nothing(
    session: Session,
    batch: int | None,
    source: str,
    outcome: str,
    reason: str | None,
    staff: str | None,
    error: type[DomainError],
    message: str,
) -> None:
    batch_id = drawn_example(session)
    before = audit_rows(session)
    with pytest.raises(error, match=message), db.unit_of_work():
        record_verdict(
            session, batch or batch_id, source, outcome, reason=reason, staff_code=staff, by="a"
        )
    assert audit_rows(session) == before


def test_r18_weights_come_from_one_join(session: Session) -> None:
    """R18 (a later issue) in one query: the population says which closed batch holds a record."""
    close_audit(session, judged_example(session), by="ann")
    r, p, b = ServiceRecord, PopulationRecord, AuditBatch
    rows = session.execute(
        select(Staff.code, r.purchasable, b.size, b.failed)
        .join(Staff, Staff.id == r.staff_id)
        .outerjoin(p, p.record_id == r.id)
        .outerjoin(b, (b.id == p.batch_id) & b.closed_at.is_not(None))
        .where(r.institution_id == Staff.institution_id, Staff.code.in_(["S1", "S2"]))
    )
    weights: dict[str, Fraction] = {}
    for code, purchasable, size, failed in rows:
        factor = Fraction(1) if size is None else 1 - Fraction(failed, size)
        weights[code] = weights.get(code, Fraction(0)) + purchasable * factor
    assert weights == {"S1": 5500, "S2": 4000}  # RULES.md: S1 = 55.00, S2 = 40.00


def _staff_id(session: Session, code: str) -> int:
    staff_id = session.scalar(select(Staff.id).where(Staff.code == code))
    assert staff_id is not None
    return staff_id


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
