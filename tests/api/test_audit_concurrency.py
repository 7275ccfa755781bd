"""Two auditors at once lose no verdict; two closes at once give one deduction.

Real connections on a database of the test's own (`scratch_url`), threads
released together by a barrier. On PostgreSQL the row locks order them; on
SQLite the single write lock does (each transaction writes first), so the same
tests run on both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from haiyan_comp.audit.models import AuditBatch, Verdict, VerdictChange
from haiyan_comp.audit.rules import BatchClosed
from haiyan_comp.audit.services import close_audit, draw_batch, record_verdict
from haiyan_comp.db import make_engine
from tests.concurrency import at_once
from tests.services.helpers import import_text, setup_county
from tests.worked_example import records_csv

pytestmark = pytest.mark.slow
SAMPLE = [f"R006{n}" for n in range(5)]


def prepared(url: str) -> int:
    """The worked example with every HTN record of HY01 sampled, committed; the batch id."""
    engine = make_engine(url)
    with Session(engine) as session:
        setup_county(session)
        import_text(session, records_csv())
        batch = draw_batch(
            session, year=2018, institution_code="HY01", item_code="HTN", size=5,
            seed="race", drawn_by="setup",
        ).batch.id  # fmt: skip
        session.commit()
    engine.dispose()
    return batch


def read(url: str, query: Callable[[Session], Any]) -> Any:
    engine: Engine = make_engine(url)
    try:
        with Session(engine) as session:
            return query(session)
    finally:
        engine.dispose()


def test_two_auditors_on_different_records_lose_nothing(scratch_url: str) -> None:
    batch = prepared(scratch_url)
    for round_ in range(3):  # pass, then fail, then pass again: every change counted
        outcome = "fail" if round_ == 1 else "pass"
        reason = "round 2" if outcome == "fail" else None

        def auditor(
            sources: list[str], who: str, outcome: str = outcome, reason: str | None = reason
        ) -> Callable[[Session], None]:
            def job(session: Session) -> None:
                for source in sources:
                    record_verdict(session, batch, source, outcome, reason=reason, by=who)

            return job

        errors = at_once(scratch_url, [auditor(SAMPLE[:3], "ann"), auditor(SAMPLE[3:], "bob")])
        assert errors == []
        outcomes = read(
            scratch_url,
            lambda s: {
                source: outcome
                for source, outcome in s.execute(
                    select(Verdict.source_id, Verdict.outcome).where(Verdict.batch_id == batch)
                )
            },
        )
        assert outcomes == dict.fromkeys(SAMPLE, outcome)
    trail = read(scratch_url, lambda s: s.scalar(select(func.count()).select_from(VerdictChange)))
    assert trail == 15  # 5 records × 3 rounds


def test_two_auditors_on_the_same_record_both_land_in_the_trail(scratch_url: str) -> None:
    batch = prepared(scratch_url)

    def verdict(outcome: str, who: str) -> Callable[[Session], None]:
        reason = "seen by " + who if outcome == "fail" else None
        return lambda s: record_verdict(s, batch, "R0060", outcome, reason=reason, by=who)

    assert at_once(scratch_url, [verdict("pass", "ann"), verdict("fail", "bob")]) == []
    changes = read(
        scratch_url,
        lambda s: [
            (c.old_outcome, c.new_outcome)
            for c in s.scalars(select(VerdictChange).order_by(VerdictChange.id))
        ],
    )
    # Whichever came second saw the first's verdict as its "old" one.
    assert changes in ([(None, "pass"), ("pass", "fail")], [(None, "fail"), ("fail", "pass")])


def test_two_closes_at_once_give_one_deduction(scratch_url: str) -> None:
    batch = prepared(scratch_url)
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        for n, source in enumerate(SAMPLE):
            outcome = "fail" if n < 2 else "pass"
            reason = "unsigned" if outcome == "fail" else None
            record_verdict(session, batch, source, outcome, reason=reason, by="ann")
        session.commit()
    engine.dispose()

    def close(who: str) -> Callable[[Session], Any]:
        return lambda s: close_audit(s, batch, by=who)

    errors = at_once(scratch_url, [close("ann"), close("bob"), close("cat")])
    assert len(errors) == 2 and all(isinstance(e, BatchClosed) for e in errors), errors
    closed = read(
        scratch_url, lambda s: s.execute(select(AuditBatch.deduction, AuditBatch.failed)).all()
    )
    assert closed == [(2000, 2)]  # round(50.00 × 2 ÷ 5) = 20.00, once


def test_a_verdict_racing_a_close_is_refused_or_counted(scratch_url: str) -> None:
    """A close never fixes D while a verdict is half-way: it waits, or the verdict is refused."""
    batch = prepared(scratch_url)
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        for source in SAMPLE:
            record_verdict(session, batch, source, "pass", by="ann")
        session.commit()
    engine.dispose()
    errors = at_once(
        scratch_url,
        [
            lambda s: close_audit(s, batch, by="ann"),
            lambda s: record_verdict(s, batch, "R0060", "fail", reason="late", by="bob"),
        ],
    )
    failed = read(scratch_url, lambda s: s.scalar(select(AuditBatch.failed)))
    if errors:  # the close went first: the verdict was refused, D counts no failure
        assert [type(e) for e in errors] == [BatchClosed] and failed == 0
    else:  # the verdict went first: the close counted it
        assert failed == 1
