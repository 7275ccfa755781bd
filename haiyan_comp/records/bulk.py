"""Bulk loads: build the composite index once, after the rows are in.

Maintaining `ix_service_records_item_resident` row by row is most of what a
database spends on an import. On PostgreSQL, at 1,000,000 rows, COPY into
the table with its primary and unique keys takes about 2.6 s, and with the
composite index too, about 6 s; building that index afterwards takes 1.2 s.
On SQLite the difference grows with the table: at 5,000,000 rows the
import takes about 40 s with the index built at the end and about 63 s
with it kept up row by row (its page cache no longer holds the index).

So when a file is at least as big as what the table already holds (the first
load of a year, say), the import drops the index inside its own transaction
and creates it again before the cap (R3) needs it. The staff index
(`ix_service_records_staff_day`, the records search's and the checks') goes
the same way: on PostgreSQL, kept up row by row it costs about 0.8 s of the
server's time in a 1,000,000-row COPY, built at the end 0.2 s; on SQLite,
once the rows go in by source id (writers.insert_order), the inserts of
1,000,000 rows take 2.7–3.3 s less without it and building it afterwards
1.0–2.2 s (whole commands, alternated in the same minutes on a slow machine:
the demo's file 22.3 / 27.0 → 20.8 / 25.3 s, the capped-heavy one unchanged
at 21.5–23.0 s). This is the databases' own advice for populating a table.
The unique key (institution_id, source_id) always stays: duplicates and
conflicts (R2) are found through it. A killed or refused import rolls the
drop back with everything else.

On PostgreSQL, dropping an index locks the table until the import commits,
so pages reading records wait for a bulk load to finish; smaller imports
keep the index and lock nothing but the records lock. SQLite's readers keep
reading the last committed state meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex

from haiyan_comp.db import SQLITE_CACHE_KIB, Base, driver_connection
from haiyan_comp.records.models import ServiceRecord, UnitTotal

INDEX = "ix_service_records_item_resident"
STAFF_INDEX = "ix_service_records_staff_day"
BYTES_PER_ROW = 100  # a generous CSV line: the estimate errs toward fewer rows
SMALLEST_BULK = 200_000  # rows: below this, dropping and rebuilding is not worth a lock
BUILD_MEMORY = "256MB"  # maintenance_work_mem for the rebuild: one sort in memory
SORTING_CACHE_KIB = 16_384  # SQLite's page cache while a bulk load sorts (sorting_cache)


def expected_rows(size_hint: int | None) -> int:
    """A cautious estimate of the rows in a file of `size_hint` bytes."""
    return (size_hint or 0) // BYTES_PER_ROW


def defers_index(session: Session, size_hint: int | None) -> bool:
    """Whether an import of this size should build the composite index at the end."""
    rows = expected_rows(size_hint)
    if rows < SMALLEST_BULK or not _owns_records(session):
        return False
    stored = session.scalar(select(func.coalesce(func.sum(UnitTotal.records), 0))) or 0
    return rows >= stored


def _owns_records(session: Session) -> bool:
    """Whether this connection may drop the index: PostgreSQL's application role may not.

    Only the tables' owner drops an index; the application's role only reads and
    writes rows (docs/PRODUCTION-ROLES.md), so it keeps the index up row by row.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    owns = session.scalar(
        text(
            "SELECT pg_has_role(relowner, 'MEMBER') FROM pg_class "
            "WHERE oid = CAST(:table AS regclass)"
        ),
        {"table": ServiceRecord.__tablename__},
    )
    return bool(owns)


_DEFERRED = (INDEX, STAFF_INDEX)


def drop_indexes(session: Session) -> None:
    """Drop the composite and the staff index for a bulk load (`build_indexes` after it)."""
    for name in _DEFERRED:
        session.execute(text(f"DROP INDEX {name}"))


def build_indexes(session: Session) -> None:
    """Build the indexes `drop_indexes` dropped, once the rows are in."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
    table = Base.metadata.tables[ServiceRecord.__tablename__]
    for name in _DEFERRED:
        session.execute(CreateIndex(next(i for i in table.indexes if i.name == name)))


@contextmanager
def sorting_cache(session: Session, bulk: bool) -> Iterator[None]:
    """SQLite, after a bulk load's rows are in: a small page cache while it sorts.

    What follows the rows (the index builds, the cap's grouping and ordering)
    is sorting, and SQLite's sorter keeps up to the page cache's size of keys
    in memory per sorted run, on top of the cache itself, which by then only
    holds pages that are read once. So the cache is made SORTING_CACHE_KIB for
    that while, and given back its size afterwards. A 5,000,000-row
    capped-heavy load (records/services.py's steps timed in one process):
    peak memory 320 → 251 MB, index builds 9.5 → 7.7 s, the cap 5.2 → 4.4 s.
    PostgreSQL's sorts have their own memory settings.
    """
    if not bulk or session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = driver_connection(session)
    connection.execute(f"PRAGMA cache_size=-{SORTING_CACHE_KIB}")
    try:
        yield
    finally:
        # The raw connection, so that its cache is given back even when the
        # session already refuses statements after a failure.
        connection.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
