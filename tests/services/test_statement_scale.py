"""Statements at a county's scale (issue 13): the year read once, never the records.

All nine statements (`haiyan statement Y --all`, the finance ZIP job) come from
`settlement_statements`, which reads each table once for the whole year; a
single statement reads the year's running totals, never the records or the
audit populations (whose size grows with the county). Both give exactly the
figures one `settlement_statement` per institution gives, and R17's cap equals
`haiyan bonus`'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.statements.figures import (
    settled_codes,
    settlement_statement,
    settlement_statements,
)

NOW = datetime(2019, 1, 20, 9, 30, tzinfo=UTC)
GROWING = ("service_records", "audit_population")  # tables that grow with the records


def cli(runner: FlaskCliRunner, *args: str) -> Any:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def settled_county(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo county (nine institutions) settled; HY01 assessed above 950, HY04 below."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    cli(runner, "demo", "--records", "1500")
    cli(runner, "prepay", "run", "--as-of", "2018-12-31")
    cli(runner, "settle", "2018", "--as-of", "2019-01-15")
    for code, score in (("HY01", "962.50"), ("HY04", "949.99")):
        cli(runner, "assess", "set", "2018", "--institution", code, "--score", score,
            "--surplus", "300000")  # fmt: skip


@contextmanager
def statements_sent(connection: Connection) -> Iterator[list[str]]:
    """Every SQL statement sent on the test's connection while the block runs."""
    sent: list[str] = []

    def note(*args: Any) -> None:
        sent.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", note)


@pytest.mark.usefixtures("settled_county")
def test_all_statements_at_once_have_each_statements_figures(
    session: Session, runner: FlaskCliRunner
) -> None:
    every_one = settlement_statements(session, 2018, "海盐县", NOW)
    codes = settled_codes(session, 2018)
    assert [s.institution_code for s in every_one] == codes and len(codes) == 9
    for batch in every_one:
        single = settlement_statement(session, 2018, batch.institution_code, "海盐县", NOW)
        assert batch == single
    bonus = json.loads(cli(runner, "bonus", "2018", "--json").stdout)["institutions"]
    caps = {b["code"]: (b["score"], b["cap"]) for b in bonus}
    for statement in every_one:
        score, cap = caps[statement.institution_code]
        if score is None:  # not assessed: no score, no cap on the statement
            assert statement.score is None and statement.bonus_cap is None
        else:
            assert statement.score is not None and statement.bonus_cap is not None
            assert (fmt(statement.score), fmt(statement.bonus_cap)) == (score, cap)
    assert caps["HY01"] == ("962.50", "150000.00") and caps["HY04"] == ("949.99", "0.00")


@pytest.mark.usefixtures("settled_county")
def test_all_statements_read_each_table_once_and_never_the_records(
    session: Session, connection: Connection
) -> None:
    with statements_sent(connection) as sent:
        settlement_statements(session, 2018, "海盐县", NOW)
    selects = [s for s in sent if s.startswith("SELECT")]
    # about a dozen for the year; one more per institution would make it 21 or more
    assert len(selects) <= 15, "\n\n".join(selects)
    assert not [s for s in sent if any(table in s for table in GROWING)]


@pytest.mark.usefixtures("settled_county")
def test_one_statement_reads_the_running_totals_not_the_records(
    session: Session, connection: Connection
) -> None:
    with statements_sent(connection) as sent:
        statement = settlement_statement(session, 2018, "HY01", "海盐县", NOW)
    assert statement.bonus_cap == 15_000_000
    assert not [s for s in sent if any(table in s for table in GROWING)], sent


@pytest.mark.usefixtures("settled_county")
def test_every_file_of_all_verifies(runner: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "all"
    cli(runner, "statement", "2018", "--all", "--out", str(out))
    files = sorted(out.glob("*.pdf"))
    assert [f.name for f in files] == [f"statement-2018-HY0{n}.pdf" for n in range(1, 10)]
    for path in files:
        assert "matches the database" in cli(runner, "statement", "verify", str(path)).output
