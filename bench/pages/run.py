"""The page benchmark's run: build (or reuse), time every route and the writes, report."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from dataclasses import asdict
from typing import Any

from bench.imports import OUT, ROOT, in_child
from bench.pages import __doc__ as DOC
from bench.pages.build import built, drop_copy, working_copy
from bench.pages.report import print_run, print_summary, save
from bench.pages.routes import LOGINS, PROBES, Probe, discover
from bench.pages.timing import (
    Browser,
    Statements,
    Timing,
    kind_of,
    peak_mb,
    profile,
    target_for,
    time_get,
)
from bench.pages.writes import Writes, run_writes


def measure(url: str, token: str, reps: int, budget: float, profiles: int) -> dict[str, Any]:
    """Every probe, the writes, the probes after them; in a process of its own."""
    instance = OUT / "pages-instance-run"
    shutil.rmtree(instance, ignore_errors=True)
    os.environ["HAIYAN_INSTANCE"] = str(instance)
    from haiyan_comp.signing import keys

    keys.create(instance / "signing" / "county.p12", "基准测试县财政局", None)  # documents signed
    from haiyan_comp.app import create_app
    from haiyan_comp.demo.users import DEMO_PASSWORD

    started = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "JOBS_INLINE": True, "SECRET_KEY": "bench-only"})
    engine = app.extensions["haiyan_db"]["engine"]
    with engine.connect() as conn:
        values = discover(conn)
    statements = Statements(engine)
    roles = [*LOGINS, "platform", "public"]
    browsers = {role: Browser(app, role, DEMO_PASSWORD, token) for role in roles}
    timings: list[Timing] = []

    def probe(p: Probe) -> Timing:
        path = p.url(values)
        kind = kind_of(path, p.document)
        timing = Timing(p.name, p.role, "GET", path, kind, target_ms=target_for(kind),
                        expect=p.expect)  # fmt: skip
        done = time_get(browsers[p.role], statements, timing, reps=reps, budget=budget)
        print(f"    {done.p95_ms:>9.1f} ms p95  {done.status:<7} {p.name} ({p.role})", flush=True)
        return done

    timings += [probe(p) for p in PROBES if not p.after_writes]
    writes: list[Timing] = []
    failed = None
    try:
        run_writes(Writes(app, browsers, statements, values, writes))
    except (Exception, SystemExit) as exc:  # keep what was measured; say what broke
        failed = f"{type(exc).__name__}: {str(exc)[:1000]}"
        print(f"  the write phase failed: {failed}", flush=True)
    writes = [w.finish() for w in writes]
    timings += [probe(p) for p in PROBES if p.after_writes and not failed]
    slowest = sorted(timings, key=lambda t: t.p95_ms, reverse=True)[:profiles]
    profiled = {t.name: profile(browsers[t.role], t.path) for t in slowest}
    engine.dispose()
    return {
        "timings": [asdict(t) for t in timings],
        "writes": [asdict(w) for w in writes],
        "profiles": profiled,
        "values": values,
        "writes_failed": failed,
        "run_seconds": round(time.perf_counter() - started, 1),
        "peak_mb": peak_mb(),
    }


def tree() -> dict[str, Any]:
    """The commit measured, and the product files changed in the working tree (others' work)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "haiyan_comp", "migrations").splitlines()
    return {"commit": git("rev-parse", "--short", "HEAD"), "changed": [c[3:] for c in changed]}


def run_one(database: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Build or reuse the county, copy it, measure on the copy, drop the copy."""
    print(f"{database}: {size:,} records …", flush=True)
    started = time.perf_counter()
    county = built(database, size, args.postgres, args.fresh)
    print(f"  county ready ({county.build_seconds:.0f} s to build)", flush=True)
    url = working_copy(county, args.postgres)
    load_start = os.getloadavg()
    try:
        result: dict[str, Any] = in_child(measure, url, county.platform_token, args.reps,
                                          args.budget, args.profiles)  # fmt: skip
    finally:
        drop_copy(county, args.postgres)
    profiles = result.pop("profiles")
    path = OUT / f"pages-profile-{database}-{size}.txt"
    path.write_text("".join(f"==== {name}\n{text}\n" for name, text in profiles.items()))
    return {
        "database": database,
        "records": size,
        "records_per_year": county.records,
        "database_mb": county.megabytes,
        "build_seconds": county.build_seconds,
        "whole_seconds": round(time.perf_counter() - started, 1),
        "load_start": [round(x, 2) for x in load_start],
        "load_end": [round(x, 2) for x in os.getloadavg()],
        "profiles_file": str(path.relative_to(ROOT)),
        "tree": tree(),
        **result,
    }


def main() -> None:
    """Run the page benchmark for every size and database asked for."""
    parser = argparse.ArgumentParser(
        description=DOC, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--reps", type=int, default=20, help="Timed requests per route.")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="Seconds per route after which it stops at 5 requests.")  # fmt: skip
    parser.add_argument("--profiles", type=int, default=5, help="Slowest routes to profile.")
    parser.add_argument("--fresh", action="store_true", help="Rebuild the kept databases.")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    runs = []
    for size in args.sizes:
        for database in args.databases:
            run = run_one(database, size, args)
            print_run(run)
            runs.append(run)
            save(runs)
    print_summary(runs)
