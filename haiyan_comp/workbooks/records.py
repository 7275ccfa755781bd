"""The whole of a records search, for a workbook (and `haiyan records search`): every page of
the same search the records page and GET /api/v1/records answer a page at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields, replace
from operator import attrgetter
from typing import Any

from haiyan_comp.records.queries import RecordSearch, record_json
from haiyan_comp.records.queries.rows import RecordPage, RecordRow

EXPORT_PAGE = 20_000  # the rows of one read; a workbook walks the whole search in these
FIELDS = tuple(f.name for f in fields(RecordRow))  # a row's values in this order (tuples())
_VALUES = attrgetter(*FIELDS)


def every_record(
    search: RecordSearch, find: Callable[[RecordSearch], RecordPage]
) -> Iterator[dict[str, Any]]:
    """Every record of `search` as record_json (the API's and --json's shape)."""
    return (record_json(row) for row in every_row(search, find))


Stream = Callable[[RecordSearch], Iterator[Sequence[Any]] | None]


class SearchRows:
    """Every record of a search. Iterated: RecordRows, a page (`find`) at a time.
    `tuples()`: the same rows as tuples of FIELDS, the way a workbook reads them: one
    statement streamed from the database (`stream`, the records stream operation) when
    the search is in id order, else the pages'."""

    def __init__(
        self,
        search: RecordSearch,
        find: Callable[[RecordSearch], RecordPage],
        stream: Stream | None = None,
    ) -> None:
        self.search, self.find, self.stream = search, find, stream

    def __iter__(self) -> Iterator[RecordRow]:
        return _pages(self.search, self.find)

    def tuples(self) -> Iterator[Sequence[Any]]:
        """The rows as tuples of FIELDS; a date may be its ISO text, a flag 0 or 1."""
        streamed = None if self.stream is None else self.stream(self.search)
        if streamed is None:
            return (_VALUES(row) for row in self)
        return streamed


def every_row(
    search: RecordSearch,
    find: Callable[[RecordSearch], RecordPage],
    stream: Stream | None = None,
) -> SearchRows:
    """Every record of `search` from its first page to its last (RecordRow; see SearchRows)."""
    return SearchRows(search, find, stream)


def _pages(search: RecordSearch, find: Callable[[RecordSearch], RecordPage]) -> Iterator[RecordRow]:
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
