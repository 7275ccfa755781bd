"""Backups restore to books that verify: pg_dump/pg_restore by the scripts, SQLite's online copy.

Each test backs up a county that has paid and settled (the worked example),
restores the copy as docs/DEPLOY.md says, and runs `haiyan ledger verify` on
the restored database, which must find the same books.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.api.test_money_concurrency import prepared
from tests.conftest import ON_POSTGRES, PG_URL, _normalise

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TABLES = ("instalments", "ledger_entries", "ledger_postings", "settlements", "service_records")

pytestmark = pytest.mark.slow


def haiyan(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([str(BIN / "haiyan"), *args], env=env, capture_output=True, text=True,
                          check=False)  # fmt: skip


def paid_and_settled(url: str, tmp_path: Path) -> None:
    prepared(url, tmp_path)
    for args in (("prepay", "run", "--as-of", "2018-12-31"), ("settle", "2018", "--as-of",
                 "2019-01-15")):  # fmt: skip
        done = haiyan(url, *args)
        assert done.returncode == 0, done.stderr


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }
    engine.dispose()
    return found


def test_sqlite_online_backup_restores_to_books_that_verify(
    scratch_url: str, tmp_path: Path
) -> None:
    if ON_POSTGRES:
        pytest.skip("the embedded mode's backup is SQLite's")
    paid_and_settled(scratch_url, tmp_path)
    copy = tmp_path / "backup" / "haiyan-copy.sqlite3"
    copy.parent.mkdir()
    done = haiyan(scratch_url, "db", "backup", str(copy))
    assert done.returncode == 0, done.stderr
    assert copy.stat().st_mode & 0o077 == 0  # the figures are the service account's only
    restored = tmp_path / "restored.sqlite3"  # a restore is the copy put where the database goes
    restored.write_bytes(copy.read_bytes())
    restored_url = f"sqlite:///{restored}"
    assert counts(restored_url) == counts(scratch_url)
    assert counts(restored_url)["settlements"] == 2
    verify = haiyan(restored_url, "ledger", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    refused = haiyan("postgresql://nobody@127.0.0.1:1/none", "db", "backup", str(copy))
    assert refused.returncode != 0 and "backup-pg.sh" in refused.stderr


@pytest.mark.postgres_only
def test_pg_dump_and_restore_scripts_restore_to_books_that_verify(
    scratch_url: str, tmp_path: Path
) -> None:
    if not ON_POSTGRES:
        pytest.skip("pg_dump needs PostgreSQL")
    paid_and_settled(scratch_url, tmp_path)
    assert haiyan(scratch_url, "db", "upgrade").returncode == 0  # the queue's tables too
    env = {**os.environ, "DATABASE_URL": scratch_url, "HAIYAN": str(BIN / "haiyan")}
    backup = subprocess.run([str(ROOT / "scripts" / "backup-pg.sh"), str(tmp_path / "dumps")],
                            env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.is_file() and dump.stat().st_mode & 0o077 == 0
    base = _normalise(PG_URL)
    name = f"haiyan_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = base.rsplit("/", 1)[0] + "/" + name
    try:
        restore = subprocess.run([str(ROOT / "scripts" / "restore-pg.sh"), str(dump), target],
                                 env=env, capture_output=True, text=True, check=False)  # fmt: skip
        assert restore.returncode == 0, restore.stdout + restore.stderr
        assert counts(target) == counts(scratch_url)
        again = subprocess.run([str(ROOT / "scripts" / "restore-pg.sh"), str(dump), target],
                               env=env, capture_output=True, text=True, check=False)  # fmt: skip
        assert again.returncode == 2 and "empty" in again.stderr  # never over a live database
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
