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
R2's key, the unique (institution_id, source_id) index, goes too unless the
file's first chunk says to keep it (`bulk_load`). Kept up row by row, it is
random inserts into a b-tree for a file in random source-id order, and at
5,000,000 rows of the capped-heavy file that b-tree no longer fits the
caches (keys alone: 21.7 s on either database); built once at the end it is
one sort. If the build finds a key twice, the import drops what repeats one
and classifies it, as a load with the key would have (records/services.py),
and builds it again. The key stays only when the first rows are stored
already (a file sent again: its duplicates are found chunk by chunk, as a
small import finds them). Even a file in source-id order, whose keys each
land at the end of their institution's range, is quicker with the key built
at the end: on PostgreSQL the server's COPY kept it up in 3.96–3.97 s of
backend CPU for the demo's 1,000,000 rows against 2.39 s without it, and was
the longer of the two threads, while the build took 0.60 s (whole imports,
steps timed in one process: 7.22–7.31 s kept, 6.22–6.55 s built at the end;
at 5,000,000 rows 37.2–38.5 s against 30.5–32.9 s). SQLite builds it quicker
than it keeps it up for either file (8.3–8.8 against 9.0–9.1 s; 10.2–10.3
against 11.0 s for the capped-heavy one). A killed or refused import rolls the
drops back with everything else.

On PostgreSQL, dropping an index locks the table until the import commits,
so pages reading records wait for a bulk load to finish; smaller imports
keep the index and lock nothing but the records lock. SQLite's readers keep
reading the last committed state meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Index, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex

from haiyan_comp.db import SQLITE_CACHE_KIB, Base, driver_connection
from haiyan_comp.records.models import RECORDS_KEY, ServiceRecord, UnitTotal
from haiyan_comp.records.rules import ValidRows
from haiyan_comp.records.writers import Load, bulk_insert, temp_table

INDEX = "ix_service_records_item_resident"
STAFF_INDEX = "ix_service_records_staff_day"
BYTES_PER_ROW = 100  # a generous CSV line: the estimate errs toward fewer rows
SMALLEST_BULK = 200_000  # rows: below this, dropping and rebuilding is not worth a lock
BUILD_MEMORY = "64MB"  # maintenance_work_mem for the builds (see _build_memory)
SORTING_CACHE_KIB = 16_384  # SQLite's page cache while a bulk load sorts (bulk_sorting)
SORTING_THREADS = 2  # at most, SQLite's helper threads for those sorts (bulk_sorting)


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
    _build_memory(session)
    for name in _DEFERRED:
        session.execute(CreateIndex(_index(name)))


def bulk_load(session: Session, rows: ValidRows) -> Load:
    """How a bulk load whose first valid chunk is `rows` goes: keeping R2's key up
    (BULK) when those rows meet stored keys, else building it at the end (KEYLESS);
    see above."""
    return Load.BULK if _stored_keys_meet(session, rows) else Load.KEYLESS


def _stored_keys_meet(session: Session, rows: ValidRows) -> bool:
    """Whether any of these rows' (institution, source id) is stored already."""
    if session.scalar(select(ServiceRecord.id).limit(1)) is None:
        return False
    keys_table(session)
    keys = zip(rows.column("institution_id"), rows.column("source_id"), strict=True)
    bulk_insert(session, "import_keys", ("institution_id", "source_id"), list(keys))
    met = session.execute(
        text(
            "SELECT 1 FROM import_keys k WHERE EXISTS (SELECT 1 FROM service_records r"
            " WHERE r.institution_id = k.institution_id AND r.source_id = k.source_id) LIMIT 1"
        )
    )
    return met.first() is not None


def keys_table(session: Session) -> None:
    """An empty temporary table import_keys of R2's keys (institution_id, source_id)."""
    temp_table(session, "import_keys", "institution_id INTEGER, source_id VARCHAR(64)")


def drop_key(session: Session) -> None:
    """Drop R2's key for a load that builds it at the end (`build_key`)."""
    session.execute(text(f"DROP INDEX {RECORDS_KEY}"))


def build_key(session: Session) -> bool:
    """Build R2's key; False, with nothing built and nothing else undone, when a key
    is held twice."""
    _build_memory(session)
    try:
        with session.begin_nested():
            session.execute(CreateIndex(_index(RECORDS_KEY)))
    except IntegrityError:
        return False
    return True


def _index(name: str) -> Index:
    table = Base.metadata.tables[ServiceRecord.__tablename__]
    return next(i for i in table.indexes if i.name == name)


def _build_memory(session: Session) -> None:
    """PostgreSQL: BUILD_MEMORY for each index build's sort.

    Less is quicker here than more: the three indexes of 5,000,000 capped-heavy
    records took 13.7 s with 64 MB, 14.6–15.2 s with 128 MB and 15.7–15.9 s with
    256 MB, alternated in the same minutes (at 1,000,000 rows all within the
    noise): the sort's runs fit the processor's caches, and the server's own
    file cache holds the runs it merges.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))


@contextmanager
def bulk_sorting(session: Session, bulk: bool) -> Iterator[None]:
    """SQLite, after a bulk load's rows are in: a small page cache and sorting threads.

    What follows the rows (the index builds, the cap's grouping and ordering)
    is sorting, and SQLite's sorter keeps up to the page cache's size of keys
    in memory per sorted run, on top of the cache itself, which by then only
    holds pages that are read once. So the cache is made SORTING_CACHE_KIB for
    that while, and given back its size afterwards. A 5,000,000-row
    capped-heavy load (records/services.py's steps timed in one process):
    peak memory 320 → 251 MB, index builds 9.5 → 7.7 s, the cap 5.2 → 4.4 s.

    The sorter may also sort its runs and merge them in a helper thread while
    the statement's own thread goes on (`PRAGMA threads`; one helper per core
    beyond the first, up to SORTING_THREADS). The composite index of those
    5,000,000 records was built in 5.7–6.6 s with one or more helpers against
    8.6–9.4 s without; of 1,000,000, 1.34–1.54 s against 1.63–1.75 s
    (alternated, in the same minutes), for about 32 MB more memory.
    PostgreSQL's sorts have their own settings (`_build_memory`).
    """
    if not bulk or session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = driver_connection(session)
    connection.execute(f"PRAGMA cache_size=-{SORTING_CACHE_KIB}")
    connection.execute(f"PRAGMA threads={sorting_threads()}")
    try:
        yield
    finally:
        # The raw connection, so that it is given back its settings even when
        # the session already refuses statements after a failure.
        connection.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        connection.execute("PRAGMA threads=0")


def sorting_threads() -> int:
    """SQLite's helper threads for a bulk load's sorts: one per core beyond the first."""
    return max(0, min(SORTING_THREADS, (os.cpu_count() or 1) - 1))
