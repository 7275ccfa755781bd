"""Importing service records (R2, R3): stream, validate, write in bulk, cap.

One import is one transaction owned by the caller: this module flushes and
never commits, so a crash or a --strict refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime
from itertools import compress
from typing import BinaryIO

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from haiyan_comp import clock
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records import day_totals
from haiyan_comp.records.behind import Behind, prompt_switches
from haiyan_comp.records.bulk import (
    build_indexes,
    build_key,
    bulk_load,
    bulk_sorting,
    defers_index,
    drop_indexes,
    drop_key,
    keys_table,
)
from haiyan_comp.records.caps import TouchedGroups
from haiyan_comp.records.models import RecordImport
from haiyan_comp.records.readers import Chunk, detect_format, read_chunks
from haiyan_comp.records.report import ImportRefused, ImportReport
from haiyan_comp.records.rules import (
    ItemRef,
    RecordRow,
    Reference,
    Rejection,
    ValidRows,
    conflict_reason,
    make_chunk_validator,
)
from haiyan_comp.records.totals import Tally, add_tally, month_of
from haiyan_comp.records.writers import COLUMN_LIST, Encoded, Load, RecordWriter, make_writer
from haiyan_comp.years.services import lock_records, settled_years

ANALYZE_AFTER = 50_000  # rows imported that make the table's statistics stale
__all__ = ["ImportRefused", "ImportReport", "import_records", "load_reference"]


def load_reference(session: Session, today: date, only_institution: str | None = None) -> Reference:
    """Every code a row may name, read once per import (of one institution when given)."""
    institutions = dict(session.execute(select(Institution.code, Institution.id)).all())
    outside: frozenset[str] = frozenset()
    if only_institution is not None:
        outside = frozenset(code for code in institutions if code != only_institution)
        institutions = {c: i for c, i in institutions.items() if c == only_institution}
    staff = {
        code: (staff_id, inst_code)
        for code, staff_id, inst_code in session.execute(
            select(Staff.code, Staff.id, Institution.code).join(Staff.institution)
        )
    }
    items = {
        (item.year, item.code): ItemRef(item.id, item.code, item.value, item.cap)
        for item in session.scalars(select(ServiceItem))
    }
    return Reference(
        institutions=institutions,
        staff=staff,
        items=items,
        catalogue_years=frozenset(year for year, _ in items),
        settled={
            year: clock.county_date(at).isoformat() for year, at in settled_years(session).items()
        },
        today=today,
        outside=outside,
    )


def import_records(
    session: Session,
    stream: BinaryIO,
    filename: str,
    *,
    as_of: date,
    imported_by: str,
    strict: bool = False,
    chunk_rows: int = 20_000,
    only_institution: str | None = None,
    size_hint: int | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Import one CSV, JSON Lines or .xlsx file of service records; see CONTRACT.md.

    With `only_institution` (a centre's or an institution token's upload), rows
    of any other institution are rejected and say why. `size_hint`, the file's
    size in bytes when known, lets a bulk load build the indexes, R2's key
    among them, once at the end instead of row by row (see bulk.py).
    """
    head = stream.peek(64) if hasattr(stream, "peek") else b""
    report = ImportReport(filename, detect_format(filename, head), strict)
    lock_records(session)
    batch = RecordImport(
        filename=filename[-255:],
        file_format=report.file_format,
        strict=strict,
        imported_by=imported_by,
        started_at=datetime.now(UTC),
    )
    session.add(batch)
    session.flush()
    report.import_id = batch.id
    ref = load_reference(session, as_of, only_institution)
    after = day_totals.last_record_id(session)
    importer = _Importer(session, batch.id, ref, report, defers_index(session, size_hint))
    importer.run(
        read_chunks(stream, report.file_format, chunk_rows, filename=filename, sheet=sheet)
    )
    with bulk_sorting(session, importer.bulk):
        importer.finish()
        if report.imported >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
            # Fresh statistics, so that the planner sees the table as it now is,
            # starting with the cap below (counties may run without autovacuum;
            # ANALYZE samples, it is quick).
            session.execute(text("ANALYZE service_records"))
        if report.imported:
            years = importer.tally.years()
            importer.touched.recompute(years)
            day_totals.add_import(session, batch.id, after, report.imported, years)
    batch.rows, batch.imported = report.rows, report.imported
    batch.duplicates, batch.rejected = report.duplicates, report.rejected_count
    session.flush()
    if strict and report.rejected_count:
        raise ImportRefused(report)
    return report


class _Importer:
    """Validates rows in chunks, writes them in bulk, classifies the ones not inserted."""

    def __init__(
        self, session: Session, import_id: int, ref: Reference, report: ImportReport, bulk: bool
    ) -> None:
        self.session = session
        self.import_id = import_id
        self.report = report
        self.validate = make_chunk_validator(ref, import_id)
        self.bulk = bulk
        self.load: Load | None = None  # decided by the first valid chunk (_start)
        self._writer: RecordWriter | None = None
        self.institution_codes = {pk: code for code, pk in ref.institutions.items()}
        self.tally = Tally({item.id: year for (year, _), item in ref.items.items()})
        self.touched = TouchedGroups(session)  # groups of capped rows written (R3)

    def run(self, chunks: Iterable[Chunk]) -> None:
        """Import every row; the report says what came of each.

        On PostgreSQL the writes run in a second thread, one chunk behind, so
        that the server stores a chunk while this thread reads, checks and
        encodes the next (the writing thread only waits on the socket, without
        the GIL; when it formatted the COPY text itself, it held the GIL for a
        fifth of the import and the two threads took turns). SQLite works in
        this process and gives the GIL back for every row, so a thread would
        only make the two take turns: there, chunks are written in line.
        """
        threaded = self.session.get_bind().dialect.name == "postgresql"
        write = Behind(self._write) if threaded else None
        try:
            with prompt_switches() if threaded else nullcontext():
                self._read(chunks, write)
        except BaseException:
            if write is not None:
                write.close(raising=False)
            raise
        if write is not None:
            write.close()

    def finish(self) -> None:
        """Once every row is in: R2's key built if the load went without it, what
        repeats a key dropped and classified, the rows counted into the totals,
        the indexes a bulk load dropped built."""
        if self.load is Load.KEYLESS and not build_key(self.session):
            self._drop_repeats()
            if not build_key(self.session):  # every repeat is gone: cannot happen
                raise RuntimeError("R2's key still held twice after its repeats were dropped")
            with _probe_by_key(self.session):
                self._classify()
        self.report.rejected.sort(key=lambda r: r.line)
        add_tally(self.session, self.tally)
        if self.load not in (None, Load.ROW_BY_ROW):  # a bulk load dropped them
            build_indexes(self.session)

    @property
    def writer(self) -> RecordWriter:
        assert self._writer is not None, "no chunk started the load"
        return self._writer

    def _start(self, rows: ValidRows) -> None:
        """Choose the load by the first valid chunk, and drop what a bulk load
        builds at the end: the composite and staff indexes, and maybe R2's key
        (bulk.py)."""
        self.load = Load.ROW_BY_ROW
        if self.bulk:
            drop_indexes(self.session)
            self.load = bulk_load(self.session, rows)
        if self.load is Load.KEYLESS:
            drop_key(self.session)
        self._writer = make_writer(self.session, self.load)

    def _read(self, chunks: Iterable[Chunk], write: Behind[Encoded] | None) -> None:
        """Read, check and encode every chunk; write it, or hand it to the writing thread."""
        report = self.report
        for chunk in chunks:
            report.rows += chunk.size
            for unreadable in chunk.unreadable:
                report.reject(unreadable)
            valid, rejected = self.validate(chunk.lines, chunk.columns, chunk.notes)
            for rejection in rejected:
                report.reject(rejection)
            if not len(valid):
                continue
            if self._writer is None:  # before any write: the session is this thread's
                self._start(valid)
            encoded = self.writer.encode(valid)
            self.tally.count(valid)
            if write is None:
                self._write(encoded)
            else:
                write.put(encoded)

    def _write(self, chunk: Encoded) -> None:
        """Write a chunk; count what did not go in out again, and classify it."""
        inserted = self.writer.insert(chunk)
        rows = chunk.rows
        self.report.imported += inserted
        capped = rows.column("capped")
        self.touched.add(
            zip(
                compress(rows.column("institution_id"), capped),
                compress(rows.column("item_id"), capped),
                compress(rows.column("resident_id"), capped),
                strict=True,
            )
        )
        if inserted == len(rows):
            return
        self.tally.uncount(rows)
        self.writer.stage(chunk)
        with _probe_by_key(self.session):
            if inserted:
                self._tally_inserted()
            self._classify()

    def _tally_inserted(self) -> None:
        """Count what a partly inserted chunk really added."""
        self._tally_staged(
            " JOIN service_records r"
            " ON r.institution_id = s.institution_id AND r.source_id = s.source_id"
            " WHERE r.import_id = :cur AND r.line = s.line"
        )

    def _tally_staged(self, where: str, sign: int = 1) -> None:
        """Count the staged rows (`where` joins and filters them) into the tally, or out."""
        month = month_of(self.session, "s.service_date")
        for inst, item, staff, month_number, count, units in self.session.execute(
            text(
                f"SELECT s.institution_id, s.item_id, s.staff_id, {month}, COUNT(*), SUM(s.units)"
                f" FROM import_stage s{where}"
                f" GROUP BY s.institution_id, s.item_id, s.staff_id, {month}"
            ),
            {"cur": self.import_id},
        ):
            self.tally.add(
                inst, item, staff, int(month_number), sign * int(count), sign * int(units)
            )

    def _drop_repeats(self) -> None:
        """A keyless load's rows whose key an earlier row holds, out of the records
        and into import_stage, uncounted: what a load with the key would not have
        inserted. The earlier row is an earlier import's, else the first line."""
        session = self.session
        keys_table(session)
        session.execute(text(_HELD_TWICE))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE import_keys"))  # a few keys, not the default guess
        session.execute(text("DELETE FROM import_stage"))
        session.execute(text(_STAGE_REPEATS), {"cur": self.import_id})
        self._tally_staged("", sign=-1)
        dropped = session.execute(
            text(
                "DELETE FROM service_records WHERE import_id = :cur"
                " AND line IN (SELECT line FROM import_stage)"
            ),
            {"cur": self.import_id},
        )
        self.report.imported -= int(dropped.rowcount)  # type: ignore[attr-defined]

    def _classify(self) -> None:
        """Staged rows that were not inserted: duplicates, or conflicts with a reason."""
        params = {"cur": self.import_id}
        self.report.duplicates += self.session.execute(
            text(_NOT_INSERTED.format(columns="COUNT(*)", same="")), params
        ).scalar_one()
        columns = "s.line, s.source_id, s.institution_id, r.import_id, r.line, " + ", ".join(
            f"s.{c} IS NOT DISTINCT FROM r.{c}" for c in _CONTENT
        )
        for line, source_id, inst, import_id, first_line, *same in self.session.execute(
            text(_NOT_INSERTED.format(columns=columns, same="NOT")), params
        ):
            reason = conflict_reason(
                source_id,
                self.institution_codes[inst],
                first_line,
                None if import_id == self.import_id else import_id,
                [name for name, ok in zip(_CONTENT, same, strict=True) if not ok],
            )
            self.report.reject(Rejection(line, source_id, [reason]))


# Keys held by more than one record, and the records of this import that repeat one.
_HELD_TWICE = (
    "INSERT INTO import_keys (institution_id, source_id)"
    " SELECT institution_id, source_id FROM service_records"
    " GROUP BY institution_id, source_id HAVING COUNT(*) > 1"
)
_STAGE_REPEATS = (
    f"INSERT INTO import_stage ({COLUMN_LIST}) SELECT {COLUMN_LIST} FROM ("
    f" SELECT {', '.join('r.' + c for c in RecordRow._fields)}, ROW_NUMBER() OVER ("
    "  PARTITION BY r.institution_id, r.source_id"
    "  ORDER BY CASE WHEN r.import_id = :cur THEN 1 ELSE 0 END, r.line) AS n"
    " FROM service_records r JOIN import_keys k"
    " ON k.institution_id = r.institution_id AND k.source_id = r.source_id) ranked"
    " WHERE n > 1"
)
_CONTENT = ("staff_id", "item_id", "service_date", "resident_id", "quantity")
_SAME = " AND ".join(f"s.{c} IS NOT DISTINCT FROM r.{c}" for c in _CONTENT)
_NOT_INSERTED = (
    "SELECT {columns} FROM import_stage s JOIN service_records r"
    " ON r.institution_id = s.institution_id AND r.source_id = s.source_id"
    " WHERE NOT (r.import_id = :cur AND r.line = s.line) AND {same} (" + _SAME + ")"
)


@contextmanager
def _probe_by_key(session: Session) -> Iterator[None]:
    """Join the staged chunk to the records through the unique key's index.

    PostgreSQL's statistics lag behind a bulk load, and it would hash the
    whole table for every chunk; a nested loop over the stage probing the
    (institution_id, source_id) index is the right plan for this join.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL enable_hashjoin = off"))
    session.execute(text("SET LOCAL enable_mergejoin = off"))
    try:
        yield
    finally:
        session.execute(text("RESET enable_hashjoin"))
        session.execute(text("RESET enable_mergejoin"))
