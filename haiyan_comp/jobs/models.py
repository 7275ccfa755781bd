"""Jobs (long work started from the pages or the schedule), their files, the schedule's claims."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from haiyan_comp.db import Base

STATES = ("queued", "running", "done", "failed")


class Job(Base):
    """One piece of long work: what it is, who asked, how far it is, and how it ended.

    `params` are what the work needs (JSON), `details` what it reports (an import's
    report), `error`/`error_code` why it failed (English and the message's code, so
    that pages show the Chinese). `attempts` counts the runs a worker began: more
    than one means a worker died and the queue retried the job.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="known_state"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)  # a user's id
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    result_url: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[Any | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200))  # host:pid of the last run
    queue_id: Mapped[int | None] = mapped_column(BigInteger)  # procrastinate's job id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobFile(Base):
    """A file a job takes (an upload) or makes (a ZIP), in parts of at most PART_BYTES."""

    __tablename__ = "job_files"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ScheduleRun(Base):
    """A scheduled job's claim on a day: whoever inserts it first runs that day's job."""

    __tablename__ = "schedule_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str] = mapped_column(String(200))
