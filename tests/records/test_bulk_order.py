"""A bulk load writes each chunk in source-id order; what it stores and reports is unchanged."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from haiyan_comp.records import bulk
from tests.services.helpers import HEADER, import_text, setup_county

# Source ids out of order, and repeated within a chunk: Z7 first with S1 (kept),
# then the same again (a duplicate), then with another quantity (a conflict).
ROWS = (
    HEADER
    + "".join(
        f"{'ZYX'[n % 3]}{(n * 37) % 200},HY01,S{1 + n % 2},{'HTN' if n % 3 else 'OP'},"
        f"2018-{1 + n % 12:02d}-{1 + n % 27:02d},r{n % 7},1\n"
        for n in range(200)
    )
    + "Z7,HY01,S1,OP,2018-03-03,r1,1\n" * 2
    + "Z7,HY01,S1,OP,2018-03-03,r1,2\n"
)


def stored(session: Session) -> list[tuple[object, ...]]:
    rows = session.execute(
        text(
            "SELECT source_id, staff_id, service_date, quantity, purchasable, line"
            " FROM service_records ORDER BY source_id"
        )
    )
    return [tuple(str(value) for value in row) for row in rows]


def test_bulk_and_row_by_row_loads_agree(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    setup_county(session)
    monkeypatch.setattr(bulk, "SMALLEST_BULK", 100)
    monkeypatch.setattr(bulk, "BYTES_PER_ROW", 10)
    results = []
    for size_hint in (len(ROWS), None):  # bulk first, then row by row into an empty table
        with session.begin_nested() as nested:
            report = import_text(session, ROWS, size_hint=size_hint, chunk_rows=500)
            rejected = [(r.line, r.source_id) for r in report.rejected]
            results.append((report.imported, report.duplicates, rejected, stored(session)))
            nested.rollback()
    assert results[0] == results[1]
    imported, duplicates, rejected, rows = results[0]
    assert duplicates >= 1 and rejected  # the file's own repeats were classified
    assert imported == len(rows)


def test_a_bulk_load_leaves_every_index_of_the_records(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indexes a bulk load drops (the composite and the staff index) are there after it."""
    setup_county(session)
    monkeypatch.setattr(bulk, "SMALLEST_BULK", 100)
    monkeypatch.setattr(bulk, "BYTES_PER_ROW", 10)
    report = import_text(session, ROWS, size_hint=len(ROWS), chunk_rows=500)
    assert report.imported > 100
    indexes = inspect(session.connection()).get_indexes("service_records")
    assert {bulk.INDEX, bulk.STAFF_INDEX} <= {index["name"] for index in indexes}
    by_staff = session.scalar(text("SELECT COUNT(*) FROM service_records WHERE staff_id > 0"))
    assert by_staff == report.imported
