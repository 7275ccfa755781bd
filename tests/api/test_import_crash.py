"""Killing an import midway leaves the database exactly as it was (one transaction)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.services.helpers import HEADER
from tests.worked_example import write_files

pytestmark = pytest.mark.slow
HAIYAN = [sys.executable, "-c", "from haiyan_comp.cli import main; main()"]


def haiyan(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([*HAIYAN, *args], env=env, capture_output=True, text=True, check=False)


def counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        records = conn.execute(text("SELECT count(*) FROM service_records")).scalar_one()
        imports = conn.execute(text("SELECT count(*) FROM record_imports")).scalar_one()
    engine.dispose()
    return records, imports


def indexes(url: str) -> set[str]:
    """The indexes of service_records (a bulk load on PostgreSQL drops one for a while)."""
    engine = create_engine(url)
    query = (
        "SELECT indexname FROM pg_indexes WHERE tablename = 'service_records'"
        if url.startswith("postgresql")
        else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'service_records'"
    )
    with engine.connect() as conn:
        names = set(conn.execute(text(query)).scalars())
    engine.dispose()
    return names


def big_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(rows):
            out.write(
                f"K{n:07d},HY01,S1,HTN,2018-{1 + n % 12:02d}-{1 + n % 28:02d},r{n % 5000},1\n"
            )


def read_so_far(pid: int, path: Path) -> int:
    """How far process `pid` has read into `path` (Linux: its fd's offset), 0 if not open."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if fd.resolve() != path.resolve():
                continue
            info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
        except OSError:
            continue
        return int(info.split("pos:")[1].split()[0])
    return 0


def test_kill_midway_leaves_nothing(scratch_url: str, tmp_path: Path) -> None:
    paths = write_files(tmp_path)
    for args in (
        ["catalog", "load", str(paths["catalogue"]), "--year", "2018"],
        ["institutions", "load", str(paths["institutions"])],
        ["staff", "load", str(paths["staff"])],
        ["records", "import", str(paths["records"]), "--as-of", "2019-01-10"],
    ):
        assert haiyan(scratch_url, *args).returncode == 0
    before = counts(scratch_url)
    assert before == (115, 1)
    indexes_before = indexes(scratch_url)
    assert "ix_service_records_item_resident" in indexes_before

    big = tmp_path / "big.csv"
    big_file(big, 400_000)
    env = {**os.environ, "DATABASE_URL": scratch_url}
    proc = subprocess.Popen(
        [*HAIYAN, "records", "import", str(big), "--as-of", "2019-01-10"], env=env
    )
    # Midway: a third of the file read and written into the open transaction.
    deadline = time.monotonic() + 60
    while read_so_far(proc.pid, big) < big.stat().st_size // 3:
        assert proc.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert counts(scratch_url) == before
    assert indexes(scratch_url) == indexes_before
    again = haiyan(scratch_url, "records", "import", str(big), "--as-of", "2019-01-10")
    assert again.returncode == 0, again.stderr
    assert counts(scratch_url) == (115 + 400_000, 2)
    assert indexes(scratch_url) == indexes_before
