"""The scheduler: one list of (job, trigger, id), started only on purpose.

`haiyan scheduler run` starts it in its own process; it never starts inside
create_app, so web workers never run jobs. Jobs are plain functions that are
safe to run twice (R12 pays each instalment at most once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import current_app

log = logging.getLogger(__name__)


def run_job() -> int:
    """Pay the instalments due today, in one unit of work; return how many were paid."""
    from haiyan_comp.operations.budget import pay_instalments

    paid = pay_instalments(date.today(), "scheduler")
    log.info("prepayment run: %d instalments paid", len(paid))
    return len(paid)


JOBS: list[tuple[Callable[[], int], CronTrigger, str]] = [
    (run_job, CronTrigger(hour=6, minute=0), "pay-due-instalments"),
]


def run_forever() -> None:
    """Run every job now, then on its trigger, until interrupted."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def in_app(job: Callable[[], int]) -> Callable[[], None]:
        def wrapped() -> None:
            with app.app_context():
                job()

        return wrapped

    scheduler = BlockingScheduler(job_defaults={"coalesce": True, "max_instances": 1})
    for job, trigger, job_id in JOBS:
        scheduler.add_job(in_app(job), trigger, id=job_id, replace_existing=True)
        in_app(job)()
    scheduler.start()
