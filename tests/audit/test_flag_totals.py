"""The automatic checks read running totals; whatever happens, they equal the records.

Random sequences of imports (repeats, staff-days over 32.00 units, duplicates
and conflicts, loads large enough to regroup their year), catalogue
revaluations, imports dated after their records, draws of flagged records and
closes with failures. After every step: the staff-days and repeated records
stored equal a recount from the records, the frozen populations' units per
staff member equal theirs, and `flag_report` (counts and listing) equals the
report the checks computed from the records before (tests/audit/reference_flags).
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select, update
from sqlalchemy.orm import Session, SessionTransaction

from haiyan_comp.audit import population
from haiyan_comp.audit.flags import flag_report
from haiyan_comp.audit.services import close_audit, draw_batch, record_verdict
from haiyan_comp.errors import DomainError
from haiyan_comp.operations.catalogue import change_catalogue
from haiyan_comp.records import day_totals
from haiyan_comp.records.models import RecordImport
from haiyan_comp.records.services import import_records
from tests.audit.reference_flags import reference_report
from tests.services.helpers import HEADER, setup_county
from tests.worked_example import CATALOGUE_CSV

# institution, item, day of March, resident (or none), quantity
row = st.tuples(
    st.sampled_from(["HY01", "HY02"]),
    st.sampled_from(["OP", "OP", "HTN", "REC"]),
    st.integers(1, 3),
    st.sampled_from(["r1", "r2", ""]),
    st.integers(1, 20),
)


def _assert_totals_equal_a_recount(session: Session) -> None:
    assert day_totals.stored_days(session, 2018) == day_totals.counted_days(session, 2018)
    by_import = day_totals.stored_days(session, 2018, by_import=True)
    assert by_import == day_totals.counted_days(session, 2018, by_import=True)
    assert day_totals.stored_repeats(session, 2018) == day_totals.counted_repeats(session, 2018)


def _assert_in_step(session: Session) -> None:
    """In step, or left for the first read after a bulk load, which recounts them."""
    if not day_totals.is_due(session, 2018):
        _assert_totals_equal_a_recount(session)
    assert population.stored_staff(session, 2018) == population.counted_staff(session, 2018)
    for institution in (None, "HY01", "HY02"):
        for limit in (3, 1000):
            report = flag_report(session, 2018, institution, limit)
            assert report == reference_report(session, 2018, institution, limit), institution
    assert not day_totals.is_due(session, 2018)
    _assert_totals_equal_a_recount(session)


def test_the_checks_totals_follow_every_write(session: Session) -> None:
    done: Counter[str] = Counter()

    class Checks(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.outer: SessionTransaction = session.begin_nested()
            setup_county(session)
            self.next_id = 0

        def step(self, name: str, action: object) -> None:
            """One unit of work: all of it, or none of it when refused."""
            nested = session.begin_nested()
            try:
                action()  # type: ignore[operator]
                nested.commit()
                done[name] += 1
            except DomainError:
                nested.rollback()

        @rule(rows=st.lists(row, min_size=1, max_size=12), reuse=st.booleans())
        def import_some(self, rows: list[tuple[str, str, int, str, int]], reuse: bool) -> None:
            lines = []
            for inst, item, day, resident, qty in rows:
                self.next_id += 0 if reuse and self.next_id else 1
                staff = "S3" if inst == "HY02" else "S2" if resident == "r2" else "S1"
                who = resident or ("" if item == "OP" else "r3")  # capped items need a resident
                lines.append(f"P{self.next_id},{inst},{staff},{item},2018-03-0{day},{who},{qty}")
            text = HEADER + "\n".join(lines) + "\n"
            self.step(
                "import",
                lambda: import_records(
                    session,
                    io.BufferedReader(io.BytesIO(text.encode())),
                    "p.csv",  # type: ignore[arg-type]
                    as_of=date(2019, 1, 10),
                    imported_by="test",
                    chunk_rows=4,
                ),
            )

        @rule(value=st.sampled_from(["1.00", "3.00", "0.50"]))
        def revalue_visits(self, value: str) -> None:
            catalogue = CATALOGUE_CSV.replace(",visit,1.00,", f",visit,{value},")
            self.step(
                "revalue",
                lambda: change_catalogue(session, io.BytesIO(catalogue.encode()), "c.csv", 2018),
            )

        @rule(hour=st.integers(0, 23), day=st.integers(1, 3))
        def date_the_last_import(self, hour: int, day: int) -> None:
            """As if the last import had started on a day of March 2018 (county time differs)."""
            last = session.scalar(select(RecordImport.id).order_by(RecordImport.id.desc()))
            started = datetime(2018, 3, day, hour, tzinfo=UTC)
            session.execute(
                update(RecordImport).where(RecordImport.id == last).values(started_at=started)
            )
            done["dated"] += 1

        @rule(inst=st.sampled_from(["HY01", "HY02"]), flagged=st.booleans(), fails=st.booleans())
        def audit(self, inst: str, flagged: bool, fails: bool) -> None:
            def run() -> None:
                draw = draw_batch(
                    session, year=2018, institution_code=inst, item_code="OP", size=1,
                    seed="s", flagged_only=flagged, drawn_by="test",
                )  # fmt: skip
                (source,) = draw.sample
                outcome = "fail" if fails else "pass"
                reason = "unsigned" if fails else None
                record_verdict(session, draw.batch.id, source, outcome, reason=reason, by="t")
                close_audit(session, draw.batch.id, by="test")

            self.step("audit", run)

        @invariant()
        def in_step(self) -> None:
            _assert_in_step(session)

        def teardown(self) -> None:
            self.outer.rollback()
            session.expunge_all()

    run_state_machine_as_test(
        Checks,
        settings=settings(
            max_examples=25,
            stateful_step_count=8,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    assert done["import"] and done["revalue"], done  # audits may all be refused (R5, no flags)


def test_a_late_upload_adds_to_the_day_and_its_repeats(session: Session) -> None:
    """A small import after a large one probes the index: its repeats and staff-days join in."""
    setup_county(session)
    first = "".join(f"A{n:03d},HY01,S1,OP,2018-03-01,,1\n" for n in range(30))
    first += "".join(f"B{n:03d},HY01,S2,OP,2018-03-{1 + n % 28:02d},r{n},1\n" for n in range(200))
    _import(session, first)
    assert day_totals.is_due(session, 2018)  # a bulk load: the first read recounts the year
    assert day_totals.stored_days(session, 2018) == []
    assert flag_report(session, 2018)["totals"]["records"] == 0  # S1: 30.00 units on 1 March
    assert not day_totals.is_due(session, 2018)
    _assert_totals_equal_a_recount(session)
    _import(session, "C1,HY01,S1,OP,2018-03-01,,3\nC2,HY01,S2,OP,2018-03-05,r4,1\n")
    assert not day_totals.is_due(session, 2018)  # a small import adds to the totals itself
    _assert_totals_equal_a_recount(session)
    report = flag_report(session, 2018)
    # S1: 30 + 3 visits on 1 March; B004 and C2: resident r4 twice on 5 March.
    assert report["totals"] == {
        "repeat_same_day": 2, "staff_day_over_32": 31, "after_import_date": 0, "records": 33
    }  # fmt: skip
    _assert_in_step(session)


def _import(session: Session, rows: str) -> None:
    import_records(
        session,
        io.BufferedReader(io.BytesIO((HEADER + rows).encode())),
        "p.csv",  # type: ignore[arg-type]
        as_of=date(2019, 1, 10),
        imported_by="test",
    )


def test_a_draw_of_flagged_records_recounts_a_year_left_for_later(session: Session) -> None:
    """The first load leaves the checks' totals; a flagged-only draw recounts them first."""
    setup_county(session)
    _import(session, "".join(f"A{n:03d},HY01,S1,OP,2018-03-01,,1\n" for n in range(40)))
    _import(session, "".join(f"B{n:03d},HY01,S2,OP,2018-03-02,,1\n" for n in range(20)))
    assert day_totals.is_due(session, 2018)  # a small import into a year left for later
    drawn = draw_batch(
        session, year=2018, institution_code="HY01", item_code="OP", size=5,
        seed="s", flagged_only=True, drawn_by="test",
    )  # fmt: skip
    assert all(source.startswith("A") for source in drawn.sample)  # S1's 40.00 units a day
    assert not day_totals.is_due(session, 2018)
    _assert_totals_equal_a_recount(session)


def test_a_revaluation_of_a_year_left_for_later_leaves_it_for_the_first_read(
    session: Session,
) -> None:
    setup_county(session)
    _import(session, "".join(f"A{n:03d},HY01,S1,OP,2018-03-01,,1\n" for n in range(20)))
    catalogue = CATALOGUE_CSV.replace(",visit,1.00,", ",visit,3.00,")
    change_catalogue(session, io.BytesIO(catalogue.encode()), "c.csv", 2018)
    assert day_totals.is_due(session, 2018)
    assert flag_report(session, 2018)["totals"]["staff_day_over_32"] == 20  # 60.00 units
    _assert_totals_equal_a_recount(session)
