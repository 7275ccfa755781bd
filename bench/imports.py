"""Import and units benchmark (issue 2): `python -m bench.imports`.

For each size and database: a seeded demo-county file of N records, a fresh
database, then the real commands a user runs, each as its own process:

- `haiyan records import FILE`: seconds, rows/s, peak memory (max RSS);
- `haiyan records import FILE` again: every row a duplicate, nothing changes;
- `haiyan units --year 2018 --json`: seconds for the whole year;
- `haiyan settle 2018` (after configuring the year and paying its prepayments):
  seconds to settle the county-year (issue 4's target: 5 s at 5,000,000 records);
- the baseline: a bare insert of the same rows (executemany into an unindexed
  SQLite table; COPY into an unindexed PostgreSQL table), and our ratio to it;
- `haiyan records import FILE.jsonl`: the same rows as JSON Lines (what the
  regional platform sends), into a fresh database again (sizes up to
  --again-up-to);
- the keys floor: the same insert of the rows as the import stores them (all
  13 columns, already checked) into an empty copy of the records table with
  only its primary key and the unique (institution_id, source_id) key R2
  needs; no parsing, no checks, no composite index, no cap. No import can be
  quicker than this, so it shows how much of the ratio is the database's.

Results print as a table and are written to bench/out/imports.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, text

from haiyan_comp import migrate
from haiyan_comp.demo.generate import (
    DEMO_INSTITUTIONS,
    demo_items_from_yaml,
    demo_staff,
    write_records,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CATALOGUE = ROOT / "catalog" / "haiyan-2018.yaml"
YEAR, SEED = 2018, 2018
HAIYAN = [sys.executable, "-c", "from haiyan_comp.cli import main; main()"]


@dataclass
class Result:
    database: str
    rows: int
    import_seconds: float
    rows_per_second: int
    import_peak_mb: float
    again_seconds: float | None
    units_seconds: float
    settle_seconds: float
    baseline_seconds: float
    ratio_to_baseline: float
    keys_seconds: float
    keys_to_baseline: float
    jsonl_seconds: float | None


def records_file(rows: int) -> Path:
    """The seeded record file of `rows` rows, generated once and kept."""
    path = OUT / f"records-{YEAR}-{rows}.csv"
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as out:
            write_records(
                out,
                year=YEAR,
                records=rows,
                seed=SEED,
                items=demo_items_from_yaml(CATALOGUE),
                staff=demo_staff(SEED),
            )
        tmp.rename(path)
        print(f"  generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def in_child(func: Any, *args: Any) -> Any:
    """Run `func` in a fresh process: its memory (a child's peak through wait4 starts from
    its parent's size) and its app are its own."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(func, args)


def sqlite_path(name: str) -> Path:
    """A kept bench database file under bench/out/."""
    return OUT / f"{name}.sqlite3"


def pg_url(admin_url: str, name: str) -> str:
    """The URL of database `name` on the server of `admin_url`."""
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def admin_engine(admin_url: str) -> Engine:
    """An engine that may CREATE and DROP databases."""
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


def run_measured(url: str, *args: str) -> tuple[float, float, bytes]:
    """Run a haiyan command and read its own peak RSS through wait4."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    with (OUT / "last-stdout.json").open("wb") as stdout:
        proc = subprocess.Popen([*HAIYAN, *args], env=env, stdout=stdout, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        command = " ".join(args)
        raise SystemExit(f"haiyan {command} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, (OUT / "last-stdout.json").read_bytes()


def fresh_database(database: str, postgres_url: str) -> str:
    """An empty, migrated database with the demo county's reference data."""
    if database == "sqlite":
        path = OUT / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS haiyan_bench WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE haiyan_bench"))
        admin.dispose()
        url = postgres_url.rsplit("/", 1)[0] + "/haiyan_bench"
    migrate.upgrade(url)
    institutions = OUT / "institutions.csv"
    staff = OUT / "staff.csv"
    _write_csv(institutions, ("code", "name"), DEMO_INSTITUTIONS)
    _write_csv(staff, ("code", "institution_code", "name"), demo_staff(SEED))
    run_measured(url, "institutions", "load", str(institutions))
    run_measured(url, "staff", "load", str(staff))
    run_measured(url, "catalog", "load", str(CATALOGUE), "--year", str(YEAR))
    return url


def _write_csv(path: Path, header: tuple[str, ...], rows: object) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)  # type: ignore[arg-type]


def baseline_sqlite(path: Path) -> float:
    """executemany of the file's rows into an unindexed SQLite table."""
    import sqlite3

    db = OUT / "baseline.sqlite3"
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


_STORED = (
    "institution_id, source_id, staff_id, item_id, year, service_date, resident_id,"
    " quantity, units, purchasable, capped, import_id, line"
)


def jsonl_file(rows: int) -> Path:
    """The CSV file's rows as JSON Lines (quantity a number), written once and kept."""
    path = OUT / f"records-{YEAR}-{rows}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with (
            records_file(rows).open(encoding="utf-8", newline="") as source,
            tmp.open("w", encoding="utf-8") as out,
        ):
            for row in csv.DictReader(source):
                record: dict[str, object] = dict(row)
                record["quantity"] = int(row["quantity"])
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        tmp.rename(path)
    return path


def keys_floor_sqlite(url: str) -> float:
    """executemany of the stored rows into a copy of the table with only its two keys."""
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    rows = conn.execute(f"SELECT {_STORED} FROM service_records ORDER BY id").fetchall()
    conn.execute(
        "CREATE TABLE keys_floor (id INTEGER PRIMARY KEY, institution_id INTEGER, source_id TEXT,"
        " staff_id INTEGER, item_id INTEGER, year INTEGER, service_date DATE, resident_id TEXT,"
        " quantity INTEGER, units BIGINT, purchasable BIGINT, capped BOOLEAN, import_id INTEGER,"
        " line INTEGER, UNIQUE (institution_id, source_id))"
    )
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
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    data = OUT / "keys-floor.copy"
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with (
            data.open("wb") as out,
            cur.copy(f"COPY (SELECT {_STORED} FROM service_records ORDER BY id) TO STDOUT") as copy,
        ):
            for block in copy:
                out.write(block)
        cur.execute("CREATE TABLE keys_floor (LIKE service_records INCLUDING ALL)")
        cur.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'keys_floor'"
            " AND indexdef NOT LIKE '%UNIQUE%'"
        )
        for (name,) in cur.fetchall():
            cur.execute(f'DROP INDEX "{name}"')
        conn.commit()
        started = time.perf_counter()
        with data.open("rb") as stream, cur.copy(f"COPY keys_floor ({_STORED}) FROM STDIN") as copy:
            while block := stream.read(1 << 20):
                copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE keys_floor")
        conn.commit()
    data.unlink()
    return seconds


def bench_one(database: str, rows: int, postgres_url: str, again: bool) -> Result:
    """Import, import again, units, baseline: one database, one size."""
    path = records_file(rows)
    url = fresh_database(database, postgres_url)
    seconds, peak, output = run_measured(url, "records", "import", str(path), "--json")
    report = json.loads(output)
    assert report["imported"] == rows, report
    again_seconds = None
    if again:
        again_seconds, _, output = run_measured(url, "records", "import", str(path), "--json")
        assert json.loads(output)["duplicates"] == rows
    units_seconds, _, _ = run_measured(url, "units", "--year", str(YEAR), "--json")
    run_measured(
        url,
        "year",
        "configure",
        str(YEAR),
        "--budget",
        "20000000",
        "--unit-price",
        "10.00",
        "--growth-cap",
        "0.10",
        "--risk-fund",
        "5000000",
        "--prepay-ratio",
        "0.80",
        "--instalments",
        "12",
    )
    run_measured(url, "prepay", "run", "--as-of", f"{YEAR}-12-31")
    settle_seconds, _, output = run_measured(
        url, "settle", str(YEAR), "--as-of", f"{YEAR + 1}-01-15", "--json"
    )
    assert len(json.loads(output)["institutions"]) == len(DEMO_INSTITUTIONS)
    baseline = baseline_sqlite(path) if database == "sqlite" else baseline_postgres(path, url)
    # In a fresh process: it holds every row in memory, and a later command
    # forked from this one would report that memory as its own peak.
    floor = keys_floor_sqlite if database == "sqlite" else keys_floor_postgres
    keys = in_child(floor, url)
    jsonl_seconds = None
    if again:
        url = fresh_database(database, postgres_url)
        jsonl_seconds, _, output = run_measured(
            url, "records", "import", str(jsonl_file(rows)), "--json"
        )
        assert json.loads(output)["imported"] == rows
    return Result(
        database=database,
        rows=rows,
        import_seconds=round(seconds, 2),
        rows_per_second=int(rows / seconds),
        import_peak_mb=round(peak, 1),
        again_seconds=None if again_seconds is None else round(again_seconds, 2),
        units_seconds=round(units_seconds, 2),
        settle_seconds=round(settle_seconds, 2),
        baseline_seconds=round(baseline, 2),
        ratio_to_baseline=round(seconds / baseline, 2),
        keys_seconds=round(keys, 2),
        keys_to_baseline=round(keys / baseline, 2),
        jsonl_seconds=None if jsonl_seconds is None else round(jsonl_seconds, 2),
    )


def main() -> None:
    """Run the benchmark for every size and database asked for."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--again-up-to", type=int, default=1_000_000, help="re-import sizes up to this"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in args.sizes:
        for database in args.databases:
            print(f"{database}: {rows:,} records …", flush=True)
            result = bench_one(database, rows, args.postgres, rows <= args.again_up_to)
            print(f"  {asdict(result)}", flush=True)
            results.append(result)
    print()
    print(
        f"{'database':<11}{'records':>10}{'import s':>10}{'rows/s':>10}{'peak MB':>9}"
        f"{'again s':>9}{'units s':>9}{'settle s':>9}{'bare s':>8}{'× bare':>8}"
        f"{'keys s':>8}{'× bare':>8}{'jsonl s':>9}"
    )
    for r in results:
        again = "-" if r.again_seconds is None else f"{r.again_seconds:.2f}"
        print(
            f"{r.database:<11}{r.rows:>10,}{r.import_seconds:>10.2f}{r.rows_per_second:>10,}"
            f"{r.import_peak_mb:>9.1f}{again:>9}{r.units_seconds:>9.2f}{r.settle_seconds:>9.2f}"
            f"{r.baseline_seconds:>8.2f}"
            f"{r.ratio_to_baseline:>8.2f}"
            f"{r.keys_seconds:>8.2f}"
            f"{r.keys_to_baseline:>8.2f}"
            f"{'-' if r.jsonl_seconds is None else f'{r.jsonl_seconds:.2f}':>9}"
        )
    (OUT / "imports.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
