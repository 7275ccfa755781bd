"""Money commands as users run them: bad input, refusals, closed years, the ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from haiyan_comp.ledger.models import LedgerEntry
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn, configure_2018, configure_2019, run
from tests.services.helpers import HEADER

CONFIGURE = [
    "year",
    "configure",
    "2018",
    "--budget",
    "2000",
    "--unit-price",
    "10.00",
    "--prepay-ratio",
    "0.80",
    "--instalments",
    "4",
]


def fails(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 1, (args, result.output)
    return result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--budget", "-1"), "budget must not be negative"),
        (("--budget", "abc"), "budget must be a decimal number like 12.50, got 'abc'"),
        (("--unit-price", "10.005"), "unit price has more than 2 decimal places: 10.005"),
        (("--prepay-ratio", "0"), "prepay ratio: must be above 0 and at most 1 (R10)"),
        (("--prepay-ratio", "1.5"), "prepay ratio: must be above 0 and at most 1 (R10)"),
        (("--instalments", "5"), "instalments: must be one of 1, 2, 3, 4, 6, 12, got 5 (R10)"),
    ],
)
def test_bad_configuration_is_refused_and_nothing_changes(
    runner: FlaskCliRunner, change: tuple[str, str], message: str
) -> None:
    args = list(CONFIGURE)
    args[args.index(change[0]) + 1] = change[1]
    assert message in fails(runner, *args)
    assert "is not configured" in fails(runner, "prepay", "schedule", "--year", "2018")


def test_price_needs_exactly_one_mode(runner: FlaskCliRunner) -> None:
    args = [*CONFIGURE, "--floating-price"]
    assert "exactly one of --unit-price P or --floating-price" in fails(runner, *args)


def test_schedule_fields_freeze_after_the_first_payment(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    load_example(runner, tmp_path)
    run(runner, *CONFIGURE)
    run(runner, "prepay", "run", "--as-of", "2018-01-01")
    changed = list(CONFIGURE)
    changed[changed.index("--budget") + 1] = "2500"
    assert "budget can no longer change" in fails(runner, *changed)
    changed = [*CONFIGURE, "--risk-fund", "500"]
    run(runner, *changed)  # the risk fund does not change paid amounts


def test_settlement_refusals(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    assert "year 2018 is not configured" in fails(runner, "settle", "2018", "--as-of", "2019-01-15")
    run(runner, *CONFIGURE)
    assert "on or after 2019-01-01, not as of 2018-12-31" in fails(
        runner, "settle", "2018", "--as-of", "2018-12-31"
    )
    drawn = run(
        runner,
        "audit",
        "draw",
        "--year",
        "2018",
        "--institution",
        "HY01",
        "--item",
        "OP",
        "--size",
        "1",
        "--seed",
        "s",
        "--json",
    )
    assert f"open audit batches ({drawn['batch']})" in fails(
        runner, "settle", "2018", "--as-of", "2019-01-15"
    )
    run(
        runner,
        "year",
        "configure",
        "2017",
        "--budget",
        "1",
        "--unit-price",
        "1",
        "--prepay-ratio",
        "1",
        "--instalments",
        "1",
    )  # configuring an empty year is fine
    assert "year 2017 has no service records" in fails(
        runner, "settle", "2017", "--as-of", "2018-01-15"
    )


def test_a_settled_year_is_closed_to_every_change(runner: FlaskCliRunner, tmp_path: Path) -> None:
    paths = load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)
    run(runner, "settle", "2018", "--as-of", "2019-01-15")
    assert "year 2018 is already settled" in fails(
        runner, "settle", "2018", "--as-of", "2019-02-01"
    )
    assert "year 2018 is settled" in fails(runner, *CONFIGURE)
    assert "year 2018 is settled" in fails(
        runner, "catalog", "load", str(paths["catalogue"]), "--year", "2018"
    )
    assert "year 2018 is settled" in fails(
        runner,
        "audit",
        "draw",
        "--year",
        "2018",
        "--institution",
        "HY02",
        "--item",
        "OP",
        "--size",
        "1",
        "--seed",
        "late",
    )
    late = tmp_path / "late.csv"
    late.write_text(HEADER + "LATE1,HY01,S1,OP,2018-12-30,,1\n", encoding="utf-8")
    result = runner.invoke(args=["records", "import", str(late), "--json", "--as-of", "2019-02-01"])
    assert result.exit_code == 3
    reasons = json.loads(result.stdout)["rejected"][0]["reasons"]
    assert any("year 2018 is settled" in r and "(R15)" in r for r in reasons)
    # corrections go in an open year, as adjustments with a reason
    configure_2019(runner)
    run(
        runner,
        "adjust",
        "2019",
        "--institution",
        "HY02",
        "--amount",
        "-12.50",
        "--corrects",
        "2018",
        "--reason",
        "late audit finding",
    )
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    entries = run(runner, "ledger", "--year", "2019", "--json")["entries"]
    assert entries[-1]["kind"] == "adjustment" and entries[-1]["postings"]["debt:HY02"] == "12.50"


def test_the_ledger_is_append_only(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    load_example(runner, tmp_path)
    run(runner, *CONFIGURE)
    run(runner, "prepay", "run", "--as-of", "2018-01-01")
    entry = session.scalars(select(LedgerEntry)).first()
    assert entry is not None
    entry.amount = 1
    with pytest.raises(Exception, match="append-only"):
        session.flush()
    session.rollback()


def test_postgres_refuses_ledger_updates_in_sql(
    session: Session, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """The database itself refuses to change or delete ledger rows: PostgreSQL's triggers
    (migration 0003) and SQLite's (0012), whatever the application does."""
    load_example(runner, tmp_path)
    run(runner, *CONFIGURE)
    run(runner, "prepay", "run", "--as-of", "2018-01-01")
    nested = session.begin_nested()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("UPDATE ledger_entries SET amount = 0"))
    nested.rollback()
    nested = session.begin_nested()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("DELETE FROM ledger_postings"))
    nested.rollback()


def test_verify_names_a_broken_entry(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    load_example(runner, tmp_path)
    run(runner, *CONFIGURE)
    run(runner, "prepay", "run", "--as-of", "2018-01-01")
    entry_id = session.scalars(select(LedgerEntry.id)).first()
    session.execute(
        text("INSERT INTO ledger_postings (entry_id, account, amount) VALUES (:e, 'cash', 1)"),
        {"e": entry_id},
    )
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"entry {entry_id} does not balance: its postings sum to 0.01" in result.stderr


def test_the_scheduler_job_pays_what_is_due_once(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    run(runner, *CONFIGURE)
    first = runner.invoke(args=["scheduler", "run", "--once"])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "8 instalments paid"  # today is past every 2018 due date
    assert runner.invoke(args=["scheduler", "run", "--once"]).stdout.strip() == "0 instalments paid"
