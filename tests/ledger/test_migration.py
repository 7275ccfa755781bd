"""Migration 0012 gives books kept before it the same chain the application books now:
every entry's code, parameters and hash, and each settled year's seal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from haiyan_comp import migrate
from haiyan_comp.app import create_app
from tests.ledger.test_books import worked_example_books

BEFORE_0012 = "0012_ledger_chain-1"


def books(url: str) -> tuple[list[Any], list[Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            entries = conn.execute(
                text("SELECT id, code, params, hash FROM ledger_entries ORDER BY id")
            ).all()
            seals = conn.execute(
                text("SELECT year, entry_id, hash FROM ledger_seals ORDER BY year")
            ).all()
    finally:
        engine.dispose()
    return [tuple(row) for row in entries], [tuple(row) for row in seals]


def test_the_migration_rebuilds_the_chain_the_application_booked(
    scratch_url: str, tmp_path: Path
) -> None:
    app = create_app({"DATABASE_URL": scratch_url, "TESTING": True, "SECRET_KEY": "tests-only"})
    try:
        worked_example_books(app.test_cli_runner(), tmp_path)
    finally:
        app.extensions["haiyan_db"]["engine"].dispose()
    booked = books(scratch_url)
    assert len(booked[0]) == 15 and len(booked[1]) == 1

    migrate.downgrade(scratch_url, BEFORE_0012)  # the books as they were kept before
    migrate.upgrade(scratch_url)
    assert books(scratch_url) == booked

    app = create_app({"DATABASE_URL": scratch_url, "TESTING": True, "SECRET_KEY": "tests-only"})
    try:
        verified = app.test_cli_runner().invoke(args=["ledger", "verify"])
    finally:
        app.extensions["haiyan_db"]["engine"].dispose()
    assert verified.exit_code == 0, verified.output
