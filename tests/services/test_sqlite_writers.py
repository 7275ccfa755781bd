"""Many writers at once through the app queue for the database; none is answered 500.

On SQLite a transaction that read first and then writes fails at once with
"database is locked" when another connection committed in between; units of
work therefore take the write lock when they start (db.py). Real threads,
each with its own connection, send pay sheets and assessments at the same
moment to an app on a database file; every request succeeds, and each trail
of changes is one unbroken chain (every change saw the one before it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.app import create_app
from haiyan_comp.bonus.models import Assessment
from haiyan_comp.budget.models import ConfigChange
from haiyan_comp.db import WRITE_LOCK, db, make_engine
from haiyan_comp.institutions.models import Institution
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn, configure_2018, run
from tests.web.conftest import csrf_token, sign_in
from tests.web.test_api_helpers import bearer, token

pytestmark = pytest.mark.slow

WRITERS = 60
PASSWORD = "amber-tidal-orchard-41"


@pytest.fixture
def settled_app(
    scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """The worked example settled and assessed, committed in a database of its own."""
    monkeypatch.setenv("HAIYAN_INSTANCE", str(tmp_path / "instance"))
    app = create_app(
        {
            "DATABASE_URL": scratch_url,
            "SECRET_KEY": "tests-only",
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    runner = app.test_cli_runner()
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)
    run(runner, "prepay", "run", "--as-of", "2018-12-31")
    run(runner, "settle", "2018", "--as-of", "2019-01-15")
    for code in ("HY01", "HY02"):
        run(runner, "assess", "set", "2018", "--institution", code,
            "--score", "962.50", "--surplus", "300000")  # fmt: skip
    app.config["TOKENS"] = {
        "finance": token(runner, "finance"),
        "centre": token(runner, "centre", "HY01"),
    }
    created = runner.invoke(
        args=["users", "create", "fin", "--role", "finance", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0, created.output
    yield app
    app.extensions["haiyan_db"]["engine"].dispose()


def at_once(app: Flask, calls: list[Callable[[Any], Any]]) -> list[int]:
    """Each call in its own thread and test client, released together; the statuses."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = [0] * len(calls)

    def work(index: int) -> None:
        client = app.test_client()
        barrier.wait()
        statuses[index] = calls[index](client).status_code

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def trail(app: Flask, subject: str) -> list[tuple[str | None, str]]:
    """(old, new) of every change of `subject`, in the order they were committed."""
    engine = make_engine(app.config["DATABASE_URL"])
    with Session(engine) as session:
        rows = session.execute(
            select(ConfigChange.old, ConfigChange.new)
            .where(ConfigChange.subject == subject)
            .order_by(ConfigChange.id)
        ).all()
    engine.dispose()
    return [(old, new) for old, new in rows]


def unbroken(changes: list[tuple[str | None, str]]) -> bool:
    """Each change starts from the value the one before it left."""
    return all(old == before for (_, before), (old, _) in pairwise(changes))


def test_sixty_pay_sheets_and_assessments_at_once_all_succeed(settled_app: Flask) -> None:
    tokens = settled_app.config["TOKENS"]

    def pay_sheet(n: int) -> Callable[[Any], Any]:
        return lambda client: client.post(
            "/api/v1/years/2018/paysheets/HY01",
            json={"performance_pay": f"{10000 + n}.00"},
            headers=bearer(tokens["centre"]),
        )

    def assessment(n: int) -> Callable[[Any], Any]:
        return lambda client: client.put(
            "/api/v1/years/2018/assessments/HY02",
            json={"score": f"{900 + n}.00", "surplus": "1000.00"},
            headers=bearer(tokens["finance"]),
        )

    calls = [pay_sheet(n) if n % 2 else assessment(n) for n in range(WRITERS)]
    statuses = at_once(settled_app, calls)

    assert statuses == [200] * WRITERS
    sheets = trail(settled_app, "pay sheet HY01")
    assessed = trail(settled_app, "assessment HY02")
    assert len(sheets) == WRITERS // 2 and len(assessed) == 1 + WRITERS // 2  # 1: the CLI's
    if settled_app.config["DATABASE_URL"].startswith("sqlite"):
        # Writers ran one after another. (PostgreSQL's READ COMMITTED lets two pay
        # sheets read the same "old" value: the services take no lock for it.)
        assert sheets[0][0] is None and unbroken(sheets) and unbroken(assessed)
    with settled_app.app_context():
        stored = db.session.scalar(
            select(Assessment)
            .join(Institution, Institution.id == Assessment.institution_id)
            .where(Institution.code == "HY02")
        )
        assert stored is not None
        assert assessed[-1][1] == f"score {stored.score // 100}.00, surplus 1000.00"


def test_thirty_officers_save_assessments_from_the_page_at_once(settled_app: Flask) -> None:
    """The page reads (year, institutions, stored values) before its unit of work writes."""
    browsers = []
    for _ in range(WRITERS // 2):
        browser = settled_app.test_client()
        sign_in(browser, "fin", PASSWORD)
        browsers.append((browser, csrf_token(browser)))

    def save(n: int) -> Callable[[Any], Any]:
        browser, csrf = browsers[n]
        form = {"csrf_token": csrf, "score-HY01": f"{900 + n}.00", "surplus-HY01": "1000.00"}
        return lambda _client: browser.post("/finance/assessments?year=2018", data=form)

    statuses = at_once(settled_app, [save(n) for n in range(len(browsers))])

    assert statuses == [302] * len(browsers)  # saved, back to the page
    assessed = trail(settled_app, "assessment HY01")
    assert len(assessed) == 1 + len(browsers)
    if settled_app.config["DATABASE_URL"].startswith("sqlite"):
        assert unbroken(assessed)


def test_a_reader_does_not_wait_while_a_writer_holds_the_lock(settled_app: Flask) -> None:
    """Reads never take the write lock, and the token's last-use note is skipped, not awaited."""
    holder = make_engine(settled_app.config["DATABASE_URL"])
    if holder.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    tokens = settled_app.config["TOKENS"]
    with holder.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        # Holds the lock as a long import does; the token was never used, so it is due a note.
        started = time.monotonic()
        reader = settled_app.test_client()
        response = reader.get("/api/v1/years/2018/bonus", headers=bearer(tokens["finance"]))
        took = time.monotonic() - started
    holder.dispose()
    assert response.status_code == 200 and took < 5  # busy_timeout is 30 s


@pytest.mark.parametrize(
    "args",
    [
        ["units", "--year", "2018", "--json"],
        ["audit", "list", "--year", "2018", "--json"],
        ["audit", "findings", "--year", "2018", "--json"],
        ["users", "list"],
    ],
)
def test_a_command_that_only_reads_does_not_wait_behind_a_writer(
    settled_app: Flask, args: list[str]
) -> None:
    """`haiyan units` during a long import answers at once, as before writers took the lock."""
    holder = make_engine(settled_app.config["DATABASE_URL"])
    if holder.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    with holder.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        started = time.monotonic()
        result = settled_app.test_cli_runner().invoke(args=args)
        took = time.monotonic() - started
    holder.dispose()
    assert result.exit_code == 0, result.output
    assert took < 5  # a write lock would have waited busy_timeout (30 s), then failed
