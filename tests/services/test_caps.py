"""R3 in SQL equals R3 in Python, whatever the order records arrive in."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.rules import split_by_cap
from haiyan_comp.records.totals import (
    counted_from_records,
    counted_staff,
    stored_staff,
    stored_totals,
)
from tests.services.helpers import HEADER, import_text, setup_county

record = st.tuples(
    st.sampled_from(["HTN", "REC", "OP"]),
    st.sampled_from(["r1", "r2", "R1", "r-1"]),
    st.integers(min_value=1, max_value=3),  # month
    st.integers(min_value=1, max_value=3),  # quantity
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(record, min_size=1, max_size=25),
    splits=st.lists(st.integers(0, 25), max_size=3),
)
def test_sql_cap_matches_the_rule(
    session: Session, records: list[tuple[str, str, int, int]], splits: list[int]
) -> None:
    nested = session.begin_nested()
    try:
        setup_county(session)
        session.execute(select(ServiceItem).where(ServiceItem.code == "REC")).scalar_one().cap = 2
        lines = [
            f"{'aB_'[n % 3]}{n:02d},HY01,S{1 + n % 2},{item},2018-{month:02d}-01,{resident},{qty}"
            for n, (item, resident, month, qty) in enumerate(records)
        ]
        # Import in several files, in the order hypothesis chose.
        cuts = sorted({0, len(lines), *[min(s, len(lines)) for s in splits]})
        for start, end in pairwise(cuts):
            if end > start:
                import_text(session, HEADER + "\n".join(lines[start:end]) + "\n", chunk_rows=3)
        assert_caps_hold(session)
        assert stored_totals(session, 2018) == counted_from_records(session, 2018)
        assert stored_staff(session, 2018) == counted_staff(session, 2018)
    finally:
        nested.rollback()


def assert_caps_hold(session: Session) -> None:
    r, i = ServiceRecord, ServiceItem
    rows = session.execute(
        select(
            r.source_id,
            r.resident_id,
            r.service_date,
            r.quantity,
            r.units,
            r.purchasable,
            i.code,
            i.cap,
            i.value,
        ).join(i, i.id == r.item_id)
    ).all()
    groups: dict[tuple[str, str], list[tuple[object, ...]]] = defaultdict(list)
    for row in rows:
        if row.cap is None:
            assert row.purchasable == row.units
        else:
            groups[(row.code, row.resident_id)].append(row)
    for members in groups.values():
        members.sort(key=lambda m: (m.service_date, m.source_id))  # type: ignore[attr-defined]
        expected = split_by_cap([m.quantity for m in members], members[0].cap)  # type: ignore[attr-defined]
        assert [m.purchasable for m in members] == [
            q * m.value for q, m in zip(expected, members, strict=True)
        ]  # type: ignore[attr-defined]
