"""R18's running totals follow every write that moves a record's purchasable units.

The bonus reads two small tables instead of the records: each staff member's
purchasable units of a year (staff_totals), and each frozen population's
units per staff member (audit_population_staff). Closing a batch with failed
verdicts writes the second (R18 weighs no other batch); a late record that
moves a resident's cap (R3) moves both; an upgrade fills both from what is
already stored.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from haiyan_comp import migrate
from haiyan_comp.audit import population
from haiyan_comp.audit.services import close_audit, draw_batch, record_verdict
from haiyan_comp.bonus.services import staff_weights
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.totals import counted_staff, stored_staff
from tests.services.helpers import HEADER, import_text, setup_county
from tests.services.test_bonus_scale import reference_weights


def _ids(session: Session) -> tuple[Institution, dict[str, int]]:
    hy01 = session.scalars(select(Institution).where(Institution.code == "HY01")).one()
    return hy01, {code: pk for code, pk in session.execute(select(Staff.code, Staff.id))}


def _purchasable(session: Session, source_id: str) -> int:
    return session.scalars(
        select(ServiceRecord.purchasable).where(ServiceRecord.source_id == source_id)
    ).one()


def _assert_in_step(session: Session, year: int = 2018) -> None:
    assert stored_staff(session, year) == counted_staff(session, year)
    assert population.stored_staff(session, year) == population.counted_staff(session, year)


def test_closing_with_failures_keeps_its_populations_units_per_staff_member(
    session: Session,
) -> None:
    """HY01's OP visits, frozen by two batches: January–June and July–December."""
    setup_county(session)
    import_text(
        session,
        HEADER
        + "".join(
            f"V{n:02d},HY01,{'S1' if n < 40 else 'S2'},OP,2018-{1 + n % 12:02d}-10,,1\n"
            for n in range(60)
        ),
    )
    draws = [
        draw_batch(
            session, year=2018, institution_code="HY01", item_code="OP", size=3, seed="s",
            drawn_by="test", date_from=start, date_to=end,
        )
        for start, end in ((date(2018, 1, 1), date(2018, 6, 30)), (date(2018, 7, 1), None))
    ]  # fmt: skip
    assert population.stored_staff(session, 2018) == []  # open batches weigh nothing yet
    for draw in draws:
        failed, *passed = draw.sample
        record_verdict(session, draw.batch.id, failed, "fail", reason="unsigned", by="test")
        for source in passed:
            record_verdict(session, draw.batch.id, source, "pass", by="test")
        close_audit(session, draw.batch.id, by="test")
    first, second = (draw.batch.id for draw in draws)
    _, staff = _ids(session)
    assert population.stored_staff(session, 2018) == [
        (first, staff["S1"], 22, 2200),
        (first, staff["S2"], 8, 800),
        (second, staff["S1"], 18, 1800),
        (second, staff["S2"], 12, 1200),
    ]
    _assert_in_step(session)


def test_a_late_record_moves_the_units_of_a_frozen_record(session: Session) -> None:
    """R3 then R18: r1's one HTN goes to an earlier record, so frozen A1 is worth 0 now."""
    setup_county(session)
    import_text(
        session, HEADER + "A1,HY01,S1,HTN,2018-03-01,r1,1\nA2,HY01,S1,HTN,2018-04-01,r2,1\n"
    )
    draw = draw_batch(
        session, year=2018, institution_code="HY01", item_code="HTN", size=2, seed="s",
        drawn_by="test",
    )  # fmt: skip
    first, second = draw.sample
    record_verdict(session, draw.batch.id, first, "fail", reason="no signature", by="test")
    record_verdict(session, draw.batch.id, second, "pass", by="test")
    close_audit(session, draw.batch.id, by="test")
    hy01, _ = _ids(session)
    # S1: 2 × 10.00, both frozen in a batch with 1 of 2 failed: 20.00 − 20.00 ÷ 2.
    assert staff_weights(session, 2018, hy01) == {"S1": Fraction(1000), "S2": Fraction(0)}

    import_text(session, HEADER + "A0,HY01,S2,HTN,2018-01-01,r1,1\n")

    assert (_purchasable(session, "A0"), _purchasable(session, "A1")) == (1000, 0)
    # S1: A2 alone (10.00), frozen: 10.00 − 10.00 ÷ 2; S2: A0, never frozen.
    expected = {"S1": Fraction(500), "S2": Fraction(1000)}
    assert staff_weights(session, 2018, hy01) == expected
    assert reference_weights(session, 2018, hy01) == expected
    _assert_in_step(session)


def test_an_upgrade_fills_the_totals_from_what_is_stored(scratch_url: str) -> None:
    """Migration 0008 on a county of 0007: the totals equal a count of its records."""
    migrate.downgrade(scratch_url, "0007_signin_attempts")
    engine = create_engine(scratch_url)
    records = [
        # id, institution, staff, year, purchasable
        (1, 1, 10, 2017, 500),
        (2, 1, 10, 2018, 1000),
        (3, 1, 10, 2018, 250),
        (4, 1, 11, 2018, 0),
        (5, 2, 20, 2018, 700),
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO service_records (id, institution_id, source_id, staff_id, item_id,"
                " year, service_date, resident_id, quantity, units, purchasable, capped,"
                " import_id, line) VALUES (:id, :inst, :source, :staff, 1, :year, :day, NULL,"
                " 1, :units, :units, :capped, 1, :id)"
            ),
            [
                {"id": i, "inst": inst, "source": f"R{i}", "staff": staff, "year": year,
                 "day": f"{year}-05-01", "units": units, "capped": False}
                for i, inst, staff, year, units in records
            ],
        )  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO audit_population (batch_id, record_id, purchasable)"
                " VALUES (7, 2, 1000), (7, 4, 0), (8, 5, 700)"
            )
        )
    migrate.upgrade(scratch_url)
    with engine.connect() as conn:
        staff = conn.execute(text("SELECT * FROM staff_totals ORDER BY year, staff_id")).all()
        frozen = conn.execute(
            text("SELECT * FROM audit_population_staff ORDER BY batch_id, staff_id")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in staff] == [
        (2017, 1, 10, 1, 500),
        (2018, 1, 10, 2, 1250),
        (2018, 1, 11, 1, 0),
        (2018, 2, 20, 1, 700),
    ]
    assert [tuple(row) for row in frozen] == [(7, 10, 1, 1000), (7, 11, 1, 0), (8, 20, 1, 700)]
