"""Importing service records (R2, R3): stream, validate, write in bulk, cap.

One import is one transaction owned by the caller: this module flushes and
never commits, so a crash or a --strict refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import compress
from typing import Any, BinaryIO

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.errors import InvalidInput
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records.caps import Group, recompute_caps_for_groups
from haiyan_comp.records.models import RecordImport
from haiyan_comp.records.readers import Chunk, detect_format, read_chunks
from haiyan_comp.records.rules import (
    ItemRef,
    Reference,
    Rejection,
    ValidRows,
    make_chunk_validator,
)
from haiyan_comp.records.totals import add_tally, month_of, new_tally, tally_rows
from haiyan_comp.records.writers import make_writer
from haiyan_comp.years.services import lock_records, settled_years

MAX_LISTED_REJECTIONS = 100_000
ANALYZE_AFTER = 50_000  # rows imported that make the table's statistics stale


@dataclass
class ImportReport:
    """What came of one file; `rejected` lists at most MAX_LISTED_REJECTIONS rows."""

    filename: str
    file_format: str
    strict: bool
    import_id: int | None = None
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def reject(self, rejection: Rejection) -> None:
        """Count a rejected row and keep its reasons while the list has room."""
        self.rejected_count += 1
        if len(self.rejected) < MAX_LISTED_REJECTIONS:
            self.rejected.append(rejection)

    def to_json(self) -> dict[str, Any]:
        """The JSON of `haiyan records import --json` (CONTRACT.md), plus extras."""
        return {
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": [
                {"line": r.line, "source_id": r.source_id, "reasons": r.reasons}
                for r in self.rejected
            ],
            "rejected_count": self.rejected_count,
            "import_id": self.import_id,
            "strict": self.strict,
        }


class ImportRefused(InvalidInput):
    """--strict and at least one bad row: nothing was imported."""

    code = "import_refused"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            f"{report.rejected_count} of {report.rows} rows were rejected; "
            "with --strict nothing was imported",
            details=report.to_json(),
        )
        self.report = report


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
        settled={year: at.date().isoformat() for year, at in settled_years(session).items()},
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
) -> ImportReport:
    """Import one CSV or JSON Lines file of service records; see CONTRACT.md.

    With `only_institution` (a centre's or an institution token's upload), rows
    of any other institution are rejected and say why.
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
    importer = _Importer(session, batch.id, ref, report)
    importer.run(read_chunks(stream, report.file_format, chunk_rows))
    if report.imported:
        recompute_caps_for_groups(session, importer.touched)
    if report.imported >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, so that the planner sees the table as it now is
        # (counties may run without autovacuum; ANALYZE samples, it is quick).
        session.execute(text("ANALYZE service_records"))
    batch.rows, batch.imported = report.rows, report.imported
    batch.duplicates, batch.rejected = report.duplicates, report.rejected_count
    session.flush()
    if strict and report.rejected_count:
        raise ImportRefused(report)
    return report


class _Importer:
    """Validates rows in chunks, writes them in bulk, classifies the ones not inserted."""

    def __init__(self, session: Session, import_id: int, ref: Reference, report: ImportReport):
        self.session = session
        self.import_id = import_id
        self.report = report
        self.validate = make_chunk_validator(ref, import_id)
        self.writer = make_writer(session)
        self.institution_codes = {pk: code for code, pk in ref.institutions.items()}
        self.year_of_item = {item.id: year for (year, _), item in ref.items.items()}
        self.tally = new_tally()
        self.touched: set[Group] = set()  # groups of capped rows written (R3)

    def run(self, chunks: Iterable[Chunk]) -> None:
        """Import every row; the report says what came of each."""
        report = self.report
        for chunk in chunks:
            report.rows += chunk.size
            for rejection in chunk.unreadable:
                report.reject(rejection)
            valid, rejected = self.validate(chunk.lines, chunk.columns, chunk.notes)
            for rejection in rejected:
                report.reject(rejection)
            if len(valid):
                self._write(valid)
        report.rejected.sort(key=lambda r: r.line)
        add_tally(self.session, self.tally, self.year_of_item)

    def _write(self, rows: ValidRows) -> None:
        """Write a chunk; count what went in and classify what did not."""
        inserted = self.writer.insert(rows)
        self.report.imported += inserted
        groups = zip(
            rows.column("institution_id"), rows.column("item_id"), rows.column("resident_id"),
            strict=True,
        )  # fmt: skip
        self.touched.update(compress(groups, rows.column("capped")))
        if inserted == len(rows):
            tally_rows(self.tally, rows)
            return
        self.writer.stage(rows)
        with _probe_by_key(self.session):
            if inserted:
                self._tally_inserted()
            self._classify()

    def _tally_inserted(self) -> None:
        """Count what a partly inserted chunk really added."""
        month = month_of(self.session, "s.service_date")
        for inst, item, month_number, count, units in self.session.execute(
            text(
                f"SELECT s.institution_id, s.item_id, {month}, COUNT(*), SUM(s.units)"
                " FROM import_stage s JOIN service_records r"
                " ON r.institution_id = s.institution_id AND r.source_id = s.source_id"
                " WHERE r.import_id = :cur AND r.line = s.line"
                f" GROUP BY s.institution_id, s.item_id, {month}"
            ),
            {"cur": self.import_id},
        ):
            entry = self.tally[(inst, item, int(month_number))]
            entry[0] += int(count)
            entry[1] += int(units)

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
            where = (
                f"on line {first_line} of this file"
                if import_id == self.import_id
                else f"by import #{import_id} (line {first_line})"
            )
            differing = ", ".join(
                f"{name} differs" for name, ok in zip(_CONTENT, same, strict=True) if not ok
            )
            code = self.institution_codes[inst]
            self.report.reject(
                Rejection(
                    line,
                    source_id,
                    [
                        f"source_id: {source_id} of {code} was already stored {where} "
                        f"with different content ({differing}); a stored record is never "
                        "changed by importing it again"
                    ],
                )
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
