"""Random sequences of imports, audits, prepayment runs and settlements keep the books true.

After every step: every ledger entry balances, prepaid + top-up − debt = F
for every settled institution and year, the fund's cash agrees with what was
paid (books_problems), the running unit and staff totals equal a recount (R4,
R18), so do the frozen populations' units per staff member, and R18's staff
weights read from them equal the old query over every record.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select
from sqlalchemy.orm import Session, SessionTransaction

from haiyan_comp.audit import population
from haiyan_comp.audit.services import close_audit, draw_batch, record_verdict
from haiyan_comp.bonus.services import year_staff_weights
from haiyan_comp.budget.services import ConfigInput, configure_year, set_baseline
from haiyan_comp.errors import DomainError
from haiyan_comp.institutions.models import Institution
from haiyan_comp.operations.budget import pay_due_instalments
from haiyan_comp.operations.catalogue import change_catalogue as load_catalogue
from haiyan_comp.operations.ledger import books_problems
from haiyan_comp.records.services import import_records
from haiyan_comp.records.totals import (
    counted_from_records,
    counted_staff,
    stored_staff,
    stored_totals,
)
from haiyan_comp.settlement.services import settle_year
from tests.services.helpers import HEADER, setup_county
from tests.services.test_bonus_scale import reference_weights
from tests.worked_example import CATALOGUE_CSV, records_csv

record = st.tuples(
    st.sampled_from(["HY01", "HY02"]),
    st.sampled_from(["OP", "HTN", "REC"]),
    st.integers(2018, 2019),
    st.integers(1, 12),
    st.sampled_from(["r1", "r2", "r3"]),
    st.integers(1, 3),
)


def test_books_stay_true_whatever_happens(session: Session) -> None:
    done: Counter[str] = Counter()

    class Books(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.outer: SessionTransaction = session.begin_nested()
            setup_county(session)
            load_catalogue(session, io.BytesIO(CATALOGUE_CSV.encode()), "c.csv", 2019)
            for year in (2018, 2019):
                configure_year(
                    session, year, ConfigInput(200_000, 1000, 1000, 10_000, 8000, 4), "test"
                )
            set_baseline(session, 2018, "HY01", 5000, "test")
            import_records(
                session,
                io.BufferedReader(io.BytesIO(records_csv().encode())),
                "example.csv",  # type: ignore[arg-type]
                as_of=date(2019, 1, 10),
                imported_by="test",
            )
            self.today = date(2018, 1, 1)
            self.next_id = 0
            self.drawn: set[tuple[str, str, int, int]] = set()

        def step(self, name: str, action: object) -> None:
            """One unit of work: all of it, or none of it when refused."""
            nested = session.begin_nested()
            try:
                action()  # type: ignore[operator]
                nested.commit()
                done[name] += 1
            except DomainError:
                nested.rollback()

        @rule(rows=st.lists(record, min_size=1, max_size=8), reuse=st.booleans())
        def import_some(self, rows: list[tuple[str, str, int, int, str, int]], reuse: bool) -> None:
            lines = []
            for inst, item, year, month, resident, qty in rows:
                self.next_id += 0 if reuse and self.next_id else 1
                staff = "S3" if inst == "HY02" else "S2" if resident == "r2" else "S1"
                lines.append(
                    f"P{self.next_id},{inst},{staff},{item},{year}-{month:02d}-15,{resident},{qty}"
                )
            text = HEADER + "\n".join(lines) + "\n"
            self.step(
                "import",
                lambda: import_records(
                    session,
                    io.BufferedReader(io.BytesIO(text.encode())),
                    "p.csv",  # type: ignore[arg-type]
                    as_of=date(2020, 1, 1),
                    imported_by="test",
                    chunk_rows=3,
                ),
            )

        @rule(
            inst=st.sampled_from(["HY01", "HY02"]),
            item=st.sampled_from(["OP", "HTN", "REC"]),
            year=st.integers(2018, 2019),
            size=st.integers(1, 3),
            fails=st.integers(0, 3),
        )
        def audit(self, inst: str, item: str, year: int, size: int, fails: int) -> None:
            if (inst, item, year) in self.drawn:
                return
            self.drawn.add((inst, item, year))

            def run() -> None:
                draw = draw_batch(
                    session,
                    year=year,
                    institution_code=inst,
                    item_code=item,
                    size=size,
                    seed=f"{inst}{item}{year}",
                    drawn_by="test",
                )
                for index, source in enumerate(draw.sample):
                    failed = index < fails
                    record_verdict(
                        session,
                        draw.batch.id,
                        source,
                        "fail" if failed else "pass",
                        reason="missing" if failed else None,
                        by="test",
                    )
                close_audit(session, draw.batch.id, by="test")

            self.step("audit", run)

        @rule(value=st.sampled_from(["10.00", "12.50"]), cap=st.sampled_from(["1", "2", ""]))
        def revalue_2019(self, value: str, cap: str) -> None:
            """A new value or cap of HTN in 2019 (refused once an HTN batch of 2019 is drawn)."""
            text = CATALOGUE_CSV.replace(",10.00,1,", f",{value},{cap},")
            self.step(
                "catalogue",
                lambda: load_catalogue(session, io.BytesIO(text.encode()), "c.csv", 2019),
            )

        @rule(days=st.integers(1, 250))
        def pay(self, days: int) -> None:
            self.today = min(self.today + timedelta(days=days), date(2019, 12, 31))
            self.step("pay", lambda: pay_due_instalments(session, self.today, "test"))

        @rule()
        def settle_2018(self) -> None:
            self.today = max(self.today, date(2019, 1, 15))  # settling waits for the year's end
            self.step("settle", lambda: settle_year(session, 2018, self.today, "test"))

        @invariant()
        def books_are_true(self) -> None:
            assert books_problems(session) == []
            institutions = session.scalars(select(Institution)).all()
            for year in (2018, 2019):
                assert stored_totals(session, year) == counted_from_records(session, year)
                assert stored_staff(session, year) == counted_staff(session, year)
                assert population.stored_staff(session, year) == population.counted_staff(
                    session, year
                )
                weights = year_staff_weights(session, year)
                for inst in institutions:
                    assert weights.get(inst.id, {}) == reference_weights(session, year, inst)

        def teardown(self) -> None:
            self.outer.rollback()
            session.expunge_all()  # ids are reused by the next example

    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=20,
            stateful_step_count=16,
            deadline=None,
            derandomize=True,  # the same sequences in every run: CI is reproducible
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    # The run must have reached every kind of step, or it proved little.
    assert all(done[kind] for kind in ("import", "audit", "pay", "settle", "catalogue")), done
