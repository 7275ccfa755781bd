"""Use cases of the service records: importing a file (R2, R3), and the uploads made.

One import is one transaction: all of its good rows are stored, with their
caps and running totals, or (a file refused whole, --strict with a bad row, a
crash) nothing. The command line, the API's upload and the centre's upload
page all call `import_file`; what they show comes from the report it returns,
or from the `ImportRefused` it raises (which carries the same report).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, BinaryIO

from haiyan_comp.accounts.queries import institution_usernames
from haiyan_comp.db import db
from haiyan_comp.operations import operation, reading
from haiyan_comp.records.queries import (
    Choice,
    RecordPage,
    RecordSearch,
    item_choices,
    recent_imports,
    search_records,
    staff_choices,
)
from haiyan_comp.records.queries.stream import stream_records
from haiyan_comp.records.report import ImportRefused, ImportReport, ImportSummary
from haiyan_comp.records.services import import_records


def import_file(
    stream: BinaryIO,
    filename: str,
    *,
    as_of: date,
    imported_by: str,
    strict: bool,
    chunk_rows: int,
    only_institution: str | None = None,
    size_hint: int | None = None,
    sheet: str | None = None,
    reread: Callable[[], AbstractContextManager[BinaryIO]] | None = None,
) -> ImportReport:
    """Import one CSV, JSON Lines or .xlsx file of service records (CONTRACT.md); all or nothing.

    `as_of` is today for the future-date check; `only_institution` limits the
    rows to one institution (a centre's or an institution token's upload: other
    rows are rejected and say why); `size_hint`, the file's size in bytes when
    known, lets a first bulk load build its index once at the end. Raises
    ImportRefused (nothing stored) when `strict` and a row is bad, InvalidInput
    when the file cannot be read as records at all.

    `sheet` names a workbook's sheet (the first when None). When rows are
    rejected, the file is read again, after the import's transaction, for
    their original cells (the report's `header` and each row's `cells`):
    from `reread()` when given, else from the stream's start if it can seek,
    else the report goes without them.
    """
    try:
        report = _import_file(
            stream, filename, as_of=as_of, imported_by=imported_by, strict=strict,
            chunk_rows=chunk_rows, only_institution=only_institution, size_hint=size_hint,
            sheet=sheet,
        )  # fmt: skip
    except ImportRefused as refused:
        _keep_originals(refused.report, stream, sheet, reread)
        raise
    _keep_originals(report, stream, sheet, reread)
    return report


@operation
def _import_file(
    stream: BinaryIO,
    filename: str,
    *,
    as_of: date,
    imported_by: str,
    strict: bool,
    chunk_rows: int,
    only_institution: str | None,
    size_hint: int | None,
    sheet: str | None,
) -> ImportReport:
    """The import itself: one transaction."""
    return import_records(
        db.session,
        stream,
        filename,
        as_of=as_of,
        imported_by=imported_by,
        strict=strict,
        chunk_rows=chunk_rows,
        only_institution=only_institution,
        size_hint=size_hint,
        sheet=sheet,
    )


def _keep_originals(
    report: ImportReport,
    stream: BinaryIO,
    sheet: str | None,
    reread: Callable[[], AbstractContextManager[BinaryIO]] | None,
) -> None:
    if not report.rejected:
        return
    if reread is not None:
        with reread() as again:
            report.keep_originals(again, sheet=sheet)
    elif stream.seekable():
        stream.seek(0)
        report.keep_originals(stream, sheet=sheet)


@reading
def recent_uploads(institution_id: int) -> list[ImportSummary]:
    """The latest imports through the pages by the users of one institution (counts only).

    record_imports says who imported a file, not for which institution: an
    upload is this institution's when `imported_by` is web:<username> of one
    of its users.
    """
    usernames = institution_usernames(db.session, institution_id)
    return [
        ImportSummary(
            id=batch.id,
            filename=batch.filename,
            strict=batch.strict,
            imported_by=batch.imported_by,
            started_at=batch.started_at,
            rows=batch.rows,
            imported=batch.imported,
            duplicates=batch.duplicates,
            rejected=batch.rejected,
        )
        for batch in recent_imports(db.session, [f"web:{name}" for name in usernames])
    ]


@reading
def search(query: RecordSearch) -> RecordPage:
    """One page of the records search: the centre's records page and GET /api/v1/records."""
    return search_records(db.session, query)


def stream(query: RecordSearch) -> Iterator[Sequence[Any]] | None:
    """Every row of a search in id order as one streamed read (a workbook of the whole
    search), the read ended once the rows are read or dropped; None when the search is
    read a page at a time (`search`: a sorted or prefix-only search)."""
    rows = stream_records(db.session, query)
    return None if rows is None else _streamed(rows)


def _streamed(rows: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    try:
        yield from rows
    finally:
        rows.close()  # type: ignore[attr-defined]
        if not db.in_unit_of_work():
            db.end_read()


@reading
def search_choices(institution_id: int) -> tuple[list[Choice], list[Choice]]:
    """What the records search form offers: every item of the catalogue, the institution's staff."""
    return item_choices(db.session), staff_choices(db.session, institution_id)
