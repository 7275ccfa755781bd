"""The scheduler proves the books every night, and the ledger page says when it last did."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from haiyan_comp import scheduler
from haiyan_comp.db import db
from haiyan_comp.ledger.queries import books_check
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import configure_2018, run


def test_the_nightly_check_is_scheduled_and_kept(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    assert [job_id for _job, _trigger, job_id in scheduler.jobs()] == [
        scheduler.DAILY,
        scheduler.NIGHTLY,
        scheduler.CHECKS,
    ]
    trigger = next(t for _job, t, job_id in scheduler.jobs() if job_id == scheduler.NIGHTLY)
    assert (str(trigger.fields[5]), str(trigger.fields[6])) == ("2", "30")  # hour, minute
    load_example(runner, tmp_path)
    configure_2018(runner)
    run(runner, "prepay", "run", "--as-of", "2018-10-01", "--json")
    with app.app_context():
        assert books_check(db.session).checked_at is None
        assert scheduler.check_books() == 0
        kept = books_check(db.session)
    assert kept.verified and kept.since == 0 and kept.checked_at is not None


def test_the_scheduler_of_any_machine_is_named_in_words() -> None:
    from haiyan_comp.ledger.descriptions import who_name

    assert who_name("scheduler@web-2", {}).text("zh") == who_name("scheduler", {}).text("zh")
    assert who_name("scheduler@web-2", {}).text("zh") != "scheduler@web-2"
