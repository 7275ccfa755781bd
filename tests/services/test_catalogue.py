"""Loading and replacing a year's catalogue (R1), with records already stored."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.catalogue.services import CatalogueChange
from haiyan_comp.errors import Conflict, InvalidInput, YearSettled
from haiyan_comp.operations.catalogue import change_catalogue
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.totals import (
    counted_from_records,
    counted_staff,
    stored_staff,
    stored_totals,
)
from haiyan_comp.years.models import Year
from tests.services.helpers import HEADER, import_text, setup_county
from tests.worked_example import CATALOGUE_CSV


def load(session: Session, text: str, year: int = 2018) -> CatalogueChange:
    return change_catalogue(session, io.BytesIO(text.encode()), "catalogue.csv", year)


def units_of(session: Session) -> list[tuple[str, int, int]]:
    r = ServiceRecord
    return list(
        session.execute(select(r.source_id, r.units, r.purchasable).order_by(r.source_id)).all()
    )


def test_loading_the_same_catalogue_again_changes_nothing(session: Session) -> None:
    setup_county(session)
    change = load(session, CATALOGUE_CSV)
    assert (change.added, change.updated, change.removed) == ([], [], [])
    assert (change.unchanged, change.records_revalued) == (3, 0)


def test_a_bad_catalogue_loads_nothing_and_lists_every_problem(session: Session) -> None:
    bad = CATALOGUE_CSV.replace("HTN,", "OP,").replace(",2.50,", ",2.505,")
    with pytest.raises(InvalidInput) as error:
        load(session, bad)
    assert error.value.details["problems"] == [
        "line 3 (OP): code: duplicate code OP, first used by line 2",
        "line 4 (REC): value: value has more than 2 decimal places: 2.505 (R1)",
    ]
    assert session.scalars(select(ServiceItem)).all() == []


def test_a_removed_item_that_records_use_is_refused(session: Session) -> None:
    setup_county(session)
    import_text(session, HEADER + "A1,HY01,S1,REC,2018-01-02,p1,1\n")
    without_rec = "\n".join(
        line for line in CATALOGUE_CSV.splitlines() if not line.startswith("REC")
    )
    with pytest.raises(Conflict, match=r"records of 2018 use: REC \(1 records\)"):
        load(session, without_rec + "\n")
    assert session.scalar(select(ServiceItem.code).where(ServiceItem.code == "REC")) == "REC"


def test_an_unused_item_can_be_removed(session: Session) -> None:
    setup_county(session)
    without_rec = "\n".join(
        line for line in CATALOGUE_CSV.splitlines() if not line.startswith("REC")
    )
    assert load(session, without_rec + "\n").removed == ["REC"]


def test_a_new_value_or_cap_values_the_years_records_anew(session: Session) -> None:
    setup_county(session)
    import_text(
        session, HEADER + "A1,HY01,S1,HTN,2018-01-02,r1,1\nA2,HY01,S2,HTN,2018-02-02,r1,1\n"
    )
    assert units_of(session) == [("A1", 1000, 1000), ("A2", 1000, 0)]
    change = load(session, CATALOGUE_CSV.replace(",10.00,1,", ",12.00,2,"))
    assert change.updated == ["HTN"] and change.records_revalued == 2
    assert units_of(session) == [("A1", 1200, 1200), ("A2", 1200, 1200)]
    assert stored_totals(session, 2018) == counted_from_records(session, 2018)
    assert stored_staff(session, 2018) == counted_staff(session, 2018)


def test_a_settled_year_cannot_change(session: Session) -> None:
    setup_county(session)
    from datetime import UTC, datetime

    session.get(Year, 2018).settled_at = datetime(2019, 1, 15, tzinfo=UTC)  # type: ignore[union-attr]
    with pytest.raises(YearSettled, match=r"year 2018 is settled \(2019-01-15\)"):
        load(session, CATALOGUE_CSV)


def test_an_audited_items_value_cannot_change(session: Session) -> None:
    from haiyan_comp.audit.services import draw_batch

    setup_county(session)
    import_text(session, HEADER + "A1,HY01,S1,HTN,2018-01-02,r1,1\n")
    draw_batch(
        session, year=2018, institution_code="HY01", item_code="HTN", size=1, seed="s", drawn_by="t"
    )
    with pytest.raises(Conflict, match=r"items audited in 2018 cannot change: HTN \(1 batches\)"):
        load(session, CATALOGUE_CSV.replace(",10.00,1,", ",8.00,1,"))
    # texts may still be corrected
    assert load(
        session, CATALOGUE_CSV.replace("高血压患者年度管理", "高血压患者年度健康管理")
    ).updated == ["HTN"]
