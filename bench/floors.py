"""What no import can beat, for bench.imports: a bare insert and the keys floor.

- the bare insert: the file's rows as text, `executemany` into an unindexed
  SQLite table, COPY into an unindexed PostgreSQL table;
- the keys floor: the rows as the import stores them (all 13 columns, already
  checked) into an empty copy of the records table with only its primary key
  and the unique (institution_id, source_id) key R2 needs; no parsing, no
  checks, no composite index, no cap;
- the indexed floor: the database's own work for the rows and every index the
  records table has, and nothing else: the stored rows into an unindexed copy
  of the table (SQLite: one INSERT … SELECT; PostgreSQL: COPY, quicker there
  than INSERT … SELECT), then the table's own indexes built on it as a bulk
  load builds them, committed. No parsing, no checks, no cap.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from haiyan_comp.db import SQLITE_CACHE_KIB
from haiyan_comp.records.bulk import BUILD_MEMORY, SORTING_CACHE_KIB, sorting_threads

OUT = Path(__file__).resolve().parent / "out"

# The records table's columns as SQLite's floors create them (without any key but the rowid).
_SQLITE_COLUMNS = (
    "id INTEGER PRIMARY KEY, institution_id INTEGER, source_id TEXT, staff_id INTEGER,"
    " item_id INTEGER, year INTEGER, service_date DATE, resident_id TEXT, quantity INTEGER,"
    " units BIGINT, purchasable BIGINT, capped BOOLEAN, import_id INTEGER, line INTEGER"
)
_STORED = (
    "institution_id, source_id, staff_id, item_id, year, service_date, resident_id,"
    " quantity, units, purchasable, capped, import_id, line"
)


def machine_loop() -> float:
    """CPU seconds of a plain loop of 10,000,000 additions: this machine's speed right now.

    Shared machines change speed from minute to minute (0.77 s to 1.87 s on the same
    kind of machine); a figure means little without the speed it was measured at.
    """
    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started


def machine_copy() -> float:
    """Seconds to copy 256 MiB in memory once: the machine's memory speed right now.

    Imports move far more bytes than a plain loop: on 2026-12-07 the loop ran at
    0.47–0.67 s while 500 MB took 0.73 s to copy (about 0.7 GB/s), and the imports
    were as slow as in the minutes when the loop took 1.8 s.
    """
    source = bytearray(256 << 20)
    source[:: 1 << 12] = b"\1" * len(source[:: 1 << 12])  # every page touched first
    started = time.perf_counter()
    copied = bytes(source)
    seconds = time.perf_counter() - started
    del copied, source
    return seconds


def machine_busy() -> float | None:
    """CPU seconds every core of this machine has spent working since it booted, from
    /proc/stat (user, nice, system, irq and softirq; not idle, waiting or stolen), or
    None where there is no /proc/stat.

    The difference across a command is the work it cost the whole machine: its own
    process and threads, and on PostgreSQL the server's backend and parallel workers.
    Divided by the cores, it is the least wall time that work could take here.
    """
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def machine_speed() -> tuple[float, float]:
    """(machine_loop, machine_copy); run it in a child process, for its memory's sake (a
    child's peak RSS through wait4 starts from its parent's highest)."""
    return machine_loop(), machine_copy()


def baseline_sqlite(path: Path) -> float:
    """executemany of the file's rows into an unindexed SQLite table."""
    db = OUT / f"baseline-{path.stem}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE bare (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, g TEXT)")
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        while chunk := [row for _, row in zip(range(20_000), reader, strict=False)]:
            conn.executemany("INSERT INTO bare VALUES (?, ?, ?, ?, ?, ?, ?)", chunk)
    conn.commit()
    seconds = time.perf_counter() - started
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return seconds


def baseline_postgres(path: Path, url: str) -> float:
    """COPY of the file into an unindexed PostgreSQL table."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bare")
        cur.execute("CREATE TABLE bare (a text, b text, c text, d text, e text, f text, g text)")
        conn.commit()
        started = time.perf_counter()
        copy_sql = "COPY bare FROM STDIN WITH (FORMAT csv, HEADER true)"
        with path.open("rb") as stream, cur.copy(copy_sql) as copy:
            while block := stream.read(1 << 20):
                copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE bare")
        conn.commit()
    return seconds


def keys_floor_sqlite(url: str) -> float:
    """executemany of the stored rows into a copy of the table with only its two keys."""
    conn = _sqlite(url)
    rows = conn.execute(f"SELECT {_STORED} FROM service_records ORDER BY id").fetchall()
    conn.execute(f"CREATE TABLE keys_floor ({_SQLITE_COLUMNS}, UNIQUE (institution_id, source_id))")
    conn.commit()
    marks = ", ".join("?" for _ in range(13))
    started = time.perf_counter()
    for start in range(0, len(rows), 20_000):
        conn.executemany(
            f"INSERT INTO keys_floor ({_STORED}) VALUES ({marks})", rows[start : start + 20_000]
        )
    conn.commit()
    seconds = time.perf_counter() - started
    del rows
    conn.execute("DROP TABLE keys_floor")
    conn.commit()
    conn.close()
    return seconds


def keys_floor_postgres(url: str) -> float:
    """COPY of the stored rows into a copy of the table with only its two keys."""
    return _copy_floor(url, "keys_floor", keep=lambda sql: "UNIQUE" in sql, at_end=False)


def _copy_floor(url: str, table: str, keep: Callable[[str], bool], *, at_end: bool) -> float:
    """COPY of the stored rows into an empty copy `table` of the records table with
    the indexes `keep` picks, kept up row by row or, `at_end`, built after the rows."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    data = OUT / f"{table}-{dsn.rsplit('/', 1)[1]}.copy"
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with (
            data.open("wb") as out,
            cur.copy(f"COPY (SELECT {_STORED} FROM service_records ORDER BY id) TO STDOUT") as copy,
        ):
            for block in copy:
                out.write(block)
        cur.execute(f"CREATE TABLE {table} (LIKE service_records INCLUDING ALL EXCLUDING INDEXES)")
        cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'service_records'")
        indexes = [sql.replace("service_records", table) for (sql,) in cur.fetchall() if keep(sql)]
        for sql in [] if at_end else indexes:
            cur.execute(sql)
        conn.commit()
        started = time.perf_counter()
        with data.open("rb") as stream, cur.copy(f"COPY {table} ({_STORED}) FROM STDIN") as copy:
            while block := stream.read(1 << 20):
                copy.write(block)
        cur.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
        for sql in indexes if at_end else []:
            cur.execute(sql)
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute(f"DROP TABLE {table}")
        conn.commit()
    data.unlink()
    return seconds


def indexed_floor_sqlite(url: str) -> float:
    """The stored rows into an unindexed copy of the table by INSERT … SELECT, then
    the records table's own indexes built on it, sorting as a bulk load does."""
    conn = _sqlite(url)
    conn.isolation_level = None  # its own BEGIN and COMMIT below
    conn.execute(f"CREATE TABLE indexed_floor ({_SQLITE_COLUMNS})")
    indexes = [
        sql.replace("service_records", "indexed_floor")
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name = 'service_records' AND sql IS NOT NULL"
        )
    ]
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(
        f"INSERT INTO indexed_floor ({_STORED}) SELECT {_STORED} FROM service_records ORDER BY id"
    )
    conn.execute(f"PRAGMA cache_size=-{SORTING_CACHE_KIB}")  # as bulk.bulk_sorting sorts
    conn.execute(f"PRAGMA threads={sorting_threads()}")
    for sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.execute("DROP TABLE indexed_floor")
    conn.close()
    return seconds


def _sqlite(url: str) -> sqlite3.Connection:
    """A connection to the bench's SQLite database set as the application sets its own."""
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    return conn


def indexed_floor_postgres(url: str) -> float:
    """COPY of the stored rows into an unindexed copy of the table, then the records
    table's own indexes, its primary key among them, built on it."""
    return _copy_floor(url, "indexed_floor", keep=lambda sql: True, at_end=True)
