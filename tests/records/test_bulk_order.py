"""A bulk load writes each chunk in source-id order; what it stores and reports is unchanged."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from haiyan_comp.db import driver_connection
from haiyan_comp.records import bulk, services, writers
from haiyan_comp.records.services import ImportRefused
from haiyan_comp.records.totals import (
    counted_from_records,
    counted_staff,
    stored_staff,
    stored_totals,
)
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


def test_rows_per_insert_change_nothing_stored_or_reported(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite binds many rows per INSERT; the first of two lines with one key still
    wins, whether they meet in one statement or in two, in a bulk load or not."""
    setup_county(session)
    monkeypatch.setattr(bulk, "SMALLEST_BULK", 100)
    monkeypatch.setattr(bulk, "BYTES_PER_ROW", 10)
    results = set()
    for rows_per_statement in (1, 2, 7, 500):
        monkeypatch.setattr(writers, "ROWS_PER_STATEMENT", rows_per_statement)
        for size_hint in (len(ROWS), None):
            with session.begin_nested() as nested:
                report = import_text(session, ROWS, size_hint=size_hint, chunk_rows=60)
                rejected = tuple((r.line, r.source_id, *r.reasons) for r in report.rejected)
                stored_rows = tuple(stored(session))
                results.add((report.imported, report.duplicates, rejected, stored_rows))
                nested.rollback()
    assert len(results) == 1
    imported, duplicates, rejected, rows = results.pop()
    assert imported == len(rows) and duplicates == 1
    z7 = [row for row in rows if row[0] == "Z7"]
    assert [(row[3], row[-1]) for row in z7] == [("1", "202")]  # quantity 1, its first line
    assert [line for line, source, *_ in rejected if source == "Z7"] == [204]


def test_a_sqlite_that_binds_fewer_values_per_statement_imports_the_same(
    session: Session,
) -> None:
    """SQLite before 3.32 binds at most 999 values per statement: an INSERT of 100 rows
    binds 1,100. The writer asks the library and binds fewer rows per statement."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the bound values' limit is SQLite's")
    setup_county(session)
    connection = driver_connection(session)
    limit = connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    results = []
    try:
        for most in (limit, 999, 50):
            connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, most)
            with session.begin_nested() as nested:
                report = import_text(session, ROWS, chunk_rows=500)
                rejected = [(r.line, r.source_id) for r in report.rejected]
                results.append((report.imported, report.duplicates, rejected, stored(session)))
                nested.rollback()
    finally:
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    assert results[0] == results[1] == results[2]
    assert results[0][0] == len(results[0][3]) > 200


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


# Forty records stored before the file (residents r0..r3 get HTN, cap 1, often).
STORED = HEADER + "".join(
    f"P{n},HY01,S1,{'HTN' if n % 2 else 'OP'},2018-02-{1 + n % 27:02d},r{n % 4},1\n"
    for n in range(40)
)
# A file whose first 50 rows are new, in falling source-id order; after them:
# stored records sent again (duplicates), stored source ids with another
# quantity, item or month (conflicts), and the file's own repeats.
AGAIN = (
    HEADER
    + "".join(
        f"N{n},HY01,S{1 + n % 2},{'HTN' if n % 3 else 'OP'},2018-03-{1 + n % 27:02d},r{n % 6},1\n"
        for n in reversed(range(50))
    )
    + "".join(STORED.splitlines(keepends=True)[1:11])
    + "P11,HY01,S1,HTN,2018-02-12,r3,2\n"
    + "P12,HY01,S1,HTN,2018-05-13,r0,1\n"
    + "P13,HY01,S2,OP,2018-02-14,r1,1\n"
    + "N7,HY01,S2,HTN,2018-03-08,r1,2\n"
    + "N8,HY01,S1,OP,2018-03-09,r2,1\n"
    + "N60,HY01,S1,OP,2018-04-01,,1\n" * 2
)


def outcome(session: Session) -> tuple[object, ...]:
    return (
        stored(session),
        stored_totals(session, 2018) == counted_from_records(session, 2018),
        stored_staff(session, 2018) == counted_staff(session, 2018),
        stored_totals(session, 2018),
    )


def test_a_load_without_the_key_finds_what_repeats_stored_records(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk load whose first rows are new goes without R2's key and builds it at
    the end; records sent again further down, conflicting ones, and the file's own
    repeats come out exactly as a load that kept the key row by row reports them."""
    setup_county(session)
    import_text(session, STORED)
    monkeypatch.setattr(bulk, "SMALLEST_BULK", 10)
    monkeypatch.setattr(bulk, "BYTES_PER_ROW", 10)
    drops = spy(monkeypatch, "drop_key")
    results = []
    for size_hint in (len(AGAIN), None):
        with session.begin_nested() as nested:
            report = import_text(session, AGAIN, size_hint=size_hint, chunk_rows=50)
            rejected = [(r.line, r.source_id, r.reasons) for r in report.rejected]
            results.append((report.imported, report.duplicates, rejected, outcome(session)))
            nested.rollback()
    assert drops == [True]  # the bulk load went without the key, the other kept it
    assert results[0] == results[1]
    imported, duplicates, rejected, (_, totals_agree, staff_agree, _) = results[0]
    assert (imported, duplicates) == (51, 11)  # 50 new and N60; 10 sent again and N60's repeat
    assert [line for line, _, _ in rejected] == [62, 63, 64, 65, 66]
    assert totals_agree and staff_agree


def test_a_file_sent_again_keeps_the_key(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk load whose first rows are stored already finds its duplicates chunk by
    chunk through the key, instead of inserting them all and dropping them after."""
    setup_county(session)
    monkeypatch.setattr(bulk, "SMALLEST_BULK", 10)
    monkeypatch.setattr(bulk, "BYTES_PER_ROW", 10)
    drops = spy(monkeypatch, "drop_key")
    first = import_text(session, ROWS, size_hint=len(ROWS), chunk_rows=50)
    again = import_text(session, ROWS, size_hint=len(ROWS), chunk_rows=50)
    assert drops == [True]
    assert (again.imported, again.duplicates) == (0, first.imported + first.duplicates)
    assert [r.line for r in again.rejected] == [r.line for r in first.rejected]  # Z7's conflict


def test_a_file_in_source_id_order_builds_the_key_at_the_end(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk load whose rows come in source-id order (each key would land at the end
    of its institution's range) still goes without R2's key and builds it at the end,
    on both databases, and the file's repeat is found all the same."""
    setup_county(session)
    monkeypatch.setattr(bulk, "SMALLEST_BULK", 10)
    monkeypatch.setattr(bulk, "BYTES_PER_ROW", 10)
    drops = spy(monkeypatch, "drop_key")
    rows = HEADER + "".join(
        f"O{n:04d},HY0{1 + n % 2},S{1 + n % 2 * 2},OP,2018-03-{1 + n % 27:02d},,1\n"
        for n in range(120)
    )
    report = import_text(session, rows + "O0003,HY02,S3,OP,2018-03-04,,1\n", size_hint=10**4)
    assert (report.imported, report.duplicates) == (120, 1)
    assert drops == [True]


def spy(monkeypatch: pytest.MonkeyPatch, name: str) -> list[bool]:
    """Record each call of services' `name` (and still make it)."""
    calls: list[bool] = []
    real = getattr(services, name)

    def recording(*args: object) -> object:
        calls.append(True)
        return real(*args)

    monkeypatch.setattr(services, name, recording)
    return calls


def test_a_strict_load_without_the_key_refuses_a_repeat_found_at_the_end(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conflict found only when the key is built still refuses a --strict load,
    names its line, and leaves nothing of the file behind."""
    setup_county(session)
    import_text(session, STORED)
    before = stored(session)
    monkeypatch.setattr(bulk, "SMALLEST_BULK", 10)
    monkeypatch.setattr(bulk, "BYTES_PER_ROW", 10)
    drops = spy(monkeypatch, "drop_key")
    with pytest.raises(ImportRefused) as refused, session.begin_nested():
        import_text(session, AGAIN, size_hint=len(AGAIN), chunk_rows=50, strict=True)
    assert drops == [True]
    assert [r.line for r in refused.value.report.rejected] == [62, 63, 64, 65, 66]
    assert stored(session) == before
