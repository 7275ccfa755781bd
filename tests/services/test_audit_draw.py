"""Drawing a batch (R5, R6): the frozen population, the reproducible sample, every refusal."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.audit.models import AuditBatch, PopulationRecord, Verdict, VerdictChange
from haiyan_comp.audit.rules import BatchOverlap
from haiyan_comp.audit.services import Draw, draw_batch
from haiyan_comp.db import db
from haiyan_comp.errors import DomainError, InvalidInput, NotFound, YearSettled
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.years.models import Year
from tests.services.helpers import HEADER, import_text, setup_county
from tests.worked_example import records_csv

SEED = "haiyan-2018"


def load_example(session: Session) -> None:
    """The worked example's county and records, committed (to the test's outer transaction)."""
    with db.unit_of_work():
        setup_county(session)
        import_text(session, records_csv())


def draw(session: Session, **changes: Any) -> Draw:
    """Draw HY01's HTN of 2018 (the worked example's audit) unless told otherwise."""
    arguments: dict[str, Any] = {
        "year": 2018,
        "institution_code": "HY01",
        "item_code": "HTN",
        "size": 2,
        "seed": SEED,
        "drawn_by": "test",
    }
    arguments.update(changes)
    return draw_batch(session, **arguments)


def audit_rows(session: Session) -> tuple[int, ...]:
    """How many rows each audit table holds (to show that nothing changed)."""
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (AuditBatch, PopulationRecord, Verdict, VerdictChange)
    )


def test_worked_example_draw_freezes_n_5_and_u_50(session: Session) -> None:
    load_example(session)
    drawn = draw(session)
    assert (drawn.batch.population_count, drawn.batch.population_units) == (5, 5000)
    assert drawn.to_json() | {"batch": 0} == {
        "batch": 0, "N": 5, "U": "50.00", "sample": ["R0063", "R0062"], "year": 2018,
        "institution": "HY01", "item": "HTN", "from": "2018-01-01", "to": "2018-12-31",
        "stratum": "all", "seed": SEED, "n": 2,
    }  # fmt: skip


def test_population_is_the_stratum_with_purchasable_units(session: Session) -> None:
    load_example(session)
    drawn = draw(session)
    frozen = session.execute(
        select(ServiceRecord.source_id, PopulationRecord.purchasable)
        .join(ServiceRecord, ServiceRecord.id == PopulationRecord.record_id)
        .where(PopulationRecord.batch_id == drawn.batch.id)
        .order_by(ServiceRecord.source_id)
    ).all()
    # R0070, r1's second HTN record, is over-spec (purchasable 0): not in the population.
    assert frozen == [(f"R006{n}", 1000) for n in range(5)]


def test_sample_recomputed_independently_from_the_seed(session: Session) -> None:
    load_example(session)
    drawn = draw(session, size=3)
    population = session.scalars(
        select(ServiceRecord.source_id)
        .join(PopulationRecord, PopulationRecord.record_id == ServiceRecord.id)
        .where(PopulationRecord.batch_id == drawn.batch.id)
    ).all()
    ranked = sorted(
        population, key=lambda s: hashlib.sha256(f"{SEED}:HY01:{s}".encode()).hexdigest()
    )
    assert drawn.sample == ranked[:3]
    stored = session.scalars(
        select(Verdict.source_id).where(Verdict.batch_id == drawn.batch.id).order_by(Verdict.rank)
    ).all()
    assert stored == drawn.sample


def test_size_n_audits_everything(session: Session) -> None:
    load_example(session)
    assert sorted(draw(session, size=5).sample) == [f"R006{n}" for n in range(5)]


def test_frozen_population_ignores_later_records(session: Session) -> None:
    load_example(session)
    drawn = draw(session, date_to=date(2018, 6, 30))
    import_text(session, HEADER + "LATE1,HY01,S1,HTN,2018-05-01,r9,1\n")
    session.refresh(drawn.batch)
    assert (drawn.batch.population_count, drawn.batch.population_units) == (5, 5000)
    assert (
        session.scalar(select(func.count()).where(PopulationRecord.batch_id == drawn.batch.id)) == 5
    )


def test_date_range_limits_the_population(session: Session) -> None:
    load_example(session)
    import_text(
        session, HEADER + "A1,HY01,S1,HTN,2018-07-01,r8,1\nA2,HY01,S2,HTN,2018-08-01,r9,1\n"
    )
    drawn = draw(session, date_from=date(2018, 7, 1), date_to=date(2018, 12, 31), size=1)
    assert (drawn.batch.population_count, drawn.batch.population_units) == (2, 2000)


def test_batches_of_separate_dates_and_other_strata_may_coexist(session: Session) -> None:
    load_example(session)
    import_text(session, HEADER + "A1,HY01,S1,HTN,2018-07-01,r8,1\n")
    draw(session, date_to=date(2018, 3, 1))
    draw(session, date_from=date(2018, 3, 2), size=1)  # from the day after: no overlap
    draw(session, institution_code="HY02", size=1)
    draw(session, item_code="REC", size=1)


def test_adjacent_range_with_nothing_purchasable_is_refused_clearly(session: Session) -> None:
    load_example(session)
    with pytest.raises(InvalidInput, match="no records with purchasable units in HY01 HTN"):
        draw(session, date_from=date(2018, 9, 1))  # only R0070, which is over-spec


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"size": 0}, InvalidInput, "at least 1"),
        ({"size": 6}, InvalidInput, "6 is larger than the population of HY01 HTN .* N = 5"),
        ({"seed": ""}, InvalidInput, "seed must not be empty"),
        ({"seed": "s" * 201}, InvalidInput, "201 characters"),
        ({"institution_code": "HY99"}, NotFound, "unknown institution 'HY99'"),
        ({"item_code": "XX"}, NotFound, "unknown item 'XX' in the catalogue of 2018"),
        ({"year": 2019}, NotFound, "unknown item 'HTN' in the catalogue of 2019"),
        ({"date_from": date(2017, 12, 1)}, InvalidInput, "not inside the year 2018"),
        ({"date_to": date(2019, 1, 31)}, InvalidInput, "not inside the year 2018"),
        (
            {"date_from": date(2018, 6, 1), "date_to": date(2018, 5, 1)},
            InvalidInput,
            "reversed",
        ),
        (
            {"date_from": date(2018, 4, 1), "date_to": date(2018, 4, 30)},
            InvalidInput,
            "no records with purchasable units in HY01 HTN from 2018-04-01 to 2018-04-30",
        ),
    ],
)
def test_bad_draws_are_refused_and_change_nothing(
    session: Session, changes: dict[str, Any], error: type[DomainError], message: str
) -> None:
    load_example(session)
    before = audit_rows(session)
    with pytest.raises(error, match=message), db.unit_of_work():
        draw(session, **changes)
    assert audit_rows(session) == before


def test_overlapping_batch_is_refused_naming_the_other(session: Session) -> None:
    load_example(session)
    with db.unit_of_work():
        first = draw(session, date_to=date(2018, 3, 31))
    before = audit_rows(session)
    assert before == (1, 5, 2, 0)
    overlap = rf"overlap audit batch {first.batch.id} .*\(R5\)"
    with pytest.raises(BatchOverlap, match=overlap), db.unit_of_work():
        draw(session, date_from=date(2018, 3, 31))
    assert audit_rows(session) == before


def test_a_settled_year_draws_nothing(session: Session) -> None:
    load_example(session)
    year = session.get(Year, 2018)
    assert year is not None
    with db.unit_of_work():
        year.settled_at = datetime(2019, 1, 15, tzinfo=UTC)
    before = audit_rows(session)
    settled = r"year 2018 is settled \(2019-01-15\): audits of 2018 can no longer be drawn"
    with pytest.raises(YearSettled, match=settled), db.unit_of_work():
        draw(session)
    assert audit_rows(session) == before


def test_same_seed_same_sample_in_another_database_order(session: Session) -> None:
    """The sample depends on the seed and the source ids only, not on record ids."""
    setup_county(session)
    lines = records_csv().splitlines()
    import_text(session, "\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    assert draw(session).sample == ["R0063", "R0062"]


@pytest.mark.parametrize("scan", [True, False])
def test_a_stratum_read_in_ranges_of_record_ids_draws_as_r6_says(
    session: Session, monkeypatch: pytest.MonkeyPatch, scan: bool
) -> None:
    """A large stratum's source ids are read a range of record ids at a time (SQLite): any
    range size, read by scanning or through the index, gives R6's sample, N and U."""
    from haiyan_comp.audit import population
    from haiyan_comp.audit.rules import draw_sample

    rows = "".join(
        f"Z{n:03d},HY01,S1,{'OP' if n % 5 else 'HTN'},2018-0{1 + n % 9}-1{n % 10},r{n},"
        f"{1 + n % 3}\n"
        for n in range(90)
    )
    with db.unit_of_work():
        setup_county(session)
        import_text(session, HEADER + rows)
    monkeypatch.setattr(population, "SPAN_IDS", 7)
    monkeypatch.setattr(population, "_scan_table", lambda _session, _batch: scan)
    drawn = draw_batch(
        session, year=2018, institution_code="HY01", item_code="OP", size=10, seed="spans",
        flagged_only=False, drawn_by="test",
    )  # fmt: skip
    stratum = session.execute(
        select(ServiceRecord.source_id, ServiceRecord.purchasable)
        .where(ServiceRecord.source_id.like("Z%"), ServiceRecord.item_id == drawn.batch.item_id)
    ).all()  # fmt: skip
    assert len(stratum) == 72
    assert drawn.sample == draw_sample("spans", "HY01", [s for s, _ in stratum], 10)
    units = sum(u for _, u in stratum)
    assert (drawn.batch.population_count, drawn.batch.population_units) == (72, units)
