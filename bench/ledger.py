"""Ledger verification benchmark (issue 17): `python -m bench.ledger [--postgres URL]`.

Builds a ledger of N entries (default 100,000) that verifies clean, in a fresh
database (a SQLite file under bench/out, or the PostgreSQL database given, whose
schema is emptied first): nine institutions, and per institution and year a
correction that leaves it in debt, then eleven instalments, the first clearing
the debt (three postings) and the rest paid in cash (two), with their paid
instalments' rows, every entry hashed into the chain exactly as the application
books it (ledger/chain.py), and a seal per year. Then times `haiyan ledger
verify` as a whole process, `--runs` times: seconds (best and median), entries
per second, peak memory (max RSS of the process). The target: ≤ 5 s at 100,000.

Prints one line per run and the summary, and writes bench/out/ledger.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.imports import HAIYAN, OUT
from haiyan_comp import migrate
from haiyan_comp.ledger import chain
from haiyan_comp.ledger import messages as m
from haiyan_comp.ledger.descriptions import Description, said

INSTITUTIONS = [f"HY{n:02d}" for n in range(1, 10)]
PER_YEAR = 12  # entries per institution and year: a correction and eleven instalments
GROSS = 123_456_78  # fen
DEBT = 5_000_00
BY = "scheduler"


def _reset(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)


def _entries(count: int) -> Iterator[tuple[int, int, str, int, dict[str, int], Description]]:
    """(year, institution index, kind, amount, postings, description) in booking order."""
    made = 0
    year = 2000  # within the pages' bounds of a year (1900–9998)
    while made < count:
        for index, code in enumerate(INSTITUTIONS):
            corrects = year - 1
            yield (year, index, "adjustment", -DEBT,
                   {f"adjustment:{corrects}": -DEBT, f"debt:{code}": DEBT},
                   said(m.ADJUSTMENT, corrects=corrects, reason="bench"))  # fmt: skip
            for number in range(1, PER_YEAR):
                due = date(year, number, 1).isoformat()
                offset = DEBT if number == 1 else 0
                legs = {f"prepaid:{code}:{year}": GROSS, "cash": -(GROSS - offset)}
                said_ = said(m.INSTALMENT, number=number, year=year, due=due)
                if offset:
                    legs[f"debt:{code}"] = -offset
                    said_ = said(m.INSTALMENT_OFFSET, number=number, year=year, due=due,
                                 offset=offset)  # fmt: skip
                yield year, index, "instalment", GROSS, legs, said_
            made += PER_YEAR
            if made >= count:
                return
        year += 1


def build(url: str, count: int) -> int:
    """A fresh database holding `count` ledger entries (rounded up to a whole
    institution-year) that verify clean; returns the number of entries."""
    _reset(url)
    engine = create_engine(url)
    started = datetime(2026, 1, 1, tzinfo=UTC)
    entries: list[dict[str, Any]] = []
    postings: list[dict[str, Any]] = []
    instalments: list[dict[str, Any]] = []
    seals: list[dict[str, Any]] = []
    previous, entry_id, posting_id = chain.GENESIS, 0, 0
    last_year = None
    for year, index, kind, amount, legs, told in _entries(count):
        if last_year is not None and year != last_year:
            seals.append({"y": last_year, "e": entry_id, "h": previous, "t": started})
        last_year = year
        entry_id += 1
        at = started + timedelta(seconds=entry_id)
        code, stored, english = (
            told.template.code,
            chain.canonical_params(told.params),
            told.english,
        )
        previous = chain.entry_hash(
            previous, kind, year, index + 1, amount, code, stored, english, BY, at, legs.items()
        )
        entries.append({"i": entry_id, "k": kind, "y": year, "n": index + 1, "a": amount,
                        "r": english, "b": BY, "t": at, "c": code, "p": stored,
                        "h": previous})  # fmt: skip
        for account, value in legs.items():
            posting_id += 1
            postings.append({"i": posting_id, "e": entry_id, "a": account, "v": value})
        if kind == "instalment":
            number = len(instalments) % (PER_YEAR - 1) + 1
            instalments.append({"y": year, "n": index + 1, "u": number, "d": date(year, number, 1),
                                "g": amount, "o": amount + legs["cash"], "c": -legs["cash"],
                                "b": BY, "t": at})  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO institutions (id, code, name, active) VALUES (:i, :c, :n, :a)"),
            [
                {"i": i + 1, "c": c, "n": f"{c} 卫生院", "a": True}
                for i, c in enumerate(INSTITUTIONS)
            ],
        )
        conn.execute(
            text("INSERT INTO ledger_entries (id, kind, year, institution_id, amount, reason, "
                 "created_by, created_at, code, params, hash) "
                 "VALUES (:i, :k, :y, :n, :a, :r, :b, :t, :c, :p, :h)"),
            entries,
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO ledger_postings (id, entry_id, account, amount) "
                 "VALUES (:i, :e, :a, :v)"),
            postings,
        )  # fmt: skip
        conn.execute(
            text('INSERT INTO instalments (year, institution_id, number, due, gross, "offset", '
                 "cash, as_of, paid_by, paid_at) VALUES (:y, :n, :u, :d, :g, :o, :c, :d, :b, :t)"),
            instalments,
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO ledger_seals (year, entry_id, hash, sealed_at) "
                 "VALUES (:y, :e, :h, :t)"),
            seals,
        )  # fmt: skip
        if not url.startswith("sqlite"):
            for table in ("ledger_entries", "ledger_postings"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
                )  # fmt: skip
    if not url.startswith("sqlite"):  # as autovacuum leaves a county's tables: index-only
        # scans need the visibility map, the planner the statistics
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE ledger_entries, ledger_postings"))
    engine.dispose()
    return entry_id


def verify(url: str) -> tuple[float, float, float, int, str]:
    """`haiyan ledger verify` as a process: seconds, CPU seconds (user + system: they hardly
    depend on other work sharing the cores, wall seconds do), peak RSS (MB), exit code and
    its output."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*HAIYAN, "ledger", "verify"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out = (proc.stdout.read() if proc.stdout else b"") + (
        proc.stderr.read() if proc.stderr else b""
    )
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), out.decode()


VIEWS = (  # (what, path): the ledger page and the API as a finance officer reads them
    ("page: newest entries", "/finance/ledger"),
    ("page: one institution", "/finance/ledger?institution=HY05"),
    ("page: one year", "/finance/ledger?year=2500"),
    ("page: the cash account", "/finance/ledger?account=cash"),
    ("page: a debt account", "/finance/ledger?account=debt:HY03"),
    ("page: the oldest entries", "/finance/ledger?after=0"),
    ("page: older, by keyset", "/finance/ledger?before=50000"),
    ("api: the first page (1,000)", "/api/v1/ledger"),
    ("api: one year", "/api/v1/ledger?year=2500"),
    ("api: one institution", "/api/v1/ledger?institution=HY05&limit=100"),
    ("api: a page after an entry", "/api/v1/ledger?after=50000&limit=100"),
)


def time_views(url: str, reps: int) -> list[dict[str, Any]]:
    """The ledger page and API GETs, `reps` times each after a warm-up: p50/p95 in ms."""
    from bench.pages.timing import Browser, Timing
    from haiyan_comp.accounts.services import create_user
    from haiyan_comp.app import create_app
    from haiyan_comp.db import db
    from haiyan_comp.demo.users import DEMO_PASSWORD

    migrate.upgrade(url)  # a ledger built by an older schema gets the new indexes
    app = create_app({"DATABASE_URL": url})
    with app.app_context(), db.unit_of_work() as session:
        if not session.execute(text("SELECT 1 FROM users WHERE username = 'finance'")).first():
            create_user(session, "finance", DEMO_PASSWORD, "finance", weak_password_ok=True)
    browser = Browser(app, "finance", DEMO_PASSWORD)
    rows: list[dict[str, Any]] = []
    for what, path in VIEWS:
        timing = Timing(what, "finance", "GET", path, what.split(":")[0], target_ms=300.0)
        statuses = set()
        for n in range(reps + 1):
            seconds, status, _ = browser.request("GET", path)
            statuses.add(status)
            if n:  # the first is the warm-up
                timing.samples_ms.append(seconds * 1000)
        timing.status = "/".join(map(str, sorted(statuses)))
        timing.finish()
        rows.append({"what": what, "path": path, "status": timing.status,
                     "p50_ms": timing.p50_ms, "p95_ms": timing.p95_ms})  # fmt: skip
        print(f"  {what:<30} {timing.status:>4}  p50 {timing.p50_ms:7.1f} ms  "
              f"p95 {timing.p95_ms:7.1f} ms  ({path})")  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (emptied first)")
    parser.add_argument("--reuse", action="store_true", help="verify the ledger built last time")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--views", type=int, default=20, help="page/API requests each (0: none)")
    parser.add_argument("--views-only", action="store_true", help="time the views, not verify")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.postgres or f"sqlite:///{OUT / 'ledger.sqlite3'}"
    started = time.perf_counter()
    if args.build_only:
        build(url, args.entries)
        return
    if not args.reuse:  # in a process of its own: a child forked from a big parent would
        # count the parent's memory in its peak
        again = ["--entries", str(args.entries), "--build-only"]
        again += ["--postgres", args.postgres] if args.postgres else []
        subprocess.run([sys.executable, "-m", "bench.ledger", *again], check=True)
    engine = create_engine(url)
    with engine.connect() as conn:
        count = int(conn.scalar(text("SELECT count(*) FROM ledger_entries")) or 0)
    engine.dispose()
    if not args.reuse:
        print(f"built {count:,} entries in {time.perf_counter() - started:.1f} s")
    views = time_views(url, args.views) if args.views else []
    if args.views_only:
        (OUT / "ledger-views.json").write_text(json.dumps(views, indent=2) + "\n", "utf-8")
        return
    runs: list[dict[str, Any]] = []
    for run in range(1, args.runs + 1):
        seconds, cpu, peak, code, output = verify(url)
        if code != 0:
            raise SystemExit(f"ledger verify failed ({code}): {output[:2000]}")
        runs.append({"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak})
        print(
            f"run {run}: {seconds:.2f} s (CPU {cpu:.2f} s), {count / seconds:,.0f} entries/s, "
            f"peak {peak:.0f} MB"
        )
    best = min(r["seconds"] for r in runs)
    median = statistics.median(r["seconds"] for r in runs)
    peak = max(r["peak_mb"] for r in runs)
    cpu = min(r["cpu_seconds"] for r in runs)
    summary = {
        "database": url.split(":")[0],
        "entries": count,
        "best_seconds": round(best, 3),
        "median_seconds": round(median, 3),
        "best_cpu_seconds": round(cpu, 3),
        "load_average": os.getloadavg()[0],
        "entries_per_second": round(count / best),
        "peak_mb": round(peak),
        "target_seconds": 5.0,
        "views": views,
    }
    print(
        f"ledger verify of {count:,} entries: best {best:.2f} s (CPU {cpu:.2f} s), median "
        f"{median:.2f} s, {count / best:,.0f} entries/s, peak {peak:.0f} MB (target ≤ 5 s; "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    (OUT / "ledger.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
