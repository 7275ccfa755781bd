"""What each kind of job does, from its parameters (JSON: the queue carries them to any machine).

A kind's work takes its parameters and a Progress and returns an Outcome (the
URL of its result, what it reports, the files it made). It calls operations
only: in a worker they join the unit of work that also marks the job done
(operations.jobs.run_and_finish), so the work and its "done" commit together.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any, BinaryIO, Protocol

from haiyan_comp import clock
from haiyan_comp.errors import DomainError
from haiyan_comp.jobs.messages import (
    JOB_FINISHED,
    JOB_MAKING_STATEMENT,
    JOB_READING_YEAR,
    JOB_SETTLING,
)
from haiyan_comp.messages import described
from haiyan_comp.operations.audit import catch_up_flag_totals
from haiyan_comp.operations.jobs import Outcome
from haiyan_comp.operations.records import import_file
from haiyan_comp.operations.settlement import settle_year
from haiyan_comp.operations.statements import settlement_statements
from haiyan_comp.records.report import ImportRefused
from haiyan_comp.statements.render import render_settlement

log = logging.getLogger(__name__)


class Progress(Protocol):
    """Handed to the work: report how far it is; the job's uploaded file."""

    @property
    def job_id(self) -> str: ...

    def update(self, done: int, total: int | None = None, message: str | None = None) -> None: ...

    def upload(self) -> BinaryIO: ...


Work = Callable[[dict[str, Any], Progress], Outcome]


class _Counted(io.RawIOBase):
    """A raw stream that reports how many bytes were read (import progress)."""

    def __init__(self, raw: BinaryIO, progress: Progress, total: int) -> None:
        self.raw = raw
        self.progress = progress
        self.total = total
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        self.progress.update(self.count, self.total)
        return len(data)


def counted(raw: BinaryIO, progress: Progress, total: int) -> io.BufferedReader:
    """`raw` as a buffered binary stream (what the readers take) that reports its progress."""
    return io.BufferedReader(_Counted(raw, progress, total), 1 << 20)


def settlement(params: dict[str, Any], progress: Progress) -> Outcome:
    """Settle a year (R13–R14): {year, as_of, by, result_url}."""
    progress.update(0, 2, JOB_SETTLING())
    settle_year(int(params["year"]), date.fromisoformat(params["as_of"]), str(params["by"]))
    progress.update(2, 2, JOB_FINISHED())
    return Outcome(result_url=params["result_url"])


def statements_zip(params: dict[str, Any], progress: Progress) -> Outcome:
    """Every settlement statement of a year in one ZIP: {year, county, name, total, result_url}."""
    year, total = int(params["year"]), int(params["total"])
    progress.update(0, total, JOB_READING_YEAR(year=year))
    every_one = settlement_statements(year, str(params["county"]), clock.now())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for done, data in enumerate(every_one):
            code = data.institution_code
            progress.update(done, total, JOB_MAKING_STATEMENT(code=code))
            zipped.writestr(f"statement-{year}-{code}.pdf", render_settlement(data))
    progress.update(total, total, JOB_FINISHED())
    return Outcome(result_url=params["result_url"], files={params["name"]: buffer.getvalue()})


def records_import(params: dict[str, Any], progress: Progress) -> Outcome:
    """Import an uploaded file into one institution: {filename, size, strict, by, code, …}.

    A refused import (strict, or a file that cannot be read) is a report too:
    the job is done and its report says that nothing was stored.
    """
    filename, size, strict = str(params["filename"]), int(params["size"]), bool(params["strict"])
    progress.update(0, size, filename)
    try:
        with progress.upload() as raw:
            report = import_file(
                counted(raw, progress, size), filename, as_of=date.fromisoformat(params["today"]),
                imported_by=params["by"], strict=strict, chunk_rows=int(params["chunk_rows"]),
                only_institution=params["code"], size_hint=size, sheet=params.get("sheet"),
                reread=progress.upload,
            )  # fmt: skip
        result: dict[str, Any] = {"stored": True, **report.to_json()}
    except ImportRefused as refused:
        result = {"stored": False, "message": refused.message,
                  "reason": described(refused.message), **refused.report.to_json()}  # fmt: skip
    except DomainError as problem:  # the file as a whole (header, format)
        result = {"stored": False, "message": problem.message, "reason": described(problem.message),
                  "rows": 0, "imported": 0, "duplicates": 0, "rejected": [],
                  "rejected_count": 0, "strict": strict}  # fmt: skip
    result["filename"] = filename
    return Outcome(result_url=str(params["report_url"]).replace("JOB-ID", progress.job_id),
                   details=result)  # fmt: skip


KINDS: dict[str, Work] = {
    "settlement": settlement,
    "statements-zip": statements_zip,
    "import": records_import,
}

# What runs after a kind's job is done, in units of work of its own, so that the job is
# reported done without waiting for it: a bulk load leaves its year's checks to recount
# (records/day_totals.py), done here rather than at an auditor's first look at the flags.
AFTERWARDS: dict[str, Callable[[], object]] = {"import": catch_up_flag_totals}


def afterwards(kind: str) -> None:
    """Run what follows a done job of `kind`; a failure there is logged, never the job's:
    whatever it left undone, the first read does."""
    follow_up = AFTERWARDS.get(kind)
    if follow_up is None:
        return
    try:
        follow_up()
    except Exception:  # the job is done and stays so
        log.exception("after a %s job", kind)
