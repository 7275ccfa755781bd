"""Efficiency-bonus benchmark (issue 13): `python -m bench.bonus --postgres URL`.

For each size (1,000,000 and 5,000,000 records) and each number of closed
audit batches per institution (1 and 18), one database of the demo county,
built once and kept (reused when it is complete; `--fresh` rebuilds):

1. the seeded records file of bench.imports, imported once per size into a
   base database, which each batch variant copies (a file copy on SQLite,
   `CREATE DATABASE … TEMPLATE` on PostgreSQL);
2. audit batches drawn, judged and closed for every institution (in one
   process, through the services): 1 batch = its outpatient visits of the whole
   year; 18 batches = its outpatient visits month by month and six more items
   over the whole year (about two thirds of all records frozen in populations).
   Samples of 3–7 records, with 0, 1 or 2 failed verdicts;
3. the year configured, its instalments paid, settled, and every institution
   assessed (one below 950.00), as the commands a user runs.

Then `haiyan bonus 2018 --json` runs `--runs` times as a whole process (process
start included): p50, p95 and peak memory; and, in one process through Flask's
test client, the pages and the API that show the bonus (p50 of `--runs`): the
finance 考核与奖励 page, the centre's 效率奖励 page, saving a pay sheet there, and
GET /api/v1/years/2018/bonus. The figures are checked against a
plain recomputation of R18 in Python (every record and population row read
once, in a separate process). Results print as a table and are written to
bench/out/bonus.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from bench.imports import (
    CATALOGUE,
    HAIYAN,
    OUT,
    SEED,
    YEAR,
    admin_engine,
    empty_database,
    in_child,
    pg_url,
    records_file,
    run_measured,
    sqlite_path,
)
from haiyan_comp import migrate
from haiyan_comp.demo.generate import DEMO_INSTITUTIONS, demo_staff

DATABASE = "haiyan_bench_bonus"
BELOW = "HY04"  # the one institution assessed below 950.00
OTHER_ITEMS = ("RX_WM", "LAB_CBC", "TCM_OP", "INJ_IM", "PED_OP", "RX_TCM_PAT")


@dataclass
class Result:
    database: str
    records: int
    batches_per_institution: int
    frozen_records: int
    build_seconds: float
    startup_seconds: float
    p50_seconds: float | None
    p95_seconds: float | None
    peak_mb: float | None
    checked: bool
    pages: dict[str, float] | None = None


def plan(batches: int) -> list[tuple[str, str, date | None, date | None]]:
    """(institution, item, from, to) of every batch to draw."""
    if batches == 1:
        return [(code, "OP", None, None) for code, _ in DEMO_INSTITUTIONS]
    months = [(date(YEAR, m, 1), date(YEAR + m // 12, m % 12 + 1, 1) - timedelta(1))
              for m in range(1, 13)]  # fmt: skip
    strata: list[tuple[str, date | None, date | None]] = [("OP", a, b) for a, b in months]
    strata += [(item, None, None) for item in OTHER_ITEMS]
    assert len(strata) == batches == 18
    return [(code, item, a, b) for code, _ in DEMO_INSTITUTIONS for item, a, b in strata]


def draw_and_close(url: str, batches: int) -> None:
    """Draw, judge and close every batch of the plan (run in a process of its own)."""
    from haiyan_comp.app import create_app
    from haiyan_comp.audit.services import close_audit, draw_batch, record_verdict
    from haiyan_comp.db import db

    app = create_app({"DATABASE_URL": url}, web=False)
    with app.app_context():
        for n, (code, item, start, end) in enumerate(plan(batches)):
            with db.unit_of_work() as session:
                drawn = draw_batch(
                    session, year=YEAR, institution_code=code, item_code=item, size=3 + n % 5,
                    seed=f"bench-bonus-{n}", date_from=start, date_to=end, drawn_by="bench",
                )  # fmt: skip
                for rank, source in enumerate(drawn.sample):
                    failed = rank < n % 3
                    record_verdict(
                        session, drawn.batch.id, source, "fail" if failed else "pass",
                        reason="bench: no signature" if failed else None, by="bench",
                    )  # fmt: skip
                close_audit(session, drawn.batch.id, by="bench")


def _scalar(url: str, sql: str) -> int | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(text(sql)).scalar()
            return None if value is None else int(value)
    except Exception:  # a missing database or table: not built yet
        return None
    finally:
        engine.dispose()


def _exists(database: str, name: str, postgres_url: str) -> str | None:
    """The URL of database `name` if it exists."""
    if database == "sqlite":
        path = sqlite_path(name)
        return f"sqlite:///{path}" if path.exists() else None
    with admin_engine(postgres_url).connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        return pg_url(postgres_url, name) if found.scalar() else None


def base(database: str, rows: int, postgres_url: str, fresh: bool) -> str:
    """The demo county with `rows` records of 2018 imported, nothing else; built once."""
    name = f"{DATABASE}_{rows}"
    url = _exists(database, name, postgres_url)
    if url and not fresh:
        total = _scalar(url, f"SELECT SUM(records) FROM unit_totals WHERE year = {YEAR}")
        if total == rows:
            return url
    url = _fresh(database, name, postgres_url)
    run_measured(url, "records", "import", str(records_file(rows)), "--json")
    return url


def _fresh(database: str, name: str, postgres_url: str) -> str:
    """An empty, migrated database `name` with the demo county's reference data."""
    url = empty_database(database, name, postgres_url)
    institutions, staff = OUT / "bonus-institutions.csv", OUT / "bonus-staff.csv"
    institutions.write_text(
        "code,name\n" + "".join(f"{code},{n}\n" for code, n in DEMO_INSTITUTIONS), encoding="utf-8"
    )
    staff.write_text(
        "code,institution_code,name\n"
        + "".join(f"{code},{inst},{n}\n" for code, inst, n in demo_staff(SEED)),
        encoding="utf-8",
    )
    run_measured(url, "institutions", "load", str(institutions))
    run_measured(url, "staff", "load", str(staff))
    run_measured(url, "catalog", "load", str(CATALOGUE), "--year", str(YEAR))
    return url


def _checkpoint(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def _copy(database: str, source: str, name: str, postgres_url: str) -> str:
    if database == "sqlite":
        _checkpoint(source)
        target = sqlite_path(name)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    template = source.rsplit("/", 1)[1]
    with admin_engine(postgres_url).connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    return pg_url(postgres_url, name)


def variant(database: str, rows: int, batches: int, postgres_url: str, fresh: bool) -> str:
    """The base database, audited with `batches` closed batches per institution, settled."""
    name = f"{DATABASE}_{rows}_{batches}"
    url = _exists(database, name, postgres_url)
    if url and not fresh:
        done = _scalar(url, f"SELECT COUNT(*) FROM assessments WHERE year = {YEAR}")
        if done == len(DEMO_INSTITUTIONS):
            migrate.upgrade(url)  # a database kept from an older version of the schema
            return url
    url = _copy(database, base(database, rows, postgres_url, fresh), name, postgres_url)
    in_child(draw_and_close, url, batches)
    for command in (
        ["year", "configure", str(YEAR), "--budget", "20000000", "--unit-price", "10.00",
         "--growth-cap", "0.10", "--risk-fund", "5000000", "--prepay-ratio", "0.80",
         "--instalments", "12"],
        ["prepay", "run", "--as-of", f"{YEAR}-12-31"],
        ["settle", str(YEAR), "--as-of", f"{YEAR + 1}-01-15"],
    ):  # fmt: skip
        run_measured(url, *command)
    for code, _ in DEMO_INSTITUTIONS:
        score = "949.99" if code == BELOW else "962.50"
        run_measured(url, "assess", "set", str(YEAR), "--institution", code,
                     "--score", score, "--surplus", "300000")  # fmt: skip
    return url


def recompute(url: str) -> dict[str, dict[str, int]]:
    """R18 the plain way: every record's weight in Python, then the pools split."""
    from haiyan_comp.bonus import rules

    engine = create_engine(url)
    with engine.connect() as conn:
        batches = {
            b: Fraction(f, n)
            for b, f, n in conn.execute(
                text(
                    "SELECT id, failed, size FROM audit_batches"
                    f" WHERE year = {YEAR} AND closed_at IS NOT NULL"
                )
            )
        }
        frozen: dict[int, Fraction] = {}
        for batch, record in conn.execute(text("SELECT batch_id, record_id FROM audit_population")):
            if batch in batches:
                frozen[record] = batches[batch]
        codes: dict[int, str] = dict(conn.execute(text("SELECT id, code FROM staff")).all())
        weights: defaultdict[int, defaultdict[str, Fraction]] = defaultdict(
            lambda: defaultdict(Fraction)
        )
        for code, inst in conn.execute(text("SELECT code, institution_id FROM staff")):
            weights[inst][code] += 0
        result = conn.execution_options(stream_results=True, yield_per=100_000).execute(
            text(
                f"SELECT id, institution_id, staff_id, purchasable FROM service_records"
                f" WHERE year = {YEAR}"
            )
        )
        for record, inst, staff, purchasable in result:
            weights[inst][codes[staff]] += purchasable * (1 - frozen.get(record, Fraction(0)))
        assessed = conn.execute(
            text(f"SELECT a.institution_id, i.code, a.score, a.surplus FROM assessments a"
                 f" JOIN institutions i ON i.id = a.institution_id WHERE a.year = {YEAR}")
        ).all()  # fmt: skip
    engine.dispose()
    amounts: dict[str, dict[str, int]] = {}
    for inst, code, score, surplus in assessed:
        pool = rules.bonus_cap(score, surplus)
        ws = weights[inst]
        scale = math.lcm(*(w.denominator for w in ws.values()))
        amounts[code] = rules.split_by_staff(pool, {c: int(w * scale) for c, w in ws.items()})
    return amounts


def check(url: str, output: bytes) -> bool:
    """`haiyan bonus --json` gives every staff member the amount of the plain recomputation."""
    expected = in_child(recompute, url)
    got = {
        inst["code"]: {s["code"]: s["amount"] for s in inst["staff"]}
        for inst in json.loads(output)["institutions"]
    }
    want = {
        code: {staff: f"{amount // 100}.{amount % 100:02d}" for staff, amount in by_staff.items()}
        for code, by_staff in expected.items()
    }
    return got == want


def timed(url: str, runs: int, timeout: float) -> tuple[list[float], float, bytes] | None:
    """`haiyan bonus 2018 --json`, `runs` times; None if a run takes longer than `timeout`."""
    seconds, peak, output = [], 0.0, b""
    for _ in range(runs):
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                [*HAIYAN, "bonus", str(YEAR), "--json"], env={**os.environ, "DATABASE_URL": url},
                capture_output=True, timeout=timeout, check=True,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return None
        seconds.append(time.perf_counter() - started)
        output = proc.stdout
    # Peak memory from wait4 (subprocess.run does not report it): one more run.
    _, peak, measured = run_measured(url, "bonus", str(YEAR), "--json")
    assert measured == output, "two runs of haiyan bonus differ"
    return seconds, peak, output


PASSWORD = "bench-bonus-password"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PAGES = {
    "finance 考核与奖励": ("get", f"/finance/assessments?year={YEAR}"),
    "centre 效率奖励": ("get", f"/centre/bonus?year={YEAR}"),
    "centre save pay sheet": ("post", f"/centre/bonus/{YEAR}/paysheet"),
    "finance GET /api/v1/years/2018/bonus": ("get", f"/api/v1/years/{YEAR}/bonus"),
}


def time_pages(url: str, runs: int) -> dict[str, float]:
    """p50 seconds of each of PAGES, in this process, through Flask's test client."""
    from sqlalchemy import select

    from haiyan_comp.accounts.models import User
    from haiyan_comp.accounts.services import create_user
    from haiyan_comp.app import create_app
    from haiyan_comp.db import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-bonus"})
    users = {"finance": ("bench-finance", None), "centre": ("bench-hy01", "HY01")}
    with app.app_context(), db.unit_of_work() as session:
        for role, (name, code) in users.items():
            if session.scalar(select(User).where(User.username == name)) is None:
                create_user(session, name, PASSWORD, role, institution_code=code,
                            weak_password_ok=True)  # fmt: skip
    clients = {role: _signed_in(app, name) for role, (name, _) in users.items()}
    timings: dict[str, float] = {}
    for label, (method, path) in PAGES.items():
        client = clients["centre" if label.startswith("centre") else "finance"]
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            if method == "get":
                status = client.get(path).status_code
            else:
                token = _csrf(client)
                data = {"csrf_token": token, "performance_pay": "500000.00"}
                status = client.post(path, data=data).status_code
            seconds.append(time.perf_counter() - started)
            assert status in (200, 302), (label, status)
        timings[label] = round(sorted(seconds)[len(seconds) // 2], 3)
    return timings


def _csrf(client: FlaskClient) -> str:
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    match = CSRF_META.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    form = {"csrf_token": _csrf(client), "username": username, "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 302, f"{username} cannot sign in"
    return client


def bench_one(database: str, rows: int, batches: int, args: argparse.Namespace) -> Result:
    """Build (or reuse) the variant, time the bonus command, check its figures."""
    started = time.perf_counter()
    url = variant(database, rows, batches, args.postgres, args.fresh)
    build = time.perf_counter() - started
    frozen = _scalar(url, "SELECT COUNT(*) FROM audit_population")
    startup, _, _ = run_measured(url, "audit", "list", "--year", str(YEAR), "--json")
    got = timed(url, args.runs, args.timeout)
    if got is None:
        return Result(database, rows, batches, int(frozen or 0), round(build, 1),
                      round(startup, 2), None, None, None, False)  # fmt: skip
    seconds, peak, output = got
    ordered = sorted(seconds)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    checked = check(url, output) if args.check else False
    pages = in_child(time_pages, url, args.runs) if args.pages else None
    return Result(database, rows, batches, int(frozen or 0), round(build, 1), round(startup, 2),
                  round(ordered[len(ordered) // 2], 2), round(p95, 2), round(peak, 1),
                  checked, pages)  # fmt: skip


def main() -> None:
    """Run the bonus benchmark for every size, batch count and database asked for."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 18], choices=[1, 18])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120.0, help="Give up on a run after.")
    parser.add_argument("--fresh", action="store_true", help="Rebuild the kept databases.")
    parser.add_argument("--no-check", dest="check", action="store_false")
    parser.add_argument("--no-pages", dest="pages", action="store_false")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in args.sizes:
        for batches in args.batches:
            for database in args.databases:
                print(f"{database}: {rows:,} records, {batches} batch(es) each …", flush=True)
                result = bench_one(database, rows, batches, args)
                print(f"  {asdict(result)}", flush=True)
                results.append(result)
    print()
    print(f"{'database':<11}{'records':>10}{'batches':>8}{'frozen':>10}{'build s':>9}"
          f"{'start s':>8}{'p50 s':>7}{'p95 s':>7}{'peak MB':>9}{'checked':>8}")  # fmt: skip
    for r in results:
        p50 = f">{args.timeout:.0f}" if r.p50_seconds is None else f"{r.p50_seconds:.2f}"
        p95 = "-" if r.p95_seconds is None else f"{r.p95_seconds:.2f}"
        peak = "-" if r.peak_mb is None else f"{r.peak_mb:.1f}"
        print(
            f"{r.database:<11}{r.records:>10,}{r.batches_per_institution * 9:>8}"
            f"{r.frozen_records:>10,}{r.build_seconds:>9.1f}{r.startup_seconds:>8.2f}"
            f"{p50:>7}{p95:>7}{peak:>9}{'yes' if r.checked else 'no':>8}"
        )
        for label, seconds in (r.pages or {}).items():
            print(f"    {label:<32}{seconds:>8.3f} s")
    (OUT / "bonus.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
