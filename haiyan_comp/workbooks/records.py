"""The whole of a records search, for a workbook (and `haiyan records search`): every page of
the same search the records page and GET /api/v1/records answer a page at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from haiyan_comp.records.queries import RecordSearch, record_json
from haiyan_comp.records.queries.rows import RecordPage, RecordRow

EXPORT_PAGE = 20_000  # the rows of one read; a workbook walks the whole search in these


def every_record(
    search: RecordSearch, find: Callable[[RecordSearch], RecordPage]
) -> Iterator[dict[str, Any]]:
    """Every record of `search` as record_json (the API's and --json's shape)."""
    return (record_json(row) for row in every_row(search, find))


def every_row(
    search: RecordSearch, find: Callable[[RecordSearch], RecordPage]
) -> Iterator[RecordRow]:
    """Every record of `search` from its first page to its last (RecordRow): keyset
    pages in id order (or by offset while a sorted search stays sorted), each its own read
    (`find`, the records search operation), so memory holds one page."""
    search = replace(search, after=0, before=None, offset=0, limit=EXPORT_PAGE, count=False)
    while True:
        page = find(search)
        yield from page.rows
        if not page.more or not page.rows:
            return
        if page.by_offset:  # sorted, or a common source-id prefix in its own order
            search = replace(search, offset=search.offset + len(page.rows))
        else:
            search = replace(search, sort="id", offset=0, after=page.rows[-1].id)
