"""The scheduler: one list of (job, trigger, id), started only on purpose.

`haiyan scheduler run` starts it in its own process; it never starts inside
create_app, so web workers never run jobs. The daily prepayment run claims the
county's day in the database before it pays (operations.jobs.pay_due_once),
in the same transaction: however many schedulers run, on however many machines
(and the workers' periodic task of the queue, haiyan_comp/queue/worker.py),
the day's run happens once. Paying is safe to repeat anyway (R12 pays each
instalment at most once).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import current_app

from haiyan_comp import clock

log = logging.getLogger(__name__)
DAILY = "pay-due-instalments"
NIGHTLY = "check-the-books"
CHECKS = "recount-checks"


def run_job() -> int:
    """Pay the instalments due today (the county's day), in one unit of work; how many."""
    from haiyan_comp.operations.budget import pay_instalments

    paid = pay_instalments(clock.today(), "scheduler")
    log.info("prepayment run: %d instalments paid", len(paid))
    return len(paid)


def run_daily() -> int:
    """Today's prepayment run unless a scheduler or worker ran it today; how many were paid."""
    from haiyan_comp.operations.jobs import pay_due_once

    by = f"scheduler@{socket.gethostname()}"
    paid = pay_due_once(DAILY, clock.today(), by)
    if paid is None:
        log.info("prepayment run of %s: already run today", clock.today())
        return 0
    log.info("prepayment run of %s: %d instalments paid", clock.today(), len(paid))
    return len(paid)


def check_books() -> int:
    """The nightly `ledger verify`: recompute the chain, postings, balances and invariants and
    keep the result, so the ledger page says when the books were last proven and what broke;
    how many problems were found. A read and one row: harmless if two schedulers both run it."""
    from haiyan_comp.operations.ledger import verify_books

    problems = verify_books(f"scheduler@{socket.gethostname()}")
    if problems:
        log.error("ledger check: %d problems, the first: %s", len(problems), problems[0])
    else:
        log.info("ledger check: the books verify")
    return len(problems)


def recount_checks() -> int:
    """Recount the checks' totals of every year a bulk load left for later (a load by
    `haiyan import` or the API), so that no auditor's first look at the flags waits for it;
    how many years. Two schedulers at once recount each year once (the records lock)."""
    from haiyan_comp.operations.audit import catch_up_flag_totals

    recounted = catch_up_flag_totals()
    if recounted:
        log.info("checks' totals recounted for %s", recounted)
    return len(recounted)


def jobs() -> list[tuple[Callable[[], int], CronTrigger, str]]:
    """The scheduled jobs, on the county's clock (HAIYAN_TIMEZONE): the prepayment run at
    06:00, the books' check at 02:30, the checks' totals every 10 minutes."""
    zone = clock.county_zone()
    return [
        (run_daily, CronTrigger(hour=6, minute=0, timezone=zone), DAILY),
        (check_books, CronTrigger(hour=2, minute=30, timezone=zone), NIGHTLY),
        (recount_checks, CronTrigger(minute="*/10", timezone=zone), CHECKS),
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
    for job, trigger, job_id in jobs():
        scheduler.add_job(in_app(job), trigger, id=job_id, replace_existing=True)
        in_app(job)()
    scheduler.start()
