"""Writers at the same moment never fork the chain: each entry chains to the one before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from haiyan_comp.ledger.models import LedgerEntry
from haiyan_comp.ledger.services import post
from haiyan_comp.operations.ledger import books_problems
from tests.concurrency import at_once
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.slow
WRITERS = 4
ENTRIES = 5  # each


def book(session: Session, writer: int) -> None:
    for n in range(ENTRIES):
        post(session, kind="adjustment", year=2019, institution_id=None, amount=100 + n,
             reason=f"corrects 2018: writer {writer}, entry {n}", by=f"cli:writer{writer}",
             postings={"adjustment:2018": 100 + n, "cash": -(100 + n)})  # fmt: skip


def test_writers_at_once_keep_one_chain(scratch_url: str, tmp_path: Path) -> None:
    errors = at_once(scratch_url, [lambda s, w=w: book(s, w) for w in range(WRITERS)])
    if ON_POSTGRES:
        assert errors == []  # the ledger's lock makes them wait for each other
    else:  # SQLite lets one write at a time; a session that read first may be refused
        assert all("locked" in str(e) for e in errors), errors
    engine = create_engine(scratch_url)
    try:
        with Session(engine) as session:
            booked = session.scalar(select(func.count()).select_from(LedgerEntry))
            assert booked == (WRITERS - len(errors)) * ENTRIES
            assert books_problems(session) == []
    finally:
        engine.dispose()
