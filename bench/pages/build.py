"""The page benchmark's county: two years of the demo county, built once per size and kept.

2017 is settled: its records, three closed audit batches per institution,
prepayments, settlement, assessments (one below 950.00), bonus pools and pay
sheets. 2018 is open: its records, six of twelve instalments paid, one closed
audit batch per institution (January–March), and two open batches (HY01's
outpatient visits of April–June with one verdict missing; HY02's blood counts
with none). The records of a size are split evenly between the two years.

Everything is made by the commands a user runs, or (audits, pools, pay sheets,
logins) by the same services in a process of its own. A database is reused
when its marker file says it was finished.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.imports import (
    CATALOGUE,
    HAIYAN,
    OUT,
    SEED,
    admin_engine,
    empty_database,
    in_child,
    pg_url,
    sqlite_path,
)
from haiyan_comp import migrate
from haiyan_comp.demo.generate import (
    DEMO_INSTITUTIONS,
    demo_items_from_yaml,
    demo_staff,
    write_records,
)

SETTLED, OPEN = 2017, 2018
PREFIX = "haiyan_bench_pages"
BELOW = "HY04"  # assessed below 950.00: no bonus
CONFIGURE = ("--budget", "20000000", "--unit-price", "10.00", "--growth-cap", "0.10",
             "--risk-fund", "5000000", "--prepay-ratio", "0.80", "--instalments", "12")  # fmt: skip
PERFORMANCE_PAY = 300_000_000  # 3,000,000.00 yuan a pay sheet
OPEN_A = ("HY01", "OP", date(OPEN, 4, 1), date(OPEN, 6, 30), 10)  # all but one judged
OPEN_B = ("HY02", "LAB_CBC", None, None, 5)  # nothing judged


@dataclass
class Built:
    """A finished county database and what the benchmark needs to know of it."""

    database: str
    size: int
    url: str
    records: dict[str, int]
    build_seconds: float
    platform_token: str
    megabytes: float = 0.0


def haiyan(url: str, *args: str) -> str:
    """Run a haiyan command against `url`; its stdout (a failure stops the benchmark)."""
    env = {**os.environ, "DATABASE_URL": url, "HAIYAN_INSTANCE": str(OUT / "pages-instance")}
    done = subprocess.run([*HAIYAN, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"haiyan {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def records_file(year: int, rows: int) -> Path:
    """`rows` seeded demo records of `year` (seed = the year), written once and kept."""
    path = OUT / f"pages-records-{year}-{rows}.csv"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8", newline="") as out:
            items, staff = demo_items_from_yaml(CATALOGUE), demo_staff(SEED)
            write_records(out, year=year, records=rows, seed=year, items=items, staff=staff)
        partial.rename(path)
    return path


def upload_file(rows: int = 10_000) -> bytes:
    """HY01's upload of the write phase: `rows` new 2018 records with source ids of their own."""
    path = OUT / f"pages-upload-{OPEN}-{rows}.csv"
    if not path.exists():
        staff = [s for s in demo_staff(SEED) if s[1] == "HY01"]
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8", newline="") as out:
            write_records(out, year=OPEN, records=rows, seed=99,
                          items=demo_items_from_yaml(CATALOGUE), staff=staff)  # fmt: skip
        content = partial.read_text(encoding="utf-8").replace(f"HY01-{OPEN}-", f"HY01-{OPEN}U-")
        path.write_text(content, encoding="utf-8")
        partial.unlink()
    return path.read_bytes()


def _marker(database: str, size: int) -> Path:
    return OUT / f"pages-built-{database}-{size}.json"


def _exists(database: str, size: int, admin_url: str) -> bool:
    if database == "sqlite":
        return sqlite_path(f"{PREFIX}_{size}").exists()
    with admin_engine(admin_url).connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": f"{PREFIX}_{size}"}
        )
        return found.scalar() is not None


def built(database: str, size: int, admin_url: str, fresh: bool) -> Built:
    """The county of `size` records on `database`: reused when finished, else built now."""
    marker = _marker(database, size)
    if not fresh and marker.exists() and _exists(database, size, admin_url):
        kept = Built(**json.loads(marker.read_text()))
        if database == "postgresql":
            kept.url = pg_url(admin_url, f"{PREFIX}_{size}")
        migrate.upgrade(kept.url)  # the code may have moved on since it was built
        _settle_statistics(kept.url)
        return kept
    marker.unlink(missing_ok=True)
    started = time.perf_counter()
    url = _empty(database, f"{PREFIX}_{size}", admin_url)
    halves = {SETTLED: size // 2, OPEN: size - size // 2}
    _settled_year(url, records_file(SETTLED, halves[SETTLED]))
    token = _open_year(url, records_file(OPEN, halves[OPEN]))
    _settle_statistics(url)
    result = Built(database, size, url, {str(y): n for y, n in halves.items()},
                   round(time.perf_counter() - started, 1), token)  # fmt: skip
    marker.write_text(json.dumps(asdict(result), indent=2))
    return result


def _settle_statistics(url: str) -> None:
    """PostgreSQL: VACUUM ANALYZE, as autovacuum soon would on a live database (SQLite: as is)."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _empty(database: str, name: str, admin_url: str) -> str:
    """A new, migrated database with the institutions, staff and both catalogues."""
    url = empty_database(database, name, admin_url)
    institutions, staff = OUT / f"{name}-institutions.csv", OUT / f"{name}-staff.csv"
    institutions.write_text(
        "code,name\n" + "".join(f"{c},{n}\n" for c, n in DEMO_INSTITUTIONS), encoding="utf-8"
    )
    staff.write_text(
        "code,institution_code,name\n" + "".join(f"{c},{i},{n}\n" for c, i, n in demo_staff(SEED)),
        encoding="utf-8",
    )
    haiyan(url, "institutions", "load", str(institutions))
    haiyan(url, "staff", "load", str(staff))
    for year in (SETTLED, OPEN):
        haiyan(url, "catalog", "load", str(CATALOGUE), "--year", str(year))
    return url


def _settled_year(url: str, records: Path) -> None:
    """2017: records, audits, prepayments, settlement, assessments, pools and pay sheets."""
    step(f"importing {records.name}")
    haiyan(url, "records", "import", str(records), "--as-of", f"{OPEN}-01-10")
    haiyan(url, "year", "configure", str(SETTLED), *CONFIGURE)
    step("auditing 2017")
    in_child(audit_settled_year, url)
    haiyan(url, "prepay", "run", "--as-of", f"{SETTLED}-12-31")
    step("settling 2017")
    haiyan(url, "settle", str(SETTLED), "--as-of", f"{OPEN}-01-15")
    for code, _name in DEMO_INSTITUTIONS:
        score = "949.99" if code == BELOW else "962.50"
        haiyan(url, "assess", "set", str(SETTLED), "--institution", code,
               "--score", score, "--surplus", "300000")  # fmt: skip
    step("pools and pay sheets of 2017")
    in_child(pools_and_pay_sheets, url)


def _open_year(url: str, records: Path) -> str:
    """2018: records, half its prepayments, closed and open audits, the logins; a token."""
    step(f"importing {records.name}")
    haiyan(url, "records", "import", str(records), "--as-of", f"{OPEN + 1}-01-10")
    haiyan(url, "year", "configure", str(OPEN), *CONFIGURE)
    haiyan(url, "prepay", "run", "--as-of", f"{OPEN}-06-30")
    step("auditing 2018")
    in_child(audit_open_year, url)
    token: str = in_child(logins, url)
    return token


def step(what: str) -> None:
    print(f"    {what} …", flush=True)


def _app(url: str) -> Any:
    from haiyan_comp.app import create_app

    return create_app({"DATABASE_URL": url}, web=False)


def _audit(url: str, year: int, plan: list[tuple[Any, ...]], *, close: bool, judge: int) -> None:
    """Draw every batch of `plan`; judge `judge` records less than all; close when asked."""
    from haiyan_comp.audit.services import close_audit, draw_batch, record_verdict
    from haiyan_comp.db import db

    with _app(url).app_context():
        for n, (code, item, start, end, size) in enumerate(plan):
            with db.unit_of_work() as session:
                drawn = draw_batch(
                    session, year=year, institution_code=code, item_code=item, size=size,
                    seed=f"bench-pages-{year}-{n}", date_from=start, date_to=end,
                    drawn_by="bench",
                )  # fmt: skip
                for rank, source in enumerate(drawn.sample[: len(drawn.sample) - judge]):
                    failed = rank < n % 3
                    record_verdict(
                        session, drawn.batch.id, source, "fail" if failed else "pass",
                        reason="bench: no signature" if failed else None, by="bench",
                    )  # fmt: skip
                if close:
                    close_audit(session, drawn.batch.id, by="bench")


def audit_settled_year(url: str) -> None:
    """Three closed batches per institution: outpatient visits, prescriptions, H1 blood counts."""
    half = (date(SETTLED, 1, 1), date(SETTLED, 6, 30))
    plan = [
        entry
        for n, (code, _name) in enumerate(DEMO_INSTITUTIONS)
        for entry in (
            (code, "OP", None, None, 3 + n % 5),
            (code, "RX_WM", None, None, 4),
            (code, "LAB_CBC", *half, 5),
        )
    ]
    _audit(url, SETTLED, plan, close=True, judge=0)


def audit_open_year(url: str) -> None:
    """A closed January–March batch per institution; two open ones (see the module docstring)."""
    quarter = (date(OPEN, 1, 1), date(OPEN, 3, 31))
    closed = [(code, "OP", *quarter, 5) for code, _name in DEMO_INSTITUTIONS]
    _audit(url, OPEN, closed, close=True, judge=0)
    _audit(url, OPEN, [OPEN_A], close=False, judge=1)
    _audit(url, OPEN, [OPEN_B], close=False, judge=OPEN_B[4])


def pools_and_pay_sheets(url: str) -> None:
    """Every qualifying centre lowers its pool to 90% of its cap; every one enters a pay sheet."""
    from haiyan_comp.bonus.models import Assessment
    from haiyan_comp.bonus.rules import bonus_cap
    from haiyan_comp.bonus.services import choose_bonus_pool, record_pay_sheet
    from haiyan_comp.db import db
    from haiyan_comp.institutions.services import get_institution

    with _app(url).app_context():
        for code, _name in DEMO_INSTITUTIONS:
            with db.unit_of_work() as session:
                institution = get_institution(session, code)
                assessment = session.get(Assessment, (SETTLED, institution.id))
                assert assessment is not None
                cap = bonus_cap(assessment.score, assessment.surplus)
                if cap:
                    choose_bonus_pool(session, SETTLED, code, cap * 9 // 10, "bench")
                record_pay_sheet(session, SETTLED, code, PERFORMANCE_PAY, "bench")


def logins(url: str) -> str:
    """The demo logins, and a platform API token; returns the token's secret."""
    from haiyan_comp.accounts.services import create_token
    from haiyan_comp.db import db
    from haiyan_comp.demo.users import ensure_demo_users

    with _app(url).app_context(), db.unit_of_work() as session:
        ensure_demo_users(session)
        return create_token(session, "bench platform", "platform", None, "bench").secret


def working_copy(built: Built, admin_url: str) -> str:
    """A copy of the built county for one run (writes change it; the next run starts afresh)."""
    name = f"{PREFIX}_{built.size}_run"
    if built.database == "sqlite":
        source = built.url.removeprefix("sqlite:///")
        engine = create_engine(built.url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        target = sqlite_path(name)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        built.megabytes = round(Path(source).stat().st_size / 2**20, 1)
        return f"sqlite:///{target}"
    template = f"{PREFIX}_{built.size}"
    with admin_engine(admin_url).connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
        size = conn.execute(text(f"SELECT pg_database_size('{template}')")).scalar() or 0
    built.megabytes = round(int(size) / 2**20, 1)
    return pg_url(admin_url, name)


def drop_copy(built: Built, admin_url: str) -> None:
    """Throw the run's copy away."""
    name = f"{PREFIX}_{built.size}_run"
    if built.database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(name)}{suffix}").unlink(missing_ok=True)
        return
    with admin_engine(admin_url).connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
