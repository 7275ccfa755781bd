"""R3 holds whichever way an import finds the capped groups it must check.

A small import names its groups (a temporary table joined to the records); a
large one, for the records already stored, checks every capped group of its years
instead (caps.TouchedGroups), and on PostgreSQL, where those years hold many capped
records, orders all of them in one pass. An import may start naming and stop half-way.
"""

from __future__ import annotations

import io
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.operations.catalogue import change_catalogue as load_catalogue
from haiyan_comp.records import caps
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.totals import (
    counted_from_records,
    counted_staff,
    stored_staff,
    stored_totals,
)
from tests.services.helpers import HEADER, import_text, setup_county
from tests.services.test_caps import assert_caps_hold
from tests.worked_example import CATALOGUE_CSV

record = st.tuples(
    st.sampled_from(["HTN", "REC", "OP"]),
    st.sampled_from(["r1", "r2", "R1"]),
    st.integers(min_value=1, max_value=3),  # month
    st.integers(min_value=1, max_value=3),  # quantity
)


@pytest.mark.parametrize(
    ("named_cost", "one_pass_from"),
    [(1, 10**9), (10**9, 10**9), (10**9, 0)],
    ids=["names-when-small", "always-checks-all", "checks-all-in-one-pass"],
)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(record, min_size=1, max_size=30),
    splits=st.lists(st.integers(0, 30), min_size=1, max_size=3),
)
def test_cap_holds_on_either_path(
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    named_cost: int,
    one_pass_from: int,
    records: list[tuple[str, str, int, int]],
    splits: list[int],
) -> None:
    monkeypatch.setattr(caps, "NAMED_COST", named_cost)
    monkeypatch.setattr(caps, "ONE_PASS_FROM", one_pass_from)  # PostgreSQL's way for big years
    nested = session.begin_nested()
    try:
        setup_county(session)
        session.execute(select(ServiceItem).where(ServiceItem.code == "REC")).scalar_one().cap = 2
        lines = [
            f"n{n:02d},HY01,S{1 + n % 2},{item},2018-{month:02d}-0{1 + n % 3},{resident},{qty}"
            for n, (item, resident, month, qty) in enumerate(records)
        ]
        cuts = sorted({0, len(lines), *[min(s, len(lines)) for s in splits]})
        for start, end in pairwise(cuts):
            if end > start:
                import_text(session, HEADER + "\n".join(lines[start:end]) + "\n", chunk_rows=2)
        assert_caps_hold(session)
        assert stored_totals(session, 2018) == counted_from_records(session, 2018)
        assert stored_staff(session, 2018) == counted_staff(session, 2018)
    finally:
        nested.rollback()


def test_a_small_import_after_a_large_one_names_its_groups(session: Session) -> None:
    """The second, smaller file goes the naming way, and its over-cap record is cut."""
    setup_county(session)
    big = "".join(f"b{n:03d},HY01,S1,OP,2018-01-02,,1\n" for n in range(40))
    import_text(session, HEADER + big + "c1,HY01,S1,HTN,2018-03-01,r9,1\n")
    # HTN's cap is 1 a year: the earlier record keeps its unit, the new one gets none.
    report = import_text(session, HEADER + "c2,HY01,S1,HTN,2018-02-01,r9,1\n")
    assert report.imported == 1
    assert_caps_hold(session)
    assert stored_totals(session, 2018) == counted_from_records(session, 2018)


@pytest.mark.parametrize("one_pass_from", [10**9, 0], ids=["by-groups", "in-one-pass"])
def test_checking_every_group_reads_only_the_years_imported(
    session: Session, monkeypatch: pytest.MonkeyPatch, one_pass_from: int
) -> None:
    """A load that checks every capped group checks those of its own years: another
    year's records (a settled one, say) are never rewritten by it. 2018 holds a record
    the cap would cut, put there by hand; a 2019 load leaves it as it is and caps its
    own records."""
    monkeypatch.setattr(caps, "NAMED_COST", 10**9)  # always every group, never names
    monkeypatch.setattr(caps, "ONE_PASS_FROM", one_pass_from)
    setup_county(session)
    load_catalogue(session, io.BytesIO(CATALOGUE_CSV.encode()), "catalogue.csv", 2019)
    first = "a1,HY01,S1,HTN,2018-03-01,r9,1\na2,HY01,S1,HTN,2018-04-01,r9,1\n"
    import_text(session, HEADER + first)
    r = ServiceRecord
    session.execute(update(r).where(r.source_id == "a2").values(purchasable=r.units))
    import_text(
        session, HEADER + "b1,HY01,S1,HTN,2019-01-02,r9,1\nb2,HY01,S1,HTN,2019-01-03,r9,1\n"
    )
    purchasable = {
        source: units for source, units in session.execute(select(r.source_id, r.purchasable))
    }
    assert purchasable == {"a1": 1000, "a2": 1000, "b1": 1000, "b2": 0}
    # The same check for 2018 alone (what a catalogue change of 2018 runs) cuts it.
    assert caps.recompute_caps_for_year(session, 2018) == 1
    assert session.scalar(select(r.purchasable).where(r.source_id == "a2")) == 0
