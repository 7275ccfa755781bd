"""Importing service records (R2, R3): stream, validate, write in bulk, cap.

One import is one transaction owned by the caller: this module flushes and
never commits, so a crash or a --strict refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.errors import InvalidInput
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records.caps import recompute_caps_after
from haiyan_comp.records.models import RecordImport, ServiceRecord
from haiyan_comp.records.readers import detect_format, read_rows
from haiyan_comp.records.rules import ItemRef, RecordRow, Reference, Rejection, make_validator
from haiyan_comp.records.writers import make_writer
from haiyan_comp.years.services import lock_records, settled_years

MAX_LISTED_REJECTIONS = 100_000
_LOOKUP_BATCH = 500


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


def load_reference(session: Session, today: date) -> Reference:
    """Every code a row may name, read once per import."""
    institutions = dict(session.execute(select(Institution.code, Institution.id)).all())
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
) -> ImportReport:
    """Import one CSV or JSON Lines file of service records; see CONTRACT.md."""
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
    before_id = session.scalar(select(func.coalesce(func.max(ServiceRecord.id), 0))) or 0
    ref = load_reference(session, as_of)
    _Importer(session, batch.id, ref, report).run(read_rows(stream, report.file_format), chunk_rows)
    if report.imported:
        recompute_caps_after(session, before_id)
    batch.rows, batch.imported = report.rows, report.imported
    batch.duplicates, batch.rejected = report.duplicates, report.rejected_count
    session.flush()
    if strict and report.rejected_count:
        raise ImportRefused(report)
    return report


class _Importer:
    """Validates rows in chunks and classifies rows whose key already exists."""

    def __init__(self, session: Session, import_id: int, ref: Reference, report: ImportReport):
        self.session = session
        self.import_id = import_id
        self.report = report
        self.validate = make_validator(ref, import_id)
        self.writer = make_writer(session)
        self.institution_codes = {pk: code for code, pk in ref.institutions.items()}

    def run(self, rows: Iterable[tuple[int, Any, list[str]]], chunk_rows: int) -> None:
        report, validate = self.report, self.validate
        pending: list[RecordRow] = []
        repeats: list[RecordRow] = []
        keys: set[tuple[int, str]] = set()
        for line, values, reasons in rows:
            report.rows += 1
            if isinstance(values, str):
                report.reject(Rejection(line, values, reasons))
                continue
            result = validate(line, values)
            if isinstance(result, Rejection):
                result.reasons = _merge(reasons, result.reasons)
                report.reject(result)
                continue
            if reasons:
                report.reject(Rejection(line, result.source_id, list(reasons)))
                continue
            key = (result.institution_id, result.source_id)
            if key in keys:
                repeats.append(result)
            else:
                keys.add(key)
                pending.append(result)
                if len(pending) >= chunk_rows:
                    self._write(pending, repeats)
                    pending, repeats, keys = [], [], set()
        if pending or repeats:
            self._write(pending, repeats)
        report.rejected.sort(key=lambda r: r.line)

    def _write(self, rows: list[RecordRow], repeats: list[RecordRow]) -> None:
        inserted = self.writer.insert(rows) if rows else 0
        self.report.imported += inserted
        to_check = repeats if inserted == len(rows) else rows + repeats
        if to_check:
            self._classify(to_check)

    def _classify(self, rows: list[RecordRow]) -> None:
        stored = self._stored([(r.institution_id, r.source_id) for r in rows])
        for row in rows:
            import_id, line, content = stored[(row.institution_id, row.source_id)]
            if import_id == self.import_id and line == row.line:
                continue  # inserted just now
            if content == row.content:
                self.report.duplicates += 1
                continue
            where = (
                f"on line {line} of this file"
                if import_id == self.import_id
                else f"by import #{import_id} (line {line})"
            )
            differing = _differences(content, row.content)
            code = self.institution_codes[row.institution_id]
            self.report.reject(
                Rejection(
                    row.line,
                    row.source_id,
                    [
                        f"source_id: {row.source_id} of {code} was already stored {where} "
                        f"with different content ({differing}); a stored record is never "
                        "changed by importing it again"
                    ],
                )
            )

    def _stored(
        self, keys: list[tuple[int, str]]
    ) -> dict[tuple[int, str], tuple[int, int, tuple[Any, ...]]]:
        r = ServiceRecord
        found: dict[tuple[int, str], tuple[int, int, tuple[Any, ...]]] = {}
        for start in range(0, len(keys), _LOOKUP_BATCH):
            query = select(
                r.institution_id,
                r.source_id,
                r.import_id,
                r.line,
                r.staff_id,
                r.item_id,
                r.service_date,
                r.resident_id,
                r.quantity,
            ).where(tuple_(r.institution_id, r.source_id).in_(keys[start : start + _LOOKUP_BATCH]))
            for (
                inst,
                source,
                import_id,
                line,
                staff,
                item,
                day,
                resident,
                qty,
            ) in self.session.execute(query):
                content = (staff, item, day.isoformat(), resident, qty)
                found[(inst, source)] = (import_id, line, content)
        return found


_CONTENT_FIELDS = ("staff", "item", "service_date", "resident_id", "quantity")


def _differences(stored: tuple[Any, ...], new: tuple[Any, ...]) -> str:
    return ", ".join(
        f"{name} differs" for name, a, b in zip(_CONTENT_FIELDS, stored, new, strict=True) if a != b
    )


def _merge(first: list[str], second: list[str]) -> list[str]:
    merged = list(first)
    fields_named = {reason.split(":", 1)[0] for reason in first}
    merged.extend(r for r in second if r not in merged and r.split(":", 1)[0] not in fields_named)
    return merged


def count_records(session: Session, year: int | None = None) -> int:
    """How many records are stored (for one year, or all)."""
    query = select(func.count()).select_from(ServiceRecord)
    if year is not None:
        query = query.where(ServiceRecord.year == year)
    return session.scalar(query) or 0
