"""R18 set-based for the whole year equals R18 per institution, exactly, on random data.

The reference is the per-institution query the bonus used before (one LEFT
JOIN from an institution's records to the population and its closed batch),
kept here verbatim. Seeded random counties: institutions, staff (some without
records), records of two years with purchasable units (some 0), and batches of
both years, open or closed, with any number of failed verdicts, whose
populations are disjoint random subsets of their institution's records.
The rows are written as they are, so the running totals the bonus reads are
then recounted from them (the recount is what an upgrade's backfill does).
"""

from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from haiyan_comp.audit import population
from haiyan_comp.audit.models import AuditBatch, PopulationRecord
from haiyan_comp.bonus import rules
from haiyan_comp.bonus.queries import integer_weights, staff_weights, year_staff_weights
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.operations.catalogue import change_catalogue as load_catalogue
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.totals import recount_totals
from tests.services.helpers import setup_county
from tests.worked_example import CATALOGUE_CSV

YEARS = (2017, 2018)
T0 = datetime(2019, 1, 5, tzinfo=UTC)


def reference_weights(session: Session, year: int, institution: Institution) -> dict[str, Fraction]:
    """The bonus's R18 before issue 13: one query per institution (the old staff_weights)."""
    rows = session.execute(
        text(
            "SELECT s.code, b.size, b.failed, SUM(r.purchasable)"
            " FROM service_records r"
            " JOIN staff s ON s.id = r.staff_id"
            " LEFT JOIN audit_population p ON p.record_id = r.id"
            " LEFT JOIN audit_batches b ON b.id = p.batch_id AND b.closed_at IS NOT NULL"
            " WHERE r.institution_id = :inst AND r.year = :year"
            " GROUP BY s.code, b.size, b.failed"
        ),
        {"inst": institution.id, "year": year},
    )
    weights: defaultdict[str, Fraction] = defaultdict(Fraction)
    for code, size, failed, purchasable in rows:
        if size is None:
            weights[code] += int(purchasable)
        else:
            weights[code] += rules.staff_weight(int(purchasable), int(failed), int(size))
    for code in session.scalars(select(Staff.code).where(Staff.institution_id == institution.id)):
        weights.setdefault(code, Fraction(0))
    return dict(sorted(weights.items()))


def random_county(session: Session, rnd: random.Random) -> list[Institution]:
    """Institutions, staff, records and audit batches drawn from `rnd`, written as they are."""
    setup_county(session, 2018)
    load_catalogue(session, io.BytesIO(CATALOGUE_CSV.encode()), "catalogue.csv", 2017)
    items = {(i.year, i.code): i.id for i in session.scalars(select(ServiceItem))}
    for n in range(rnd.randrange(4)):
        session.add(Institution(code=f"HX{n}", name=f"机构{n}"))
    session.flush()
    institutions = list(session.scalars(select(Institution).order_by(Institution.code)))
    for inst in institutions:
        for n in range(rnd.randrange(5)):
            session.add(Staff(code=f"{inst.code}-S{n}", institution_id=inst.id, name="医生"))
    session.flush()
    staff = defaultdict(list)
    for member in session.scalars(select(Staff).order_by(Staff.id)):
        staff[member.institution_id].append(member.id)
    for inst in institutions:
        _records(session, rnd, inst.id, staff[inst.id], items)
        for year in YEARS:
            _batches(session, rnd, inst.id, year, items)
    session.flush()
    recount(session)
    return institutions


def recount(session: Session) -> None:
    """Put the running totals in step with rows written straight to the tables."""
    for year in YEARS:
        recount_totals(session, year)
        population.recount_staff(session, year)


def _records(
    session: Session,
    rnd: random.Random,
    inst: int,
    staff: list[int],
    items: dict[tuple[int, str], int],
) -> None:
    if not staff or rnd.random() < 0.15:
        return  # an institution without records
    rows = []
    for n in range(rnd.randrange(1, 120)):
        year, code = rnd.choice(YEARS), rnd.choice(("OP", "HTN", "REC"))
        units = rnd.choice((0, 100, 250, 1000, rnd.randrange(1, 100_000)))
        rows.append({
            "institution_id": inst, "source_id": f"R{n:05d}", "staff_id": rnd.choice(staff),
            "item_id": items[(year, code)], "year": year,
            "service_date": date(year, 1, 1) + timedelta(rnd.randrange(365)),
            "resident_id": None, "quantity": 1, "units": units,
            "purchasable": rnd.choice((units, units, 0)), "capped": False, "import_id": 1,
            "line": n + 2,
        })  # fmt: skip
    session.execute(insert(ServiceRecord), rows)


def _batches(
    session: Session, rnd: random.Random, inst: int, year: int, items: dict[tuple[int, str], int]
) -> None:
    ids = list(
        session.scalars(
            select(ServiceRecord.id).where(
                ServiceRecord.institution_id == inst, ServiceRecord.year == year
            )
        )
    )
    rnd.shuffle(ids)
    for _ in range(rnd.randrange(4)):
        cut = rnd.randrange(len(ids) + 1)
        population, ids = ids[:cut], ids[cut:]
        if not population:
            continue
        size = rnd.randrange(1, 8)
        closed = rnd.random() < 0.75
        failed = rnd.randrange(size + 1) if closed else None
        batch = AuditBatch(
            year=year, institution_id=inst, item_id=items[(year, "OP")],
            date_from=date(year, 1, 1), date_to=date(year, 12, 31), stratum="all", seed="s",
            size=size, population_count=len(population), population_units=0, drawn_at=T0,
            drawn_by="test", closed_at=T0 if closed else None, closed_by="test" if closed else None,
            failed=failed, deduction=0 if closed else None,
        )  # fmt: skip
        session.add(batch)
        session.flush()
        session.execute(
            insert(PopulationRecord),
            [{"batch_id": batch.id, "record_id": r, "purchasable": 0} for r in population],
        )


@pytest.mark.parametrize("seed", range(25))
def test_the_year_at_once_equals_each_institution_alone(session: Session, seed: int) -> None:
    rnd = random.Random(seed)
    institutions = random_county(session, rnd)
    for year in YEARS:
        at_once = year_staff_weights(session, year)
        for inst in institutions:
            expected = reference_weights(session, year, inst)
            assert at_once.get(inst.id, {}) == expected, (seed, year, inst.code)
            assert staff_weights(session, year, inst) == expected
            pool = rnd.randrange(10_000_000)
            if any(expected.values()):
                assert rules.split_by_staff(pool, integer_weights(at_once[inst.id])) == (
                    rules.split_by_staff(pool, integer_weights(expected))
                )


def test_a_failed_batch_takes_its_share_off_only_its_own_records(session: Session) -> None:
    """S1 of HY01: 3 records of 10.00 frozen in a closed batch, 1 of 2 failed; 1 not frozen."""
    setup_county(session, 2018)
    items = {i.code: i.id for i in session.scalars(select(ServiceItem))}
    hy01 = session.scalar(select(Institution).where(Institution.code == "HY01"))
    s1 = session.scalar(select(Staff.id).where(Staff.code == "S1"))
    assert hy01 is not None and s1 is not None
    session.execute(
        insert(ServiceRecord),
        [
            {"institution_id": hy01.id, "source_id": f"R{n}", "staff_id": s1,
             "item_id": items["HTN"], "year": 2018, "service_date": date(2018, 3, 1),
             "resident_id": None, "quantity": 1, "units": 1000, "purchasable": 1000,
             "capped": False, "import_id": 1, "line": n}
            for n in range(4)
        ],
    )  # fmt: skip
    ids = list(session.scalars(select(ServiceRecord.id).order_by(ServiceRecord.id)))
    batch = AuditBatch(
        year=2018, institution_id=hy01.id, item_id=items["HTN"], date_from=date(2018, 1, 1),
        date_to=date(2018, 12, 31), stratum="all", seed="s", size=2, population_count=3,
        population_units=3000, drawn_at=T0, drawn_by="t", closed_at=T0, closed_by="t",
        failed=1, deduction=1500,
    )  # fmt: skip
    session.add(batch)
    session.flush()
    session.execute(
        insert(PopulationRecord),
        [{"batch_id": batch.id, "record_id": r, "purchasable": 1000} for r in ids[:3]],
    )
    recount(session)
    assert staff_weights(session, 2018, hy01) == {"S1": Fraction(2500), "S2": Fraction(0)}
    assert year_staff_weights(session, 2018)[hy01.id]["S1"] == 1000 + 3 * 1000 * Fraction(1, 2)
