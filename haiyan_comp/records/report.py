"""What came of importing one file: counts and every rejected row, with reasons by code.

The report's JSON is `haiyan records import --json`'s and the API's (CONTRACT.md):
each rejected row keeps `reasons` (the English) and adds `codes`, each reason's
code, field and parameters in the same order, from which a page shows it in
Chinese, and `cells`, the row as the file gave it under the file's `header`
(when the file could be read again: records/originals.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from haiyan_comp.errors import InvalidInput
from haiyan_comp.messages import described
from haiyan_comp.records.messages import STRICT_REFUSED
from haiyan_comp.records.originals import original_rows
from haiyan_comp.records.originals import reasons_of as reasons_of  # where pages took it from
from haiyan_comp.records.readers import Unreadable
from haiyan_comp.records.rules import Rejection

MAX_LISTED_REJECTIONS = 100_000


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
    rejected: list[Rejection | Unreadable] = field(default_factory=list)
    # The file's header and each listed rejected row's cells as given (records/originals.py).
    header: list[str] = field(default_factory=list)
    originals: dict[int, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def reject(self, rejection: Rejection | Unreadable) -> None:
        """Count a rejected row and keep its reasons while the list has room."""
        with self._lock:  # the reading and the writing thread both reject rows
            self.rejected_count += 1
            if len(self.rejected) < MAX_LISTED_REJECTIONS:
                self.rejected.append(rejection)

    def to_json(self) -> dict[str, Any]:
        """The JSON of `haiyan records import --json` (CONTRACT.md), plus extras."""
        document = {
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": [rejected_json(r, self.originals.get(r.line)) for r in self.rejected],
            "rejected_count": self.rejected_count,
            "import_id": self.import_id,
            "strict": self.strict,
        }
        if self.header:
            document["header"] = self.header
        return document

    def keep_originals(self, stream: BinaryIO, *, sheet: str | None = None) -> None:
        """Read the listed rejected rows' header and cells from the file (from its start)."""
        wanted = {rejection.line for rejection in self.rejected}
        self.header, self.originals = original_rows(
            stream, self.file_format, wanted, filename=self.filename, sheet=sheet
        )


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """One import as its history lists it: who, when, and its counts."""

    id: int
    filename: str
    strict: bool
    imported_by: str
    started_at: datetime
    rows: int
    imported: int
    duplicates: int
    rejected: int


def rejected_json(
    rejection: Rejection | Unreadable, cells: list[str] | None = None
) -> dict[str, Any]:
    """A rejected row: line, source id, reasons (English), their codes and the row's cells."""
    document: dict[str, Any] = {
        "line": rejection.line,
        "source_id": rejection.source_id,
        "reasons": list(rejection.reasons),
        "codes": [described(reason) for reason in rejection.reasons],
    }
    if cells is not None:
        document["cells"] = cells
    return document


class ImportRefused(InvalidInput):
    """--strict and at least one bad row: nothing was imported."""

    code = "import_refused"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            STRICT_REFUSED(rejected=report.rejected_count, rows=report.rows),
            details=report.to_json(),
        )
        self.report = report
