"""Jobs on the queue: start one (in the request's transaction), run one in a worker, once.

`submit` stores the job (and an upload's bytes) and queues it in one
transaction. A worker's `execute` claims a run (`begin_run`: a job already
finished is not run again), does the kind's work and marks the job done in the
same transaction (`run_and_finish`); progress is written apart, at most four
times a second, so that every web server shows it within a second. A worker
killed mid-job commits nothing; procrastinate gives the job to another worker
(worker.py), which runs it from the start.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import time
from typing import Any, BinaryIO

from haiyan_comp.errors import DomainError
from haiyan_comp.jobs.messages import JOB_INTERNAL
from haiyan_comp.messages import described, text
from haiyan_comp.operations import jobs as operations
from haiyan_comp.operations.jobs import UPLOAD, AlreadyFinished, JobView
from haiyan_comp.queue.kinds import KINDS, afterwards

log = logging.getLogger(__name__)
EVERY = 0.25  # seconds between two progress writes


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class DatabaseProgress:
    """Progress written to the job's row at once (on a connection apart from the work's)."""

    def __init__(self, job: JobView) -> None:
        self.job_id = job.id
        self._written = 0.0

    def update(self, done: int, total: int | None = None, message: str | None = None) -> None:
        now = time.monotonic()
        if message is None and now - self._written < EVERY:
            return
        self._written = now
        shown = None if message is None else text(message, "zh")
        operations.record_progress(self.job_id, done, total, shown)

    def upload(self) -> BinaryIO:
        """The job's uploaded file, read from the database a part at a time."""
        info = operations.file_info(UPLOAD, self.job_id)
        return io.BufferedReader(operations.StoredFile(info), 1 << 20)


def execute(job_id: str, worker: str | None = None) -> str:
    """Run the job once (a worker's task), then what follows a done job of its kind
    (kinds.AFTERWARDS); how the job ended: done, failed or skipped."""
    job = operations.begin_run(job_id, worker or this_worker())
    if job is None:
        return "skipped"  # finished by an earlier run
    work = KINDS[job.kind]
    progress = DatabaseProgress(job)
    try:
        operations.run_and_finish(job_id, lambda: work(job.params, progress))
    except AlreadyFinished:
        return "skipped"
    except DomainError as exc:
        operations.fail_job(job_id, exc.message, described(exc.message), _plain(exc.details))
        return "failed"
    except Exception as exc:  # the job page must say it failed, whatever it was
        log.exception("job %s (%s) failed", job_id, job.kind)
        internal = JOB_INTERNAL(name=type(exc).__name__)
        operations.fail_job(job_id, internal, described(internal), None)
        return "failed"
    afterwards(job.kind)
    return "done"


def _plain(details: Any) -> Any:
    """An error's details as JSON can keep them (messages as their English)."""
    if isinstance(details, list | tuple):
        return [_plain(item) for item in details]
    if isinstance(details, dict):
        return {str(key): _plain(value) for key, value in details.items()}
    if details is None or isinstance(details, int | float | bool):
        return details
    return str(details)
