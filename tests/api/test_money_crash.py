"""A payment run or a settlement killed midway leaves nothing half-done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.api.test_money_concurrency import prepared

pytestmark = pytest.mark.slow
HAIYAN = [sys.executable, "-c", "from haiyan_comp.cli import main; main()"]


def haiyan(url: str, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    if fault:
        env["HAIYAN_FAULT"] = fault
    return subprocess.run([*HAIYAN, *args], env=env, capture_output=True, text=True, check=False)


def state(url: str) -> tuple[int, ...]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = tuple(
            conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in (
                "instalments",
                "ledger_entries",
                "ledger_postings",
                "settlements",
                "prepayment_totals",
            )
        )
        settled = conn.execute(
            text("SELECT count(*) FROM years WHERE settled_at IS NOT NULL")
        ).scalar_one()
    engine.dispose()
    return (*counts, settled)


def test_a_killed_prepayment_run_pays_nothing(scratch_url: str, tmp_path: Path) -> None:
    prepared(scratch_url, tmp_path)
    before = state(scratch_url)
    killed = haiyan(
        scratch_url, "prepay", "run", "--as-of", "2018-12-31", fault="prepay:after-an-instalment"
    )
    assert killed.returncode == -signal.SIGKILL
    assert state(scratch_url) == before
    done = haiyan(scratch_url, "prepay", "run", "--as-of", "2018-12-31")
    assert done.returncode == 0, done.stderr
    assert state(scratch_url)[0] == 8
    assert haiyan(scratch_url, "ledger", "verify").returncode == 0


def test_a_killed_settlement_settles_nothing(scratch_url: str, tmp_path: Path) -> None:
    prepared(scratch_url, tmp_path)
    assert haiyan(scratch_url, "prepay", "run", "--as-of", "2018-12-31").returncode == 0
    before = state(scratch_url)
    killed = haiyan(
        scratch_url, "settle", "2018", "--as-of", "2019-01-15", fault="settle:after-an-institution"
    )
    assert killed.returncode == -signal.SIGKILL
    assert state(scratch_url) == before
    done = haiyan(scratch_url, "settle", "2018", "--as-of", "2019-01-15")
    assert done.returncode == 0, done.stderr
    after = state(scratch_url)
    assert (after[3], after[5]) == (2, 1)  # both institutions settled, the year closed
    assert haiyan(scratch_url, "ledger", "verify").returncode == 0
