"""Documents benchmark (issues 6 and 13): `python -m bench.statements --postgres URL`.

For each size (1,000,000 and 5,000,000 records) and database, one database of
the demo county, built once and kept (reused when complete; `--fresh` rebuilds):
the seeded records file of bench.imports imported, one closed audit batch per
institution (bench.bonus's plan), the year configured, its instalments paid
(run of 2018-12-31), settled, every institution assessed and its pay sheet
saved, and the demo logins.

Then, timed:

- every document a user downloads, through the web layer in one process (a
  Flask test client signed in as finance): per institution its settlement
  statement, prepayment notice, audit report, bonus slips and one staff
  member's slip; p50, p95 and max per kind (target ≤ 1 s), after one warm-up
  request (the first request of a process also loads the font: `cold`);
- the ZIP job of the nine statements through the web layer (POST
  /finance/statements/zip, run inline as JOBS_INLINE does; target ≤ 5 s);
- `haiyan statement 2018 --all` as a whole process, `--runs` times (p50, max,
  peak memory; target ≤ 3 s), and `haiyan statement verify` on one of its files.

Prints a table and writes bench/out/statements.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.bonus import BELOW, _exists, _fresh, _scalar, draw_and_close
from bench.imports import HAIYAN, OUT, YEAR, in_child, records_file
from haiyan_comp import migrate
from haiyan_comp.demo.generate import DEMO_INSTITUTIONS

DATABASE = "haiyan_bench_h9_statements"
AS_OF = f"{YEAR}-12-31"
INSTANCE = OUT / "statements-instance"
KINDS = ("statement", "notice", "audit_report", "slips", "slip")


def signing_key() -> None:
    """The bench county signs its documents, as every county does (docs/SIGNING.md)."""
    from haiyan_comp.signing import keys

    path = INSTANCE / "signing" / "county.p12"
    if not path.exists():
        keys.create(path, "基准测试县财政局", None)


def run(url: str, *args: str) -> tuple[float, float, bytes, float]:
    """A haiyan command as a whole process: seconds, its own peak RSS (MB), stdout, CPU s.

    CPU seconds (user + system, from wait4) hardly depend on the machine's load;
    wall seconds do (other benchmarks share these cores).
    """
    env = {**os.environ, "DATABASE_URL": url, "HAIYAN_INSTANCE": str(INSTANCE)}
    signing_key()
    with tempfile.TemporaryFile() as stdout:
        started = time.perf_counter()
        proc = subprocess.Popen([*HAIYAN, *args], env=env, stdout=stdout, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        output = stdout.read()
    if proc.returncode != 0:
        raise SystemExit(f"haiyan {' '.join(args)} failed ({proc.returncode}):\n{err.decode()}")
    return seconds, usage.ru_maxrss / 1024, output, usage.ru_utime + usage.ru_stime


def save_pay_sheets_and_logins(url: str) -> None:
    """Every institution's pay sheet (T = 500,000.00) and the demo logins (own process)."""
    from haiyan_comp.app import create_app
    from haiyan_comp.bonus.services import record_pay_sheet
    from haiyan_comp.db import db
    from haiyan_comp.demo.users import ensure_demo_users

    app = create_app({"DATABASE_URL": url}, web=False)
    with app.app_context(), db.unit_of_work() as session:
        for code, _ in DEMO_INSTITUTIONS:
            record_pay_sheet(session, YEAR, code, 50_000_000, by="bench")
        ensure_demo_users(session)


def build(database: str, rows: int, postgres_url: str, fresh: bool) -> str:
    """The county at `rows` records with every kind of document to print; built once."""
    name = f"{DATABASE}_{rows}"
    url = _exists(database, name, postgres_url)
    done = "SELECT COUNT(*) FROM users WHERE username = 'finance'"
    if url and not fresh and _scalar(url, done) == 1:
        migrate.upgrade(url)  # a database kept from an older version of the schema
        return url
    print(f"  building {name} on {database} …", flush=True)
    started = time.perf_counter()
    url = _fresh(database, name, postgres_url)
    run(url, "records", "import", str(records_file(rows)), "--json")
    in_child(draw_and_close, url, 1)
    for command in (
        ["year", "configure", str(YEAR), "--budget", "20000000", "--unit-price", "10.00",
         "--growth-cap", "0.10", "--risk-fund", "5000000", "--prepay-ratio", "0.80",
         "--instalments", "12"],
        ["prepay", "run", "--as-of", AS_OF],
        ["settle", str(YEAR), "--as-of", f"{YEAR + 1}-01-15"],
    ):  # fmt: skip
        run(url, *command)
    for code, _ in DEMO_INSTITUTIONS:
        score = "949.99" if code == BELOW else "962.50"
        run(url, "assess", "set", str(YEAR), "--institution", code,
            "--score", score, "--surplus", "300000")  # fmt: skip
    in_child(save_pay_sheets_and_logins, url)
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def web_documents(url: str) -> dict[str, Any]:
    """Every document per institution and the ZIP job, through the web layer (own process)."""
    from sqlalchemy import select

    from haiyan_comp.app import create_app
    from haiyan_comp.audit.models import AuditBatch
    from haiyan_comp.db import db
    from haiyan_comp.demo.users import DEMO_PASSWORD
    from haiyan_comp.institutions.models import Institution

    os.environ["HAIYAN_INSTANCE"] = str(INSTANCE)
    signing_key()
    app = create_app({"DATABASE_URL": url, "JOBS_INLINE": True})
    with app.app_context():
        batches = dict(
            db.session.execute(
                select(Institution.code, AuditBatch.id)
                .join(AuditBatch, AuditBatch.institution_id == Institution.id)
                .where(AuditBatch.year == YEAR, AuditBatch.closed_at.is_not(None))
            ).all()
        )
    client = app.test_client()
    token = _csrf(client)
    signed = client.post(
        "/login", data={"csrf_token": token, "username": "finance", "password": DEMO_PASSWORD}
    )
    assert signed.status_code == 302, signed.status_code
    token = _csrf(client)

    def urls(code: str) -> dict[str, str]:
        base = f"/documents/{code}"
        return {
            "statement": f"{base}/statement/{YEAR}.pdf",
            "notice": f"{base}/notice/{AS_OF}.pdf",
            "audit_report": f"{base}/audit/{batches[code]}.pdf",
            "slips": f"{base}/slips/{YEAR}.pdf",
            "slip": f"{base}/slips/{YEAR}/{code}S001.pdf",
        }

    queries = _query_counter(app.extensions["haiyan_db"]["engine"])
    cold = _timed(lambda: _pdf(client, urls("HY01")["statement"]), queries)
    timings: dict[str, list[tuple[float, float, int]]] = {kind: [] for kind in KINDS}
    for code, _ in DEMO_INSTITUTIONS:
        for kind, path in urls(code).items():
            timings[kind].append(_timed(lambda path=path: _pdf(client, path), queries))  # type: ignore[misc]
    zip_wall, zip_cpu, zip_queries = _timed(lambda: _zip(client, token), queries)
    documents = {}
    for kind, runs in timings.items():
        wall = [w for w, _, _ in runs]
        documents[kind] = {
            "n": len(runs),
            "p50": round(statistics.median(wall), 3),
            "p95": round(_quantile(wall, 0.95), 3),
            "max": round(max(wall), 3),
            "cpu_p50": round(statistics.median(c for _, c, _ in runs), 3),
            "queries_max": max(q for _, _, q in runs),
        }
    return {
        "cold_seconds": round(cold[0], 3),
        "documents": documents,
        "zip_seconds": round(zip_wall, 2),
        "zip_cpu": round(zip_cpu, 2),
        "zip_queries": zip_queries,
    }


def _query_counter(engine: Any) -> list[int]:
    """A one-item list counting the statements `engine` sends (a load-independent figure)."""
    from sqlalchemy import event

    count = [0]

    def note(*_: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", note)
    return count


def _timed(work: Callable[[], object], queries: list[int]) -> tuple[float, float, int]:
    """Wall seconds, this process's CPU seconds and the SQL statements sent, of `work`."""
    sent, cpu, started = queries[0], time.process_time(), time.perf_counter()
    work()
    return time.perf_counter() - started, time.process_time() - cpu, queries[0] - sent


def _csrf(client: Any) -> str:
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _pdf(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.data.startswith(b"%PDF"), (path, response)


def _zip(client: Any, token: str) -> None:
    """Start the ZIP job (inline) and open its result page, as the browser follows it."""
    started = client.post(f"/finance/statements/zip?year={YEAR}", data={"csrf_token": token})
    assert started.status_code == 302, started.status_code
    result = client.get(started.headers["Location"], follow_redirects=True)
    assert "已生成 9 份结算单" in result.get_data(as_text=True), result.status_code


def whole_command(url: str, runs: int) -> dict[str, Any]:
    """`haiyan statement 2018 --all` as a whole process, `runs` times; verify one of its files."""
    seconds, peaks, cpu = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            took, peak, _, used = run(url, "statement", str(YEAR), "--all", "--out", folder)
            seconds.append(took)
            peaks.append(peak)
            cpu.append(used)
        pdfs = sorted(Path(folder).glob("*.pdf"))
        verify, _, said, _ = run(url, "statement", "verify", str(pdfs[0]))
        assert b"matches the database" in said, said
    startup, _, _, startup_cpu = run(url, "statement", "--help")
    return {
        "statements": len(pdfs),
        "all_p50": round(statistics.median(seconds), 2),
        "all_max": round(max(seconds), 2),
        "all_cpu_p50": round(statistics.median(cpu), 2),
        "all_peak_mb": round(max(peaks), 1),
        "verify_seconds": round(verify, 2),
        "startup_seconds": round(startup, 2),
        "startup_cpu": round(startup_cpu, 2),
    }


def bench_one(database: str, rows: int, args: argparse.Namespace) -> dict[str, Any]:
    """Build (or reuse) the county, then time its documents."""
    url = build(database, rows, args.postgres, args.fresh)
    load = os.getloadavg()[0]
    result: dict[str, Any] = {"database": database, "records": rows}
    result.update(whole_command(url, args.runs))
    documents: dict[str, Any] = in_child(web_documents, url)
    result.update(documents)
    result["load_before"] = round(load, 2)
    result["load_after"] = round(os.getloadavg()[0], 2)
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    """One line per database and size; then each document kind's figures."""
    print(f"{'database':<11}{'records':>10}{'--all p50':>10}{'max':>6}{'CPU s':>7}{'peak MB':>8}"
          f"{'ZIP s':>7}{'CPU s':>7}{'SQL':>5}{'cold s':>7}{'verify':>7}{'start':>6}"
          f"{'CPU s':>6}{'load':>10}")  # fmt: skip
    for r in results:
        load = f"{r['load_before']:.1f}/{r['load_after']:.1f}"
        print(f"{r['database']:<11}{r['records']:>10,}{r['all_p50']:>10.2f}{r['all_max']:>6.2f}"
              f"{r['all_cpu_p50']:>7.2f}{r['all_peak_mb']:>8.1f}{r['zip_seconds']:>7.2f}"
              f"{r['zip_cpu']:>7.2f}{r['zip_queries']:>5}{r['cold_seconds']:>7.2f}"
              f"{r['verify_seconds']:>7.2f}{r['startup_seconds']:>6.2f}{r['startup_cpu']:>6.2f}"
              f"{load:>10}")  # fmt: skip
    print()
    print(f"{'database':<11}{'records':>10}  {'document':<14}{'p50 s':>7}{'p95 s':>7}{'max s':>7}"
          f"{'CPU p50':>8}{'SQL max':>8}")  # fmt: skip
    for r in results:
        for kind in KINDS:
            d = r["documents"][kind]
            figures = f"{d['p50']:>7.3f}{d['p95']:>7.3f}{d['max']:>7.3f}{d['cpu_p50']:>8.3f}"
            print(f"{r['database']:<11}{r['records']:>10,}  {kind:<14}{figures}"
                  f"{d['queries_max']:>8}")  # fmt: skip


def main() -> None:
    """Run the documents benchmark for every size and database asked for."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=3, help="Runs of the --all command.")
    parser.add_argument("--fresh", action="store_true", help="Rebuild the kept databases.")
    parser.add_argument("--out", type=Path, default=OUT / "statements.json")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in args.sizes:
        for database in args.databases:
            print(f"{database}: {rows:,} records …", flush=True)
            result = bench_one(database, rows, args)
            print(f"  {json.dumps(result)}", flush=True)
            results.append(result)
    print()
    print_table(results)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
