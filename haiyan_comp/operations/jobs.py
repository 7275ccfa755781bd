"""Long work in the database: start a job (and queue it), follow it, run it once, keep its files.

A job started on one web server is a row every server reads; on PostgreSQL
with the queue (HAIYAN_JOBS=queue) the row, an upload's bytes and the job's
place in procrastinate's queue commit in the request's own transaction. A
worker runs it with `begin_run` (a run claimed, attempts counted) and
`run_and_finish` (the work and its "done" in one transaction): a worker that
dies mid-job commits neither, and the retry does the work once. Progress is
recorded apart (`record_progress`), so that other servers see it at once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, BinaryIO

from haiyan_comp import clock
from haiyan_comp.db import db
from haiyan_comp.errors import NotFound
from haiyan_comp.jobs import queries, queue, services
from haiyan_comp.jobs.messages import JOB_FILE_GONE, NO_SUCH_JOB
from haiyan_comp.jobs.queries import FileInfo, JobView
from haiyan_comp.operations import operation, reading
from haiyan_comp.operations.budget import ScheduledInstalment, pay_instalments

__all__ = ["FileInfo", "JobView", "Outcome"]

UPLOAD = "upload"  # the name of a job's uploaded file


class AlreadyFinished(Exception):
    """Another run of the job finished it first: this run's work is rolled back."""


@dataclass
class Outcome:
    """What a job's work leaves: where its result is shown, what it reports, files it made."""

    result_url: str | None = None
    details: Any = None
    files: dict[str, bytes] = field(default_factory=dict)


@operation
def start_job(
    job_id: str,
    kind: str,
    title: str,
    owner_id: int | None,
    params: dict[str, Any],
    *,
    upload: BinaryIO | None = None,
    queued: bool = True,
) -> JobView:
    """A new job (with its uploaded file), queued for a worker when `queued`, in one transaction."""
    services.create(db.session, job_id, kind, title, owner_id, params, clock.now())
    if upload is not None:
        services.store_file(db.session, job_id, UPLOAD, upload)
    if queued:
        services.note_queue_id(db.session, job_id, queue.defer(db.session, job_id))
    found = queries.job(db.session, job_id)
    assert found is not None  # just stored
    return found


@reading
def job(job_id: str) -> JobView:
    """The job as it stands now (NotFound if there is none)."""
    found = queries.job(db.session, job_id)
    if found is None:
        raise NotFound(NO_SUCH_JOB())
    return found


@reading
def file_info(name: str, job_id: str | None = None) -> FileInfo:
    """A job's file (NotFound once it has been cleaned away)."""
    info = queries.file_info(db.session, name, job_id)
    if info is None:
        raise NotFound(JOB_FILE_GONE(name=name, days=7))
    return info


@reading
def file_part(info: FileInfo, part: int) -> bytes:
    """One part of a job's file."""
    return queries.file_part(db.session, info.job_id, info.name, part)


def file_bytes(info: FileInfo) -> bytes:
    """A job's (small) file whole: a ZIP of statements."""
    return b"".join(file_part(info, part) for part in range(info.parts))


class StoredFile(io.RawIOBase):
    """A job's stored file as a stream, read a part at a time (an upload of 200 MB)."""

    def __init__(self, info: FileInfo) -> None:
        self.info = info
        self._parts: Iterator[bytes] = (file_part(info, n) for n in range(info.parts))
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            part = next(self._parts, None)
            if part is None:
                return 0
            self._left = part
        size = min(len(buffer), len(self._left))
        buffer[:size], self._left = self._left[:size], self._left[size:]
        return size


def record_progress(job_id: str, done: int, total: int | None, message: str | None) -> None:
    """How far the job is, committed at once on a connection of its own (not a unit of work)."""
    services.progress(db.engine, job_id, done, total, message)


@operation
def begin_run(job_id: str, worker: str) -> JobView | None:
    """Claim a run of the job; None if it has finished (a retry of a job already done)."""
    return services.begin(db.session, job_id, worker, clock.now())


@operation
def run_and_finish(job_id: str, work: Callable[[], Outcome]) -> Outcome:
    """Do the work and mark the job done in the same transaction (its files stored with it)."""
    outcome = work()
    services.drop_file(db.session, job_id, UPLOAD)  # an upload is kept until it is imported
    for name, data in outcome.files.items():
        services.store_file(db.session, job_id, name, io.BytesIO(data))
    if not services.finish(db.session, job_id, outcome.result_url, outcome.details, clock.now()):
        raise AlreadyFinished(job_id)
    return outcome


@operation
def fail_job(job_id: str, error: str, error_code: dict[str, Any] | None, details: Any) -> None:
    """The job failed: why (English, and the message's code for the pages' Chinese)."""
    services.fail(db.session, job_id, error, error_code, details, clock.now())


@operation
def clean_jobs(days: float) -> int:
    """Delete jobs (and their files) started more than `days` ago; how many."""
    return services.delete_finished_before(db.session, clock.now() - timedelta(days=days))


@operation
def pay_due_once(name: str, day: date, by: str) -> list[ScheduledInstalment] | None:
    """The daily prepayment run, once per county day whatever number of schedulers run it.

    The day's claim and the payments commit together: a run that fails leaves no
    claim, and the next scheduler or worker tries again. None: already run today.
    """
    if not services.claim_day(db.session, name, day, by, clock.now()):
        return None
    return pay_instalments(day, by)


@reading
def queue_installed() -> bool:
    """Whether procrastinate's tables are in the database."""
    return queue.schema_present(db.session)


def install_queue(url: str) -> bool:
    """`haiyan db upgrade` on PostgreSQL: procrastinate's schema, if it is not there yet."""
    return queue.apply_schema(url)
