"""Bulk loads build the composite index once, at the end; the result is the same."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from haiyan_comp.db import SQLITE_CACHE_KIB
from haiyan_comp.records import bulk
from haiyan_comp.records.caps import TouchedGroups
from haiyan_comp.records.models import RECORDS_KEY
from haiyan_comp.records.services import ImportRefused
from haiyan_comp.records.totals import (
    counted_from_records,
    counted_staff,
    stored_staff,
    stored_totals,
)
from tests.services.helpers import HEADER, import_text, setup_county

# Residents r0..r4 get HTN (cap 1) many times: R3 has work to do after the load.
ROWS = HEADER + "".join(
    f"B{n},HY01,S{1 + n % 2},{'HTN' if n % 3 else 'OP'},"
    f"2018-{1 + n % 12:02d}-{1 + n % 27:02d},r{n % 5},1\n"
    for n in range(300)
)


@pytest.fixture(autouse=True)
def county(session: Session) -> None:
    setup_county(session)


@pytest.fixture
def small_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any file of a few hundred rows counts as a bulk load."""
    monkeypatch.setattr(bulk, "SMALLEST_BULK", 100)
    monkeypatch.setattr(bulk, "BYTES_PER_ROW", 10)


def index_exists(session: Session, name: str = bulk.INDEX) -> bool:
    if session.get_bind().dialect.name == "postgresql":
        query = "SELECT count(*) FROM pg_indexes WHERE indexname = :name"
    else:
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = :name"
    return bool(session.execute(text(query), {"name": name}).scalar_one())


def purchasable(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(
        text("SELECT source_id, purchasable FROM service_records ORDER BY source_id")
    )
    return [(source, int(units)) for source, units in rows]


def test_only_a_file_as_big_as_the_table_defers_the_index(
    session: Session, small_bulk: None
) -> None:
    assert bulk.defers_index(session, len(ROWS))
    assert not bulk.defers_index(session, None)  # size unknown: no lock taken
    import_text(session, ROWS)
    assert not bulk.defers_index(session, 300 * bulk.BYTES_PER_ROW - 1)  # smaller than the table


def test_a_bulk_load_ends_with_the_index_and_the_same_records(
    session: Session, small_bulk: None
) -> None:
    import_text(session, ROWS, size_hint=len(ROWS), chunk_rows=50)
    assert index_exists(session)
    bulk_result = purchasable(session)
    assert stored_totals(session, 2018) == counted_from_records(session, 2018)
    assert stored_staff(session, 2018) == counted_staff(session, 2018)
    session.execute(text("DELETE FROM service_records"))
    session.execute(text("DELETE FROM unit_totals"))
    session.execute(text("DELETE FROM staff_totals"))
    import_text(session, ROWS, chunk_rows=50)  # no size: index kept, row by row
    assert purchasable(session) == bulk_result
    assert sum(units for _, units in bulk_result) == (100 + 5 * 10) * 100  # 100 OP, 5 capped HTN


def test_a_refused_bulk_load_gives_the_indexes_back(session: Session, small_bulk: None) -> None:
    """The composite index and R2's key, both dropped by a bulk load into an empty
    table, are there again when the load is refused, and the key still holds."""
    with pytest.raises(ImportRefused), session.begin_nested():
        import_text(
            session, ROWS + "BAD,HY01,S1,OP,2018-02-30,,1\n", size_hint=len(ROWS), strict=True
        )
    assert index_exists(session) and index_exists(session, RECORDS_KEY)
    assert purchasable(session) == []
    import_text(session, ROWS)
    assert import_text(session, ROWS).duplicates == 300


def test_a_bulk_load_sorts_with_a_small_sqlite_cache_and_helpers_and_gives_them_back(
    session: Session, small_bulk: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index builds and the cap run with a small page cache (SQLite's sorter keeps
    as much in memory as the cache holds, on top of it) and the sorter's helper
    threads; afterwards, also after a refused load, the connection has its own
    settings again."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's page cache")
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    settings = "PRAGMA cache_size", "PRAGMA threads"
    seen: list[tuple[int, ...]] = []
    recompute = TouchedGroups.recompute

    def current() -> tuple[int, ...]:
        return tuple(session.execute(text(pragma)).scalar_one() for pragma in settings)

    def looking(groups: TouchedGroups, years: set[int]) -> int:
        seen.append(current())
        return recompute(groups, years)

    monkeypatch.setattr(TouchedGroups, "recompute", looking)
    own = (-SQLITE_CACHE_KIB, 0)
    import_text(session, ROWS, size_hint=len(ROWS), chunk_rows=50)
    assert seen == [(-bulk.SORTING_CACHE_KIB, bulk.SORTING_THREADS)]
    assert current() == own
    with pytest.raises(ImportRefused), session.begin_nested():
        import_text(
            session,
            ROWS.replace("B", "D") + "BAD,HY01,S1,OP,2018-02-30,,1\n",
            size_hint=10**6,
            strict=True,
        )
    assert current() == own
    import_text(session, ROWS.replace("B", "C"), chunk_rows=50)  # not a bulk load: kept
    assert seen[-1] == own


def test_one_core_gets_no_sorting_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    """A helper thread only pays where it has a core of its own."""
    for cores, helpers in ((1, 0), (None, 0), (2, 1), (8, bulk.SORTING_THREADS)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert bulk.sorting_threads() == helpers


def test_the_caps_updates_stay_on_their_pages_on_postgresql(session: Session) -> None:
    """R3 updates the records it caps right after they are written; with room left on
    each page (migration 0022) PostgreSQL keeps the new versions there and touches no
    index (HOT updates), instead of adding an entry to each of the four."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's pages")
    # Resident r0's HTN (cap 1) every 25th row among 1,000: one capped update in 25 rows.
    rows = HEADER + "".join(
        f"H{n},HY01,S1,{'HTN' if n % 25 == 0 else 'OP'},2018-03-{1 + n % 27:02d},"
        f"{'r0' if n % 25 == 0 else ''},1\n"
        for n in range(1000)
    )
    counts = text(
        "SELECT pg_stat_get_xact_tuples_updated(CAST('service_records' AS regclass)),"
        " pg_stat_get_xact_tuples_hot_updated(CAST('service_records' AS regclass))"
    )
    before = session.execute(counts).one()  # this transaction's, since it began
    import_text(session, rows)
    updated, hot = (
        after - then for after, then in zip(session.execute(counts).one(), before, strict=True)
    )
    assert updated == 39  # 40 HTN records of one resident, the first one purchasable
    assert hot == updated
