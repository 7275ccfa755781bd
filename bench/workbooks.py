"""Workbooks out benchmark (issue 16 §2): `python -m bench.workbooks [--rows 1000000]`.

1. A county of --rows seeded demo records (bench.imports' file, imported once into
   bench/out/haiyan_bench_workbooks.sqlite3, or a PostgreSQL database of that name, and kept).
2. The export of the whole 2018 search to .xlsx:
   - from the API: GET /api/v1/records?year=2018&format=xlsx (a finance token), in a
     process of its own: seconds, rows/s, the process's peak memory (max RSS);
   - from the command line: `haiyan records search --year 2018 --xlsx PATH`, its own
     process: seconds, rows/s, peak memory.
   Targets: ≥ 100,000 rows/s and ≤ 300 MB.
3. The demo county (`haiyan demo`, prepaid, settled, assessed, a pay sheet entered): the
   units, settlement, ledger and pay-sheet workbooks from the API, seconds each (≤ 1 s).

Results print as a table and go to bench/out/workbooks.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from typing import Any

from bench.imports import (
    OUT,
    empty_database,
    finished,
    fresh_database,
    in_child,
    pg_url,
    records_file,
)
from bench.imports import sqlite_path as bench_sqlite

NAME = "haiyan_bench_workbooks"
DEMO = "haiyan_bench_workbooks_demo"
TARGET_ROWS_PER_SECOND, TARGET_MB, TARGET_SECONDS = 100_000, 300, 1.0


def run(url: str, *args: str) -> tuple[float, float, str, float]:
    """A haiyan command in its own process: seconds, its own peak RSS in MB (wait4), stdout,
    and its CPU seconds (user + system: what it costs on a machine that is not shared)."""
    env = {**os.environ, "DATABASE_URL": url, "HAIYAN_INSTANCE": str(OUT / "workbooks-instance")}
    done = finished(env, *args)
    if done.code not in (0, 3):
        raise SystemExit(f"haiyan {' '.join(args)} failed ({done.code}):\n{done.err[-2000:]!r}")
    return done.seconds, done.peak_mb, done.out.decode(), done.cpu_seconds


def county(database: str, rows: int, postgres_url: str, named: str | None = None) -> str:
    """The kept county of `rows` 2018 records (built once), in database `named` if given."""
    name = named or f"{NAME}_{rows}"
    marker = OUT / f"{name}-{database}.json"
    url = f"sqlite:///{bench_sqlite(name)}" if database == "sqlite" else pg_url(postgres_url, name)
    if marker.exists():
        return url
    print(f"building the county of {rows:,} records on {database} …", flush=True)
    url = fresh_database(database, postgres_url, name)
    seconds, _, _, _ = run(url, "records", "import", str(records_file(rows)))
    print(f"  imported in {seconds:.1f} s", flush=True)
    marker.write_text(json.dumps({"rows": rows, "url": url}))
    return url


def api_export(url: str, query: str) -> dict[str, Any]:
    """GET …&format=xlsx in this (child) process: seconds, bytes, peak RSS."""
    os.environ["DATABASE_URL"] = url
    from haiyan_comp.app import create_app

    app = create_app()
    secret = _token(app, "finance")
    client = app.test_client()
    started, cpu = time.perf_counter(), time.process_time()
    answer = client.get(query, headers={"Authorization": f"Bearer {secret}"}, buffered=False)
    size = sum(len(chunk) for chunk in answer.response)
    answer.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert answer.status_code == 200, answer.status_code
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu_seconds": cpu, "bytes": size, "peak_mb": peak}


def _token(app: Any, role: str, institution: str | None = None) -> str:
    args = ["tokens", "create", f"bench {role}", "--role", role, "--json"]
    if institution:
        args += ["--institution", institution]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["token"])


def records_rows(url: str) -> int:
    os.environ["DATABASE_URL"] = url
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM service_records")).scalar() or 0)


def demo_county(database: str, postgres_url: str) -> str:
    """The demo county, 2018 prepaid, settled, HY01 assessed and its pay sheet entered."""
    url = empty_database(database, DEMO, postgres_url)
    run(url, "db", "upgrade")  # and the job queue's tables on PostgreSQL
    run(url, "demo")
    run(url, "prepay", "run", "--as-of", "2018-12-31")
    run(url, "settle", "2018", "--as-of", "2019-01-15")
    run(url, "assess", "set", "2018", "--institution", "HY01", "--score", "962.50",
        "--surplus", "100000")  # fmt: skip
    return url


def demo_workbooks(url: str) -> dict[str, float]:
    """In this (child) process: the demo county's table workbooks from the API, seconds each."""
    os.environ["DATABASE_URL"] = url
    from haiyan_comp.app import create_app

    app = create_app()
    finance, centre = _token(app, "finance"), _token(app, "centre", "HY01")
    client = app.test_client()
    entered = client.post("/api/v1/years/2018/paysheets/HY01", json={"performance_pay": "500000"},
                          headers={"Authorization": f"Bearer {centre}"})  # fmt: skip
    assert entered.status_code == 200, entered.get_data(as_text=True)
    client.get("/api/v1/units?year=2018", headers={"Authorization": f"Bearer {finance}"})  # warm
    timings = {}
    for name, path in (
        ("units", "/api/v1/units?year=2018&format=xlsx"),
        ("settlement", "/api/v1/years/2018/settlement?format=xlsx"),
        ("ledger", "/api/v1/ledger?year=2018&format=xlsx"),
        ("pay sheet", "/api/v1/years/2018/paysheets/HY01?format=xlsx"),
    ):
        started = time.perf_counter()
        answer = client.get(path, headers={"Authorization": f"Bearer {finance}"})
        timings[name] = time.perf_counter() - started
        assert answer.status_code == 200, (name, answer.get_data(as_text=True)[:300])
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--skip-demo", action="store_true", help="Only the records export.")
    parser.add_argument(
        "--name", help="The county's database (PostgreSQL) or file's name, if not the default."
    )
    opts = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = county(opts.database, opts.rows, opts.postgres_url, opts.name)
    rows = records_rows(url)
    results: dict[str, Any] = {"database": opts.database, "records": rows}
    api = in_child(api_export, url, "/api/v1/records?year=2018&format=xlsx")
    results["api"] = {**api, "rows_per_second": round(rows / api["seconds"]),
                      "rows_per_cpu_second": round(rows / api["cpu_seconds"])}  # fmt: skip
    target = OUT / "workbooks-records.xlsx"
    seconds, peak, _, cpu = run(url, "records", "search", "--year", "2018", "--xlsx", str(target))
    results["cli"] = {"seconds": seconds, "cpu_seconds": cpu, "bytes": target.stat().st_size,
                      "peak_mb": peak, "rows_per_second": round(rows / seconds),
                      "rows_per_cpu_second": round(rows / cpu)}  # fmt: skip
    if not opts.skip_demo:
        results["demo"] = in_child(demo_workbooks, demo_county(opts.database, opts.postgres_url))
    _print(results)
    (OUT / f"workbooks-{opts.database}.json").write_text(json.dumps(results, indent=2))


def _print(results: dict[str, Any]) -> None:
    print(f"\nrecords export of {results['records']:,} records ({results['database']}):")
    print(f"{'':<6}{'seconds':>10}{'rows/s':>12}{'CPU s':>8}{'rows/CPU s':>12}{'peak MB':>10}"
          f"{'MB out':>9}  targets")  # fmt: skip
    for name in ("api", "cli"):
        r = results[name]
        ok = r["rows_per_second"] >= TARGET_ROWS_PER_SECOND and r["peak_mb"] <= TARGET_MB
        print(f"{name:<6}{r['seconds']:>10.1f}{r['rows_per_second']:>12,}{r['cpu_seconds']:>8.1f}"
              f"{r['rows_per_cpu_second']:>12,}{r['peak_mb']:>10.0f}"
              f"{r['bytes'] / 1e6:>9.1f}  {'met' if ok else 'NOT met'}"
              f" (≥ {TARGET_ROWS_PER_SECOND:,} rows/s, ≤ {TARGET_MB} MB)")  # fmt: skip
    for name, seconds in (results.get("demo") or {}).items():
        mark = "met" if seconds <= TARGET_SECONDS else "NOT met"
        print(f"demo {name:<12}{seconds:>8.2f} s  {mark} (≤ {TARGET_SECONDS:.0f} s)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
