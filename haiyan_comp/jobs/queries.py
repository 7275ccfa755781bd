"""Reading jobs: one job as a page or the API shows it, and the parts of its files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.jobs.models import Job, JobFile


@dataclass(frozen=True)
class JobView:
    """A job as it stands (the figures of its progress, its outcome)."""

    id: str
    kind: str
    title: str
    owner_id: int | None
    params: dict[str, Any]
    state: str
    done: int
    total: int
    message: str
    result_url: str | None
    details: Any
    error: str | None
    error_code: dict[str, Any] | None
    attempts: int
    worker: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def view_of(row: Job) -> JobView:
    return JobView(
        id=row.id, kind=row.kind, title=row.title, owner_id=row.owner_id, params=row.params,
        state=row.state, done=row.done, total=row.total, message=row.message,
        result_url=row.result_url, details=row.details, error=row.error,
        error_code=row.error_code, attempts=row.attempts, worker=row.worker,
        created_at=row.created_at, started_at=row.started_at, finished_at=row.finished_at,
    )  # fmt: skip


def job(session: Session, job_id: str) -> JobView | None:
    """The job `job_id`, read afresh (another server may have moved it on)."""
    row = session.execute(
        select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return None if row is None else view_of(row)


@dataclass(frozen=True)
class FileInfo:
    """A job's file: whose job it is, its size and how many parts it is stored in."""

    job_id: str
    name: str
    size: int
    parts: int


def file_info(session: Session, name: str, job_id: str | None = None) -> FileInfo | None:
    """The file called `name` (of job `job_id` when given), or None."""
    query = select(JobFile.job_id, func.sum(func.length(JobFile.data)), func.count()).where(
        JobFile.name == name
    )
    if job_id is not None:
        query = query.where(JobFile.job_id == job_id)
    found = session.execute(query.group_by(JobFile.job_id)).first()
    if found is None:
        return None
    return FileInfo(job_id=found[0], name=name, size=int(found[1] or 0), parts=int(found[2]))


def file_part(session: Session, job_id: str, name: str, part: int) -> bytes:
    """One part of a file (parts are read one at a time: an upload may be 200 MB)."""
    data: bytes = session.execute(
        select(JobFile.data).where(
            JobFile.job_id == job_id, JobFile.name == name, JobFile.part == part
        )
    ).scalar_one()
    return data


def parts_of(session: Session, info: FileInfo) -> Iterator[bytes]:
    """The file's parts in order."""
    for part in range(info.parts):
        yield file_part(session, info.job_id, info.name, part)
