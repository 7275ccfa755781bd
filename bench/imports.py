"""Import and units benchmark (issues 2 and 13): `python -m bench.imports`.

For each size, file and database: a seeded record file of N records, a fresh
database, then the real commands a user runs, each as its own process:

- `haiyan records import FILE`: seconds, rows/s, peak memory (max RSS), run
  --runs times on a fresh database each (best and median);
- `haiyan records import FILE` again: every row a duplicate, nothing changes;
- `haiyan units --year 2018 --json`: seconds for the whole year;
- `haiyan settle 2018` (after configuring the year and paying its prepayments):
  seconds to settle the county-year (issue 4's target: 5 s at 5,000,000 records);
- the floors of bench.floors, after every run: a bare insert of the same rows,
  the keys floor (the rows as stored, into a table with only the keys R2
  needs) and the indexed floor (the stored rows and all their indexes, by the
  database alone); our ratio to each (issue 13: ≤ 3 × bare on SQLite, ≤ 2 × the keys
  floor on PostgreSQL). The table shows the median of each run's import over
  the floors measured right after it, in the same minutes ("paired"), so that
  a machine whose speed drifts between runs does not skew the ratio; the JSON
  also keeps the median import over the best floor of all runs. The machine's
  speed (a plain loop's CPU seconds and a 256 MiB copy's seconds,
  bench.floors.machine_loop and machine_copy) is measured before every run and
  printed with it;
- the CPU each import cost: its own process's (user + system, from wait4) and
  the whole machine's while it ran (bench.floors.machine_busy: the server's
  backend and parallel workers too). That over the machine's cores is the
  least wall time the same work could take here with every core busy
  throughout ("least s", the median run's): when it exceeds what issue 13's
  150,000 rows/s allows, no better use of the cores reaches the target on this
  machine; only less work or a quicker machine does, and the table says so.
  Below the table, each file's indexed floor (bench.floors), the database's
  own share of that work, as a share of what the target allows;
- `haiyan records import FILE.jsonl`: the same rows as JSON Lines (what the
  regional platform sends), into a fresh database again (sizes up to
  --again-up-to).

Two files (--files): `demo`, the demo county's own, and `capped`, the
capped-heavy one of bench.capped_file (30% of rows on capped items, 200,000
residents, records in random order). --import-only skips again, units, settle
and JSON Lines. Results print as a table and are written to bench/out/imports.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from bench import floors
from bench.capped_file import write_capped_records
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
TARGET_ROWS_PER_SECOND = 150_000  # issue 13's import target
# The `haiyan` console script's own entry point (pyproject.toml), in this interpreter.
HAIYAN = [sys.executable, "-c", "from haiyan_comp.launch import main; main()"]


@dataclass
class Result:
    database: str
    file: str
    rows: int
    import_seconds: float  # the median of the runs
    best_seconds: float
    rows_per_second: int  # at the median
    import_peak_mb: float  # the largest of the runs
    again_seconds: float | None
    units_seconds: float | None
    settle_seconds: float | None
    baseline_seconds: float  # the best of the runs (floors are the machine's best)
    ratio_to_baseline: float  # median import / best floor
    keys_seconds: float
    ratio_to_keys: float
    keys_to_baseline: float
    jsonl_seconds: float | None
    runs: list[float]
    paired_to_baseline: float  # the median over runs of import / the bare insert after it
    paired_to_keys: float  # the same for the keys floor
    loop_seconds: list[float]  # the machine's speed before each run (bench.floors.machine_loop)
    copy_seconds: list[float]  # and its memory's (bench.floors.machine_copy)
    cpu_seconds: list[float]  # each run's import: its own process's CPU (user + system)
    machine_cpu_seconds: list[float]  # the whole machine's, server included (floors.machine_busy)
    cores: int
    least_seconds: float | None  # the median run's machine CPU / cores: no quicker on this machine
    indexed_seconds: list[float]  # each run's indexed floor (bench.floors), right after it


def records_file(rows: int, kind: str = "demo") -> Path:
    """The seeded record file of `rows` rows (the demo's or the capped-heavy one), kept."""
    name = "records" if kind == "demo" else "capped"
    path = OUT / f"{name}-{YEAR}-{rows}.csv"
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        write = write_records if kind == "demo" else write_capped_records
        with tmp.open("w", encoding="utf-8", newline="") as out:
            write(
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


@dataclass
class Finished:
    """A haiyan command run as its own process: how long, its own peak RSS (wait4), its CPU
    seconds (user + system), exit status, stdout and stderr."""

    seconds: float
    peak_mb: float
    cpu_seconds: float
    code: int
    out: bytes
    err: bytes


def finished(env: dict[str, str], *args: str) -> Finished:
    """Run `haiyan ARGS` with `env` to its end, measured."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stdout:
        proc = subprocess.Popen([*HAIYAN, *args], env=env, stdout=stdout, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        stdout.seek(0)
        out = stdout.read()
    return Finished(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
                    os.waitstatus_to_exitcode(status), out, err)  # fmt: skip


def measured(url: str, *args: str) -> Finished:
    """Run a haiyan command against `url` to its end, measured; stop the benchmark if it fails."""
    done = finished({**os.environ, "DATABASE_URL": url}, *args)
    if done.code != 0:
        command = " ".join(args)
        raise SystemExit(f"haiyan {command} failed ({done.code}):\n{done.err.decode()[-2000:]}")
    return done


def run_measured(url: str, *args: str) -> tuple[float, float, bytes]:
    """Run a haiyan command and read its own peak RSS through wait4."""
    done = measured(url, *args)
    return done.seconds, done.peak_mb, done.out


def empty_database(database: str, name: str, admin_url: str) -> str:
    """A new, migrated database `name` (a SQLite file in bench/out/, or on the PostgreSQL
    server of `admin_url`), dropped first if it was there; its URL."""
    if database == "sqlite":
        path = sqlite_path(name)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin = admin_engine(admin_url)
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = pg_url(admin_url, name)
    migrate.upgrade(url)
    return url


def fresh_database(database: str, postgres_url: str, name: str = "haiyan_bench") -> str:
    """An empty, migrated database `name` with the demo county's reference data."""
    url = empty_database(database, name, postgres_url)
    institutions = OUT / f"{name}-institutions.csv"
    staff = OUT / f"{name}-staff.csv"
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


@dataclass
class Options:
    postgres: str
    name: str
    runs: int
    again_up_to: int
    import_only: bool


def _settle(url: str) -> float:
    """Configure the year, pay its instalments, and time `haiyan settle`."""
    money = ("--budget", "20000000", "--unit-price", "10.00", "--growth-cap", "0.10")
    more = ("--risk-fund", "5000000", "--prepay-ratio", "0.80", "--instalments", "12")
    run_measured(url, "year", "configure", str(YEAR), *money, *more)
    run_measured(url, "prepay", "run", "--as-of", f"{YEAR}-12-31")
    seconds, _, output = run_measured(
        url, "settle", str(YEAR), "--as-of", f"{YEAR + 1}-01-15", "--json"
    )
    assert len(json.loads(output)["institutions"]) == len(DEMO_INSTITUTIONS)
    return seconds


def _floors(database: str, path: Path, url: str) -> tuple[float, float, float]:
    """The bare insert, the keys floor and the indexed floor of the rows just imported
    into `url`."""
    if database == "sqlite":
        bare = floors.baseline_sqlite(path)
    else:
        bare = floors.baseline_postgres(path, url)
    # In a fresh process: it holds every row in memory, and a later command
    # forked from this one would report that memory as its own peak.
    keys = floors.keys_floor_sqlite if database == "sqlite" else floors.keys_floor_postgres
    indexed = floors.indexed_floor_sqlite if database == "sqlite" else floors.indexed_floor_postgres
    return bare, in_child(keys, url), in_child(indexed, url)


def bench_one(database: str, rows: int, kind: str, opts: Options) -> Result:
    """Import (runs times), floors, and unless import-only: again, units, settle, JSON Lines."""
    path = records_file(rows, kind)
    times: list[float] = []
    peaks: list[float] = []
    bares: list[float] = []
    keys: list[float] = []
    indexes: list[float] = []
    loops: list[float] = []
    copies: list[float] = []
    cpus: list[float] = []
    machine_cpus: list[float] = []
    cores = os.cpu_count() or 1
    for _ in range(opts.runs):
        url = fresh_database(database, opts.postgres, opts.name)
        loop, copy = in_child(floors.machine_speed)
        done, machine_cpu = _import(url, path, rows)
        seconds, peak = done.seconds, done.peak_mb
        bare, key, indexed = _floors(database, path, url)
        print(
            f"  import {seconds:.2f} s, {peak:.0f} MB; bare {bare:.2f} s, keys {key:.2f} s,"
            f" indexed {indexed:.2f} s;"
            f" × bare {seconds / bare:.2f}, × keys {seconds / key:.2f}"
            f" (machine: loop {loop:.2f} s, copy {copy:.2f} s)"
        )
        print(
            f"  CPU: the import's own {done.cpu_seconds:.2f} s, the machine's {machine_cpu:.2f} s;"
            f" {cores} cores, so at least {machine_cpu / cores:.2f} s here;"
            f" busy {machine_cpu / cores / seconds:.0%}"
        )
        for values, value in (
            (times, seconds),
            (peaks, peak),
            (bares, bare),
            (keys, key),
            (indexes, indexed),
            (loops, loop),
            (copies, copy),
            (cpus, done.cpu_seconds),
            (machine_cpus, machine_cpu),
        ):
            values.append(value)
    again = not opts.import_only and rows <= opts.again_up_to
    again_seconds = units_seconds = settle_seconds = jsonl_seconds = None
    if again:
        again_seconds, _, output = run_measured(url, "records", "import", str(path), "--json")
        assert json.loads(output)["duplicates"] == rows
    if not opts.import_only:
        units_seconds, _, _ = run_measured(url, "units", "--year", str(YEAR), "--json")
        settle_seconds = _settle(url)
    if again and kind == "demo":
        url = fresh_database(database, opts.postgres, opts.name)
        jsonl_seconds, _, output = run_measured(
            url, "records", "import", str(jsonl_file(rows)), "--json"
        )
        assert json.loads(output)["imported"] == rows
    median = statistics.median(times)
    return Result(
        database=database,
        file=kind,
        rows=rows,
        import_seconds=round(median, 2),
        best_seconds=round(min(times), 2),
        rows_per_second=int(rows / median),
        import_peak_mb=round(max(peaks), 1),
        again_seconds=_round(again_seconds),
        units_seconds=_round(units_seconds),
        settle_seconds=_round(settle_seconds),
        baseline_seconds=round(min(bares), 2),
        ratio_to_baseline=round(median / min(bares), 2),
        keys_seconds=round(min(keys), 2),
        ratio_to_keys=round(median / min(keys), 2),
        keys_to_baseline=round(min(keys) / min(bares), 2),
        jsonl_seconds=_round(jsonl_seconds),
        runs=[round(t, 2) for t in times],
        paired_to_baseline=round(statistics.median(map(float.__truediv__, times, bares)), 2),
        paired_to_keys=round(statistics.median(map(float.__truediv__, times, keys)), 2),
        loop_seconds=[round(t, 2) for t in loops],
        copy_seconds=[round(t, 3) for t in copies],
        cpu_seconds=[round(t, 2) for t in cpus],
        machine_cpu_seconds=[round(t, 2) for t in machine_cpus],
        cores=cores,
        least_seconds=round(statistics.median(machine_cpus) / cores, 2) if machine_cpus else None,
        indexed_seconds=[round(t, 2) for t in indexes],
    )


def _import(url: str, path: Path, rows: int) -> tuple[Finished, float]:
    """`haiyan records import PATH`, measured, with the CPU seconds the whole machine
    spent meanwhile (NaN without /proc/stat)."""
    before = floors.machine_busy()
    done = measured(url, "records", "import", str(path), "--json")
    after = floors.machine_busy()
    assert json.loads(done.out)["imported"] == rows, done.out[:300]
    machine = float("nan") if before is None or after is None else after - before
    return done, machine


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 2)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_table(results: list[Result]) -> None:
    """The results as the README's table."""
    print(
        f"{'database':<11}{'file':<7}{'records':>10}{'import s':>10}{'best s':>8}{'rows/s':>10}"
        f"{'peak MB':>9}{'again s':>9}{'units s':>9}{'settle s':>9}{'bare s':>8}{'× bare':>8}"
        f"{'keys s':>8}{'× keys':>8}{'jsonl s':>9}{'least s':>9}{'indexed s':>11}"
    )
    for r in results:
        print(
            f"{r.database:<11}{r.file:<7}{r.rows:>10,}{r.import_seconds:>10.2f}"
            f"{r.best_seconds:>8.2f}{r.rows_per_second:>10,}{r.import_peak_mb:>9.1f}"
            f"{_cell(r.again_seconds):>9}{_cell(r.units_seconds):>9}{_cell(r.settle_seconds):>9}"
            f"{r.baseline_seconds:>8.2f}{r.paired_to_baseline:>8.2f}{r.keys_seconds:>8.2f}"
            f"{r.paired_to_keys:>8.2f}{_cell(r.jsonl_seconds):>9}{_cell(r.least_seconds):>9}"
            f"{min(r.indexed_seconds):>11.2f}"
        )
    for r in results:
        allowed = r.rows / TARGET_ROWS_PER_SECOND
        if r.least_seconds is not None and r.least_seconds > allowed:
            print(
                f"{r.database} {r.file} {r.rows:,}: {TARGET_ROWS_PER_SECOND:,} rows/s allows"
                f" {allowed:.2f} s; the import's work took at least {r.least_seconds:.2f} s of"
                f" this machine's {r.cores} cores (CPU {r.least_seconds * r.cores:.2f} s)"
            )
        if r.indexed_seconds:
            print(
                f"{r.database} {r.file} {r.rows:,}: the database alone took"
                f" {min(r.indexed_seconds):.2f} s at best to store these rows with their"
                f" indexes (the indexed floor), {min(r.indexed_seconds) / allowed:.0%} of the"
                f" {allowed:.2f} s that {TARGET_ROWS_PER_SECOND:,} rows/s allows"
            )


def main() -> None:
    """Run the benchmark for every size, file and database asked for."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--files", nargs="+", default=["demo", "capped"], choices=["demo", "capped"]
    )
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--name", default="haiyan_bench", help="the bench database's name")
    parser.add_argument("--runs", type=int, default=3, help="imports per size, file and database")
    parser.add_argument(
        "--again-up-to", type=int, default=1_000_000, help="re-import sizes up to this"
    )
    parser.add_argument("--import-only", action="store_true", help="imports and floors only")
    args = parser.parse_args()
    opts = Options(args.postgres, args.name, args.runs, args.again_up_to, args.import_only)
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in args.sizes:
        for kind in args.files:
            for database in args.databases:
                print(f"{database}: {rows:,} records, {kind} file …", flush=True)
                result = bench_one(database, rows, kind, opts)
                print(f"  {asdict(result)}", flush=True)
                results.append(result)
    print()
    print_table(results)
    name = "imports.json" if args.name == "haiyan_bench" else f"imports-{args.name}.json"
    (OUT / name).write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
