"""The queue (procrastinate, in the county's PostgreSQL): a job queued in the caller's transaction.

Procrastinate keeps its queue in tables of the same database (no new server),
and takes the caller's own connection to defer a job, so the job's row and its
place in the queue commit together with the request that asked for them, or
neither does. The workers (`haiyan worker`, haiyan_comp/queue/worker.py) take
jobs from it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

TASK = "haiyan.run_job"  # the one task: run the job of our jobs table named by job_id
DAILY_TASK = "haiyan.daily"  # the schedule's task (periodic, deferred by the workers)
QUEUE = "haiyan"
SCHEMA_TABLE = "procrastinate_jobs"

if TYPE_CHECKING:  # procrastinate is imported when a job is queued (0.5 s at every start else)
    import procrastinate


def conninfo(url: str) -> str:
    """A libpq connection string from the app's SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@cache
def _deferrer() -> procrastinate.App:
    """An app that only defers, on connections it is given (it opens no pool)."""
    import procrastinate

    return procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


def defer(session: Session, job_id: str) -> int:
    """Queue the job in the session's open transaction; procrastinate's id of it."""
    raw = session.connection().connection.driver_connection
    deferrer = _deferrer().configure_task(TASK, queue=QUEUE, connection=raw)
    queue_id: int = deferrer.defer(job_id=job_id)
    return queue_id


def schema_present(session: Session) -> bool:
    """Whether procrastinate's tables exist (`haiyan db upgrade` creates them on PostgreSQL)."""
    return inspect(session.connection()).has_table(SCHEMA_TABLE)


def apply_schema(url: str) -> bool:
    """Create procrastinate's tables and functions unless they exist; whether it created them.

    Its schema is procrastinate's own (its `schema --apply`), kept beside ours
    rather than in our Alembic history: procrastinate ships the migrations
    between its versions (docs/DEPLOY.md says how to apply them on an upgrade).
    """
    import procrastinate

    connector = procrastinate.SyncPsycopgConnector(conninfo=conninfo(url), min_size=1, max_size=1)
    connector.open()
    try:
        present = connector.execute_query_one(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
        )
        if present["present"]:
            return False
        procrastinate.App(connector=connector).schema_manager.apply_schema()
        return True
    finally:
        connector.close()
