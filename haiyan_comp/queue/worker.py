"""`haiyan worker`: take jobs from procrastinate's queue and run them; run the daily schedule.

Why procrastinate: its queue is tables and functions in the PostgreSQL the
county already runs (no Redis or broker to install, back up and watch), a job
is queued on the request's own connection so that the job and the request
commit together, and it has what a queue must have: workers on any number of
machines taking each job once (FOR UPDATE SKIP LOCKED), LISTEN/NOTIFY so that a
queued job starts at once, retries, heartbeats and periodic tasks that are
deferred once whatever the number of workers.

A worker that dies (SIGKILL, a power cut) stops beating. Every worker looks for
jobs left "doing" by a worker silent for STALLED_AFTER seconds, every
WATCH_EVERY seconds, and puts them back on the queue: another worker runs them
from the start, and since a job's work and its "done" commit together
(operations.jobs.run_and_finish), nothing is done twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate
from flask import Flask

from haiyan_comp import clock
from haiyan_comp.jobs.queue import DAILY_TASK, QUEUE, TASK, conninfo
from haiyan_comp.operations.audit import catch_up_flag_totals
from haiyan_comp.operations.jobs import clean_jobs, pay_due_once
from haiyan_comp.queue import runner

log = logging.getLogger(__name__)

HEARTBEAT = 2.0  # seconds between a worker's heartbeats
STALLED_AFTER = 10.0  # a worker silent this long is dead: its jobs go back on the queue
WATCH_EVERY = 3.0  # how often every worker looks for such jobs
DAILY = "pay-due-instalments"
DAILY_HOUR = 6  # the county's hour from which the day's prepayment run is due


def build(flask_app: Flask) -> procrastinate.App:
    """A procrastinate app with our tasks, on the app's database."""
    queue = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo(flask_app.config["DATABASE_URL"])
        )
    )

    @queue.task(name=TASK, queue=QUEUE)
    def run_job(job_id: str) -> None:
        with flask_app.app_context():
            log.info("job %s: %s", job_id, runner.execute(job_id))

    # Every 10 minutes: the day's prepayment run once it is due (claimed once per day),
    # jobs older than JOB_FILES_DAYS deleted with their files, and the checks' totals of
    # years a bulk load left for later (a load by `haiyan import` or the API) recounted.
    @queue.periodic(cron="*/10 * * * *", periodic_id="daily")
    @queue.task(name=DAILY_TASK, queue=QUEUE)
    def daily(timestamp: int) -> None:
        with flask_app.app_context():
            run_daily()
            clean_jobs(float(flask_app.config.get("JOB_FILES_DAYS", 7)))
            recounted = catch_up_flag_totals()
            if recounted:
                log.info("checks' totals recounted for %s", recounted)

    del run_job, daily  # registered with the app
    return queue


def run_daily(by: str = "scheduler") -> int | None:
    """The day's prepayment run, if it is due and nobody ran it today; how many were paid."""
    moment = clock.county_time(clock.now())
    if moment.hour < DAILY_HOUR:
        return None
    paid = pay_due_once(DAILY, moment.date(), by)
    if paid is not None:
        log.info("prepayment run of %s: %d instalments paid", moment.date(), len(paid))
    return None if paid is None else len(paid)


async def watch_stalled(queue: procrastinate.App) -> None:
    """Put the jobs of dead workers back on the queue (see the module's docstring)."""
    manager = queue.job_manager
    while True:
        await asyncio.sleep(WATCH_EVERY)
        try:
            stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER)
            for job in stalled:
                log.warning("job %s of a silent worker goes back on the queue", job.id)
                await manager.retry_job(job)
        except Exception:  # a lost connection: try again next time
            log.exception("looking for stalled jobs failed")


def run(flask_app: Flask, concurrency: int = 1, name: str | None = None) -> None:
    """Run a worker until SIGINT or SIGTERM (it finishes the jobs it has begun)."""
    queue = build(flask_app)
    options: dict[str, Any] = {
        "queues": [QUEUE],
        "concurrency": concurrency,
        "update_heartbeat_interval": HEARTBEAT,
        "stalled_worker_timeout": STALLED_AFTER,
        "delete_jobs": "successful",
    }
    if name:
        options["name"] = name

    async def main() -> None:
        async with queue.open_async():
            watcher = asyncio.create_task(watch_stalled(queue))
            try:
                await queue.run_worker_async(**options)
            finally:
                watcher.cancel()

    asyncio.run(main())
