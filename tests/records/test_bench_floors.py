"""The import benchmark's CPU accounting (bench.floors.machine_busy: the machine's work
across a command, which the benchmark divides by the cores for the least wall time) and
its indexed floor (the stored rows with every index, by the database alone)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bench.floors import indexed_floor_sqlite, machine_busy
from haiyan_comp import migrate


def test_the_machines_work_is_this_process_s_and_at_most_every_core_s_time() -> None:
    before, own_before, wall_before = machine_busy(), time.process_time(), time.perf_counter()
    if before is None:
        pytest.skip("no /proc/stat on this system")
    total = 0
    while time.process_time() - own_before < 0.3:
        total += 1
    after = machine_busy()
    own, wall = time.process_time() - own_before, time.perf_counter() - wall_before
    assert after is not None
    # The counters tick every 10 ms. This process is part of the machine's work, and
    # no machine works longer than its cores' wall time.
    assert own - 0.05 <= after - before <= (os.cpu_count() or 1) * wall + 0.05


def test_the_indexed_floor_builds_the_records_indexes_and_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'floor.sqlite3'}"
    migrate.upgrade(url)
    conn = sqlite3.connect(tmp_path / "floor.sqlite3")
    conn.executemany(
        "INSERT INTO service_records (institution_id, source_id, staff_id, item_id, year,"
        " service_date, resident_id, quantity, units, purchasable, capped, import_id, line)"
        " VALUES (1, ?, 1, 1, 2018, '2018-03-01', NULL, 1, 100, 100, 0, 1, ?)",
        [(f"S{n}", n) for n in range(50)],
    )
    conn.commit()
    built: list[str] = []
    real = sqlite3.connect

    class Spying(sqlite3.Connection):
        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
            if sql.startswith("CREATE") and "INDEX" in sql:
                built.append(sql.split(" ON ")[1].split(" ")[0])
            return super().execute(sql, *args)

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real(*a, factory=Spying, **k))
    assert indexed_floor_sqlite(url) > 0
    assert built == ["indexed_floor"] * 3  # R2's key, the composite and the staff index
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert "indexed_floor" not in tables
    assert conn.execute("SELECT COUNT(*) FROM service_records").fetchone() == (50,)
