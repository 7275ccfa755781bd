"""The whole of a records search as one streamed read, for an export (a workbook of every
record a search finds): the search's own SELECT, filters, plan and order (search.py), read
as the driver gives the rows instead of a page of RecordRows at a time."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.queries.plan import choose_plan
from haiyan_comp.records.queries.rows import RecordSearch
from haiyan_comp.records.queries.search import (
    _item_ids,
    _prefix_only,
    _query,
    _row_select,
    _set,
    _settings,
    _staff_id,
)

STREAM_BATCH = 2_000  # the rows of one fetch while a search streams (memory holds a batch)


def stream_records(session: Session, search: RecordSearch) -> Iterator[Sequence[Any]] | None:
    """Every record of `search` as one statement read while it streams (a server-side
    cursor on PostgreSQL), for an export: the pages' own rows (`_rows`' SELECT, RecordRow's
    fields in order), filters and plan (as chosen for an export's page), in the pages' order,
    as the driver gives them (on SQLite a date is its ISO text and a flag 0 or 1). None
    when the search pages by offset (sorted, or a source-id prefix in its own order): that
    one is read a page at a time (search_records)."""
    if search.sorted or _prefix_only(search):
        return None
    return _stream(session, search)


def _stream(session: Session, search: RecordSearch) -> Iterator[Sequence[Any]]:
    # The plan is chosen as for a page of an export (workbooks.records.EXPORT_PAGE).
    whole = replace(search, after=None, before=None, offset=0, count=False, limit=20_000)
    item_ids = _item_ids(session, whole)
    staff_id = _staff_id(session, whole)
    if (whole.item and not item_ids) or (whole.staff and staff_id is None):
        return
    plan = choose_plan(session, whole, item_ids, staff_id)
    if plan == "none":
        return
    where, ordered = _query(session, whole, plan, item_ids, staff_id)
    key = ServiceRecord.id if ordered else ServiceRecord.id + 0
    query = _row_select().where(*where).order_by(key.desc() if whole.newest_first else key)
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":  # SQLite reads its rows as they are fetched
        result = session.connection().execute(query)
        try:
            yield from _batches(result.cursor)  # the driver's rows: no per-row wrapping
        finally:
            result.close()
        return
    settings = _settings(plan)
    before = session.execute(select(*(func.current_setting(n) for n in settings))).one()
    _set(session, settings)
    # A server-side cursor of the driver's (psycopg), so memory holds one batch.
    statement = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    driver = session.connection().connection.driver_connection
    assert driver is not None
    cursor = driver.cursor(name=f"haiyan_records_{id(statement):x}")
    try:
        cursor.execute(str(statement), statement.params)
        yield from _prefetched(cursor)
    finally:
        cursor.close()
        _set(session, dict(zip(settings, before, strict=True)))


def _batches(cursor: Any) -> Iterator[Sequence[Any]]:
    while batch := cursor.fetchmany(STREAM_BATCH):
        yield from batch


def _prefetched(cursor: Any) -> Iterator[Sequence[Any]]:
    """The cursor's rows, each batch fetched by a thread of its own while the caller works
    through the one before: the server's work on the next batch overlaps ours on this one
    (psycopg lets go of the GIL while it waits). Only that thread uses the connection until
    the rows are read or dropped; a failed fetch is raised here."""
    import queue
    import threading

    batches: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set():
                batch = cursor.fetchmany(STREAM_BATCH)
                batches.put(batch)
                if not batch:
                    return
        except BaseException as error:  # handed to the reader, raised there
            batches.put(error)

    thread = threading.Thread(target=fetch, name="records-stream", daemon=True)
    thread.start()
    try:
        while True:
            batch = batches.get()
            if isinstance(batch, BaseException):
                raise batch
            if not batch:
                return
            yield from batch
    finally:
        stop.set()
        while thread.is_alive():  # a fetch blocked on a full queue: let it finish
            with contextlib.suppress(queue.Empty):
                batches.get_nowait()
            thread.join(0.01)
