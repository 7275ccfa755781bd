"""A job runs once however often a worker starts it; the daily run happens once per day.

On the suite's database kind (SQLite by default, PostgreSQL with DATABASE_URL),
with committed data of its own (scratch_url): the runner a worker calls, without
procrastinate around it, so that both databases hold the same promises.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from haiyan_comp.app import create_app
from haiyan_comp.errors import NotFound
from haiyan_comp.operations import jobs as operations
from haiyan_comp.operations.ledger import verify_books
from haiyan_comp.queue import runner
from tests.api.test_money_concurrency import prepared

SETTLE = {"year": 2018, "as_of": "2019-01-15", "by": "test", "result_url": "/finance/settlement"}


@pytest.fixture
def county(scratch_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The worked example, audited and configured, committed in a database of its own."""
    prepared(scratch_url, tmp_path)
    app = create_app({"DATABASE_URL": scratch_url}, web=False)
    with app.app_context():
        yield app
    app.extensions["haiyan_db"]["engine"].dispose()


def test_a_settlement_job_run_again_settles_nothing_twice(county: Flask) -> None:
    operations.pay_due_once("pay-due-instalments", date(2018, 12, 31), "test")
    operations.start_job("settle-1", "settlement", "2018", None, SETTLE, queued=False)
    assert runner.execute("settle-1", "worker-a") == "done"
    assert runner.execute("settle-1", "worker-b") == "skipped"  # a retry after it finished
    done = operations.job("settle-1")
    assert (done.state, done.attempts, done.result_url) == ("done", 1, "/finance/settlement")
    operations.start_job("settle-2", "settlement", "2018", None, SETTLE, queued=False)
    assert runner.execute("settle-2") == "failed"  # a second settlement of the year is refused
    refused = operations.job("settle-2")
    assert refused.error_code is not None and refused.error_code["code"] == "already_settled"
    assert verify_books() == []


def test_the_daily_run_pays_once_a_day_however_many_run_it(county: Flask) -> None:
    first = operations.pay_due_once("pay-due-instalments", date(2018, 12, 31), "machine-1")
    again = operations.pay_due_once("pay-due-instalments", date(2018, 12, 31), "machine-2")
    assert first is not None and len(first) == 8  # 2 institutions × 4 instalments
    assert again is None
    assert operations.pay_due_once("pay-due-instalments", date(2019, 1, 1), "machine-2") == []


def test_an_upload_is_kept_in_parts_and_read_back_whole(
    county: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haiyan_comp.jobs import services

    monkeypatch.setattr(services, "PART_BYTES", 1000)
    content = bytes(range(256)) * 30  # 7,680 bytes: 8 parts
    operations.start_job("up-1", "import", "u", None, {}, upload=io.BytesIO(content), queued=False)
    info = operations.file_info(operations.UPLOAD, "up-1")
    assert (info.size, info.parts) == (len(content), 8)
    assert io.BufferedReader(operations.StoredFile(info), 300).read() == content
    assert operations.clean_jobs(0) >= 1  # cleaning takes the job and its files
    with pytest.raises(NotFound):
        operations.file_info(operations.UPLOAD, "up-1")


def test_the_daily_run_waits_for_six_in_the_county_and_then_runs_once(
    county: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers' periodic task (every 10 minutes) and `haiyan scheduler run` share one claim."""
    from datetime import UTC, datetime

    from haiyan_comp import clock, scheduler
    from haiyan_comp.queue import worker

    # 2018-12-31 05:50 in Asia/Shanghai is 21:50 UTC the day before.
    monkeypatch.setattr(clock, "now", lambda: datetime(2018, 12, 30, 21, 50, tzinfo=UTC))
    assert worker.run_daily() is None  # not yet six in the county
    monkeypatch.setattr(clock, "now", lambda: datetime(2018, 12, 30, 22, 10, tzinfo=UTC))
    assert worker.run_daily() == 8  # 06:10 on the 31st: every instalment due, paid
    assert worker.run_daily() is None  # ten minutes later, on another worker: already run
    assert scheduler.run_daily() == 0  # and a scheduler on a third machine


def test_a_workers_import_job_recounts_the_checks_once_it_is_done(county: Flask) -> None:
    """What a bulk load left for later is recounted by the worker after the job, not by the
    auditor's first look at the flags; the periodic task catches up what the CLI left."""
    from haiyan_comp.db import db
    from haiyan_comp.operations.audit import catch_up_flag_totals
    from haiyan_comp.records import day_totals

    def due() -> list[int]:
        with county.app_context():
            return day_totals.due_years(db.session)

    with county.app_context():
        day_totals.leave_for_first_read(db.session, [2018])
        db.session.commit()
    rows = "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
    rows += "Q-1,HY01,S1,OP,2018-06-01,R-Q1,1\n"
    params = {
        "filename": "q.csv", "size": len(rows), "strict": False, "by": "test", "code": "HY01",
        "chunk_rows": 1000, "today": "2019-01-10", "report_url": "/centre/imports/JOB-ID",
    }  # fmt: skip
    upload = io.BytesIO(rows.encode())
    operations.start_job("imp-1", "import", "q", None, params, upload=upload, queued=False)
    assert due() == [2018]
    assert runner.execute("imp-1", "worker-a") == "done"
    assert operations.job("imp-1").details["imported"] == 1
    assert due() == []
    with county.app_context():
        day_totals.leave_for_first_read(db.session, [2018])
        db.session.commit()
    assert catch_up_flag_totals() == [2018] and catch_up_flag_totals() == []
    assert due() == []
