"""Writing jobs: create, claim a run, record progress apart, finish or fail; claim a day's run.

Progress is written on a connection of its own that commits at once (`progress`),
never in the work's transaction: other servers see it while the work goes on,
and the work's own transaction stays all or nothing. Finishing a job is written
in the work's transaction (`finish`), so a job's effect and its "done" commit
together: a worker that dies before the commit leaves neither, and the retry
does the work once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any, BinaryIO

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from haiyan_comp.db import BUSY_TIMEOUT_MS
from haiyan_comp.jobs.models import Job, JobFile, ScheduleRun
from haiyan_comp.jobs.queries import JobView, view_of

log = logging.getLogger(__name__)
PART_BYTES = 4 * 1024 * 1024  # a file is stored in parts of this size
FINISHED = ("done", "failed")


def create(
    session: Session,
    job_id: str,
    kind: str,
    title: str,
    owner_id: int | None,
    params: dict[str, Any],
    now: datetime,
) -> Job:
    """A queued job."""
    row = Job(
        id=job_id, kind=kind, title=title, owner_id=owner_id, params=params, state="queued",
        done=0, total=0, message="", attempts=0, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def note_queue_id(session: Session, job_id: str, queue_id: int) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(queue_id=queue_id))


def store_file(session: Session, job_id: str, name: str, stream: BinaryIO) -> int:
    """Store `stream` as the job's file `name`, part by part; its size in bytes."""
    size = 0
    part = 0
    while chunk := stream.read(PART_BYTES):
        row = JobFile(job_id=job_id, name=name, part=part, data=chunk)
        session.add(row)
        session.flush()
        session.expunge(row)  # a 200 MB upload is not held in the session
        size += len(chunk)
        part += 1
    if part == 0:
        session.add(JobFile(job_id=job_id, name=name, part=0, data=b""))
        session.flush()
    return size


def drop_file(session: Session, job_id: str, name: str) -> None:
    """Delete a job's file (an upload, once imported)."""
    session.execute(delete(JobFile).where(JobFile.job_id == job_id, JobFile.name == name))


def begin(session: Session, job_id: str, worker: str, now: datetime) -> JobView | None:
    """Claim a run of the job (locked until this transaction ends); None if it has finished."""
    row = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if row is None or row.state in FINISHED:
        return None
    row.state, row.attempts, row.worker = "running", row.attempts + 1, worker
    row.started_at = row.started_at or now
    session.flush()
    return view_of(row)


def finish(
    session: Session, job_id: str, result_url: str | None, details: Any, now: datetime
) -> bool:
    """Mark the job done, in the transaction of its work; False if it had finished already."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.not_in(FINISHED))
        .values(
            state="done", result_url=result_url, details=details, finished_at=now, done=Job.total
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def fail(
    session: Session,
    job_id: str,
    error: str,
    error_code: dict[str, Any] | None,
    details: Any,
    now: datetime,
) -> None:
    """Mark the job failed (unless it finished meanwhile)."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.not_in(FINISHED))
        .values(
            state="failed", error=error, error_code=error_code, details=details, finished_at=now
        )
    )


def progress(
    engine: Engine, job_id: str, done: int, total: int | None, message: str | None
) -> bool:
    """Record how far a job is, on a connection of its own that commits at once.

    Best effort: a write that would wait (SQLite holds one writer at a time, and
    the job's own work may be it) is skipped, never the job; whether it was written.
    """
    values: dict[str, Any] = {"done": done}
    if total is not None:
        values["total"] = total
    if message is not None:
        values["message"] = message[:500]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        sqlite = connection.dialect.name == "sqlite"
        connection.exec_driver_sql(
            "PRAGMA busy_timeout = 50" if sqlite else "SET lock_timeout = 1000"
        )
        try:
            connection.execute(update(Job).where(Job.id == job_id).values(**values))
        except OperationalError as exc:
            log.info("progress of job %s not written: %s", job_id, exc.orig)
            return False
        finally:
            connection.exec_driver_sql(
                f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}" if sqlite else "RESET lock_timeout"
            )
    return True


def delete_finished_before(session: Session, before: datetime) -> int:
    """Delete jobs (and their files) created before `before`; how many."""
    old = Job.created_at < before
    session.execute(delete(JobFile).where(JobFile.job_id.in_(
        Job.__table__.select().with_only_columns(Job.id).where(old).scalar_subquery()
    )))  # fmt: skip
    result = session.execute(delete(Job).where(old))
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim_day(session: Session, name: str, day: date, by: str, now: datetime) -> bool:
    """Claim the scheduled job `name` for `day`; False if another process claimed it first."""
    try:
        with session.begin_nested():
            session.add(ScheduleRun(name=name, day=day, claimed_at=now, claimed_by=by))
    except IntegrityError:
        return False
    return True
