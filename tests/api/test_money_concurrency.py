"""Two prepayment runs, or two settlements, at the same moment pay exactly once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from haiyan_comp.app import create_app
from haiyan_comp.budget.models import Instalment
from haiyan_comp.ledger.models import LedgerEntry
from haiyan_comp.operations.budget import pay_due_instalments
from haiyan_comp.operations.ledger import books_problems
from haiyan_comp.settlement.models import Settlement
from haiyan_comp.settlement.services import settle_year
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn, configure_2018
from tests.concurrency import at_once

pytestmark = pytest.mark.slow


def prepared(url: str, tmp_path: Path) -> None:
    """The worked example, audited and configured, committed in its own database."""
    app = create_app({"DATABASE_URL": url})
    runner = app.test_cli_runner()
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)
    app.extensions["haiyan_db"]["engine"].dispose()


def count(url: str, model: Any) -> int:
    engine = create_engine(url)
    with Session(engine) as session:
        result = session.scalar(select(func.count()).select_from(model)) or 0
        problems = books_problems(session)
    engine.dispose()
    assert problems == []
    return result


def test_two_prepayment_runs_at_once_pay_once(scratch_url: str, tmp_path: Path) -> None:
    prepared(scratch_url, tmp_path)
    errors = at_once(
        scratch_url, [lambda s: pay_due_instalments(s, date(2018, 12, 31), "race")] * 3
    )
    assert errors == []
    assert count(scratch_url, Instalment) == 8  # 2 institutions × 4 instalments
    assert count(scratch_url, LedgerEntry) == 8


def test_two_settlements_at_once_settle_once(scratch_url: str, tmp_path: Path) -> None:
    prepared(scratch_url, tmp_path)
    assert at_once(scratch_url, [lambda s: pay_due_instalments(s, date(2018, 12, 31), "run")]) == []
    errors = at_once(scratch_url, [lambda s: settle_year(s, 2018, date(2019, 1, 15), "race")] * 2)
    assert len(errors) == 1 and "already settled" in str(errors[0])
    assert count(scratch_url, Settlement) == 2
