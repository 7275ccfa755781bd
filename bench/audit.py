"""Audit benchmark (issue 3): `python -m bench.audit`.

For each database: a fresh database with the demo county, one file of
1,000,000 records of one institution and one item (one stratum), imported;
then the real commands a user runs, each as its own process:

- `haiyan audit draw --size 200`: freezes the population of 1,000,000 records
  and ranks them all by SHA-256 (on PostgreSQL in SQL, on the server; target
  ≤ 2 s): seconds, the command's own CPU seconds (user + system: the machine
  is shared, so compare these), rows/s, peak memory;
- `haiyan audit flags --year 2018`: the automatic checks over the same records
  (a worst case: nearly every record is on a staff-day above 32.00 units).

Each figure is the whole command, process start included; `start s` is that
start alone (`haiyan audit list`, which reads next to nothing).

The draw's sample is checked against an independent recomputation with
hashlib. Results print as a table and are written to bench/out/audit.json.

`--flags URL …` times the automatic flags instead, on counties already built
(copies of bench.pages' kept counties: never a kept database itself, since
this upgrades it and adds an auditor's API token): the page and the API,
in process through Flask's test client (one warm-up, then 20 requests each,
p50/p95), and `haiyan audit flags --json` as a whole command (seconds, peak
memory). Written to bench/out/audit-flags.json.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import random
import resource
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.imports import CATALOGUE, OUT, SEED, YEAR, run_measured
from bench.pages.timing import Browser, Timing, peak_mb
from haiyan_comp import migrate
from haiyan_comp.demo.generate import DEMO_INSTITUTIONS, demo_staff

INSTITUTION, ITEM, STAFF = "HY01", "OP", 60
AUDIT_SEED = "haiyan-audit-bench"
DATABASE = "haiyan_bench_audit"  # not bench.imports' database: both may run at once
HEADER = "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"


@dataclass
class Result:
    database: str
    population: int
    sample: int
    startup_seconds: float
    draw_seconds: float
    draw_cpu_seconds: float
    rows_per_second: int
    draw_peak_mb: float
    flags_seconds: float
    flags_peak_mb: float
    flagged_records: int


def stratum_file(rows: int) -> Path:
    """`rows` records of HY01's outpatient visits in 2018, seeded; written once and kept."""
    path = OUT / f"audit-stratum-{YEAR}-{rows}.csv"
    if path.exists():
        return path
    rnd = random.Random(YEAR)
    days = [(date(YEAR, 1, 1) + timedelta(n)).isoformat() for n in range(365)]
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for n in range(rows):
            staff = f"{INSTITUTION}S{1 + n % STAFF:03d}"
            resident = f"{INSTITUTION}R{rnd.randrange(110_000):06d}"
            out.write(f"A{n:08d},{INSTITUTION},{staff},{ITEM},{rnd.choice(days)},{resident},1\n")
    tmp.rename(path)
    return path


def expected_sample(rows: int, size: int) -> list[str]:
    """R6 recomputed the plain way: the `size` smallest hex digests of every source id.

    Streamed (heapq), so that this process stays small: a child's peak memory
    as wait4 reports it starts from its parent's size at the fork.
    """
    keys = (
        (hashlib.sha256(f"{AUDIT_SEED}:{INSTITUTION}:A{n:08d}".encode()).hexdigest(), f"A{n:08d}")
        for n in range(rows)
    )
    return [source for _, source in heapq.nsmallest(size, keys)]


def fresh_database(database: str, postgres_url: str) -> str:
    """An empty, migrated database of this benchmark's own, with the demo county loaded."""
    if database == "sqlite":
        path = OUT / f"{DATABASE}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {DATABASE}"))
        admin.dispose()
        url = postgres_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    migrate.upgrade(url)
    institutions, staff = OUT / "audit-institutions.csv", OUT / "audit-staff.csv"
    institutions.write_text(
        "code,name\n" + "".join(f"{code},{name}\n" for code, name in DEMO_INSTITUTIONS),
        encoding="utf-8",
    )
    staff.write_text(
        "code,institution_code,name\n"
        + "".join(f"{code},{inst},{name}\n" for code, inst, name in demo_staff(SEED))
    )
    run_measured(url, "institutions", "load", str(institutions))
    run_measured(url, "staff", "load", str(staff))
    run_measured(url, "catalog", "load", str(CATALOGUE), "--year", str(YEAR))
    return url


def bench_one(database: str, rows: int, size: int, postgres_url: str) -> Result:
    """Fresh database, import the stratum, draw, flags."""
    path = stratum_file(rows)
    url = fresh_database(database, postgres_url)
    run_measured(url, "records", "import", str(path), "--as-of", f"{YEAR + 1}-01-10")
    startup, _, _ = run_measured(url, "audit", "list", "--year", str(YEAR), "--json")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    draw_seconds, draw_peak, output = run_measured(
        url, "audit", "draw", "--year", str(YEAR), "--institution", INSTITUTION,
        "--item", ITEM, "--size", str(size), "--seed", AUDIT_SEED, "--json",
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    draw_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    drawn = json.loads(output)
    assert drawn["N"] == rows, drawn
    assert drawn["sample"] == expected_sample(rows, size), "the sample is not R6's"
    flags_seconds, flags_peak, output = run_measured(
        url, "audit", "flags", "--year", str(YEAR), "--json"
    )
    return Result(
        database=database,
        population=rows,
        sample=size,
        startup_seconds=round(startup, 2),
        draw_seconds=round(draw_seconds, 2),
        draw_cpu_seconds=round(draw_cpu, 2),
        rows_per_second=int(rows / draw_seconds),
        draw_peak_mb=round(draw_peak, 1),
        flags_seconds=round(flags_seconds, 2),
        flags_peak_mb=round(flags_peak, 1),
        flagged_records=json.loads(output)["totals"]["records"],
    )


FLAG_PATHS = (
    "/audit/flags?year={year}",
    "/audit/flags?year={year}&institution=HY01",
    "/audit/flags?year={year}&limit=5000",
    "/api/v1/audits/flags?year={year}",
    "/api/v1/audits/flags?year={year}&limit=10000",
)


def time_flags(url: str, year: int, reps: int) -> list[dict[str, object]]:
    """The flags page, API and command on a built county: p50/p95, seconds, peak memory."""
    from haiyan_comp.accounts.services import create_token
    from haiyan_comp.app import create_app
    from haiyan_comp.db import db
    from haiyan_comp.demo.users import DEMO_PASSWORD

    started = time.perf_counter()
    migrate.upgrade(url)  # a county of an older schema gets the checks' totals filled
    print(f"  upgraded in {time.perf_counter() - started:.1f} s", flush=True)
    app = create_app({"DATABASE_URL": url})
    with app.app_context(), db.unit_of_work() as session:
        token = create_token(session, "bench flags", "auditor", None, "bench").secret
    page = Browser(app, "auditor", DEMO_PASSWORD)
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    rows: list[dict[str, object]] = []
    for path in (template.format(year=year) for template in FLAG_PATHS):
        client = api if path.startswith("/api/") else page.client
        timing = Timing(path, "auditor", "GET", path, "api" if client is api else "page")
        statuses = set()
        for n in range(reps + 1):
            started = time.perf_counter()
            response = client.get(path)
            response.get_data()
            statuses.add(response.status_code)
            if n:  # the first is the warm-up
                timing.samples_ms.append((time.perf_counter() - started) * 1000)
        timing.status = "/".join(map(str, sorted(statuses)))
        timing.finish()
        rows.append({"what": path, "status": timing.status, "p50_ms": timing.p50_ms,
                     "p95_ms": timing.p95_ms, "peak_mb": peak_mb()})  # fmt: skip
    seconds, peak, output = run_measured(url, "audit", "flags", "--year", str(year), "--json")
    flagged = json.loads(output)["totals"]["records"]
    command = f"haiyan audit flags --year {year} --json"
    rows.append({"what": command, "status": "ok", "seconds": round(seconds, 2),
                 "peak_mb": round(peak, 1), "flagged": flagged})  # fmt: skip
    return rows


def flags_main(urls: list[str], year: int, reps: int) -> None:
    """Time the flags on each county given; print and save the figures."""
    results = {}
    for url in urls:
        print(f"{url}: flags of {year} …", flush=True)
        results[url] = time_flags(url, year, reps)
        for row in results[url]:
            if "seconds" in row:
                print(f"  {row['what']:<52} {row['seconds']:>7.2f} s  peak {row['peak_mb']} MB"
                      f"  ({row['flagged']:,} records flagged)")  # fmt: skip
            else:
                print(f"  {row['what']:<52} p50 {row['p50_ms']:>7.1f} ms  p95 {row['p95_ms']:>7.1f}"
                      f" ms  [{row['status']}]  peak {row['peak_mb']} MB")  # fmt: skip
    (OUT / "audit-flags.json").write_text(json.dumps(results, indent=2))


def main() -> None:
    """Run the draw benchmark (or, with --flags, the flags') on every database asked for."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--flags", nargs="+", metavar="URL", help="time the flags on these")
    parser.add_argument("--year", type=int, default=YEAR)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.flags:
        flags_main(args.flags, args.year, args.reps)
        return
    results = []
    for database in args.databases:
        print(f"{database}: a stratum of {args.rows:,} records …", flush=True)
        started = time.perf_counter()
        result = bench_one(database, args.rows, args.size, args.postgres)
        print(f"  {asdict(result)} ({time.perf_counter() - started:.0f} s in all)", flush=True)
        results.append(result)
    print()
    print(f"{'database':<11}{'N':>10}{'n':>5}{'start s':>8}{'draw s':>8}{'cpu s':>7}{'rows/s':>11}"
          f"{'peak MB':>9}{'flags s':>9}{'peak MB':>9}{'flagged':>9}")  # fmt: skip
    for r in results:
        print(
            f"{r.database:<11}{r.population:>10,}{r.sample:>5}{r.startup_seconds:>8.2f}"
            f"{r.draw_seconds:>8.2f}{r.draw_cpu_seconds:>7.2f}"
            f"{r.rows_per_second:>11,}{r.draw_peak_mb:>9.1f}{r.flags_seconds:>9.2f}"
            f"{r.flags_peak_mb:>9.1f}{r.flagged_records:>9,}"
        )
    (OUT / "audit.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
