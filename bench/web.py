"""Web benchmark (issue 7): `python -m bench.web`.

The demo county with 5,000,000 records (`haiyan demo --records N`, built once
per database and kept in bench/out/), served by gunicorn as in production;
50 concurrent users, each signed in with a session of their own as one of the
nine centres' logins, load the centre dashboard with wrk. Two loads:

- closed loop: every user asks again the moment an answer arrives (the worst
  case: 50 requests always in flight on this machine's cores);
- with think time: every user waits THINK ms between pages (people reading).

Prints requests/s, p50/p95/p99 latency, the server's peak memory (all
gunicorn processes) and where the machine's CPU went during each load: the
share of both cores used by wrk (the load generator runs on the same machine),
by gunicorn and by the PostgreSQL backends of the bench database, and the
server's own CPU milliseconds per request (a figure that does not depend on
what else the machine is doing), and the busiest worker's share of the
server's CPU (how evenly the workers shared the load: 25% of 4 when even).
Writes bench/out/web.json. The target is p95 ≤ 200 ms in the closed loop.

`--worker-class`, `--workers` and `--threads` choose gunicorn's worker model,
to compare them under the same load (default: sync, two workers per core).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.imports import OUT, ROOT
from haiyan_comp import migrate

BIN = Path(sys.executable).parent
DATABASE = "haiyan_bench_web"
LUA = r"""
local cookies = {COOKIES}
local counter = 0
local think = {THINK}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  conn = 0
end
request = function()
  conn = conn + 1
  local cookie = cookies[((id * 7 + conn) % #cookies) + 1]
  return wrk.format("GET", "{PATH}", {["Cookie"] = cookie})
end
if think > 0 then
  delay = function() return math.random(math.floor(think / 2), math.floor(think * 3 / 2)) end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Load:
    database: str
    records: int
    kind: str
    users: int
    server: str
    requests: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    server_peak_mb: float
    wrk_cpu_percent: float
    server_cpu_percent: float
    postgres_cpu_percent: float
    server_cpu_ms_per_request: float
    busiest_worker_percent: float
    load_average: float


def database_url(database: str, postgres_url: str, records: int) -> str:
    """The demo county at `records` records, built once and kept (it takes minutes)."""
    if database == "sqlite":
        url = f"sqlite:///{OUT / f'{DATABASE}-{records}.sqlite3'}"
    else:
        name = f"{DATABASE}_{records}"
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        have = conn.scalar(text("SELECT count(*) FROM service_records"))
    engine.dispose()
    if have != records:
        print(f"building the demo county with {records:,} records on {database} …", flush=True)
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "haiyan"), "demo", "--records", str(records)],
            env={**os.environ, "DATABASE_URL": url, "HAIYAN_INSTANCE": str(OUT / "web-instance")},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_label(args: argparse.Namespace) -> str:
    label = f"{args.worker_class} {args.workers}"
    if args.worker_class == "gthread":
        label += f"x{args.threads}" + (" ka0" if args.keep_alive == 0 else "")
    return label


def start_server(url: str, args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HAIYAN_SECRET_KEY": "bench-only",
        "HAIYAN_INSTANCE": str(OUT / "web-instance"),
    }
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--threads", str(args.threads), "--worker-class", args.worker_class,
         "--keep-alive", str(args.keep_alive), "--log-level", "warning", "wsgi:app"],
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def session_cookie(base: str, username: str) -> str:
    """Sign in through the form; the session cookie header a browser would send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page
    )
    assert token, "no CSRF token on the sign-in page"
    form = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "username": username, "password": "haiyan-demo"}
    ).encode()
    opener.open(base + "/login", data=form)
    cookie = next(c for c in jar if c.name == "haiyan_session")
    return f"haiyan_session={cookie.value}"


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    for child in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found]


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used, in seconds (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def server_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of gunicorn's master and each worker."""
    return {p: cpu_seconds(p) for p in [pid, *children(pid)]}


def postgres_cpu(database: str | None) -> dict[int, float]:
    """CPU seconds of every PostgreSQL backend serving `database` (none for SQLite)."""
    if database is None:
        return {}
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if command.startswith("postgres: ") and f" {database} " in command:
            found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots (processes that started meanwhile count whole)."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


@dataclass
class Run:
    values: list[int]
    peak_mb: float
    wrk_cpu: float
    server_cpu: float
    busiest_worker: float
    postgres_cpu: float
    seconds: float


def run_wrk(base: str, cookies: list[str], path: str, seconds: int, think: int,
            server: subprocess.Popen[bytes], args: argparse.Namespace,
            database: str | None) -> Run:  # fmt: skip
    script = LUA.replace("{COOKIES}", "{" + ",".join(json.dumps(c) for c in cookies) + "}")
    script = script.replace("{THINK}", str(think)).replace("{PATH}", path)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    server_before, postgres_before = server_cpu(server.pid), postgres_cpu(database)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    wrk = subprocess.Popen(
        ["wrk", "-t", "2", "-c", str(args.users), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", handle.name, base],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak = 0.0
    while wrk.poll() is None:
        peak = max(peak, rss_mb(server.pid))
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, now reaped
    server_after = server_cpu(server.pid)
    server_used = used(server_before, server_after)
    # How evenly the workers shared the load (100 / workers when even).
    busiest = max(value - server_before.get(pid, 0.0) for pid, value in server_after.items())
    postgres_used = used(postgres_before, postgres_cpu(database))
    wrk_used = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    output = wrk.stdout.read() if wrk.stdout else ""
    os.unlink(handle.name)
    line = next((ln for ln in output.splitlines() if ln.startswith("RESULT")), None)
    if line is None:
        raise RuntimeError(output)
    values = [int(v) for v in line.split()[1:]]
    return Run(values, peak, wrk_used, server_used, busiest, postgres_used, elapsed)


def bench(database: str, url: str, records: int, args: argparse.Namespace) -> list[Load]:
    server, base = start_server(url, args)
    postgres_database = url.rsplit("/", 1)[1] if database == "postgresql" else None
    try:
        # One sign-in per user (as a browser keeps it: the cookie after the first page).
        cookies = [session_cookie(base, f"hy0{n % 9 + 1}") for n in range(args.users)]
        path = f"/centre/?year={args.year}"
        # Each page a few times per worker: the check that it answers, and every
        # worker's caches warm (each process renders each page once per version).
        for cookie in cookies * (2 * args.workers):
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.status == 200 and b"centre" in answer.url.encode(), answer.url
        loads = []
        kinds = [("closed loop", 0), (f"think {args.think} ms", args.think)]
        for kind, think in kinds if not args.closed_only else kinds[:1]:
            load_average = os.getloadavg()[0]
            run = run_wrk(base, cookies, path, args.seconds, think, server, args, postgres_database)
            count, micros, p50, p95, p99, bad_status, failed = run.values
            capacity = run.seconds * (os.cpu_count() or 1) / 100  # CPU seconds per percent
            loads.append(
                Load(database, records, kind, args.users, server_label(args), count,
                     round(count / (micros / 1e6), 1), p50 / 1000, p95 / 1000, p99 / 1000,
                     bad_status + failed, round(run.peak_mb, 1),
                     round(run.wrk_cpu / capacity, 1), round(run.server_cpu / capacity, 1),
                     round(run.postgres_cpu / capacity, 1),
                     round(run.server_cpu * 1000 / max(count, 1), 2),
                     round(100 * run.busiest_worker / max(run.server_cpu, 1e-9), 1),
                     round(load_average, 2)),
            )  # fmt: skip
        return loads
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--think", type=int, default=1000, help="ms between a user's pages")
    # Sync workers: a worker takes a connection only when it is free, so the load
    # spreads evenly (gthread workers keep whatever keep-alive connections they
    # accepted: one held 42 of the 50, the others 3, 3 and 2).
    parser.add_argument("--worker-class", default="sync", choices=("gthread", "sync"))
    # cores + 1: measured best on 2 cores (3 sync workers: p95 124 ms SQLite, 182 ms PostgreSQL,
    # against 160 and 273 ms with 4), since every request is CPU-bound Python.
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--keep-alive", type=int, default=2, help="gunicorn's --keep-alive seconds (0: off)"
    )
    parser.add_argument("--closed-only", action="store_true", help="skip the think-time load")
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (an admin database)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--output", default="web.json", help="file name under bench/out/")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench.web drives the load with wrk: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    targets = [] if args.skip_sqlite else ["sqlite"]
    if args.postgres:
        targets.append("postgresql")
    results: list[Load] = []
    for database in targets:
        url = database_url(database, args.postgres or "", args.records)
        results.extend(bench(database, url, args.records, args))
    print(f"\n{'database':<11}{'records':>10} {'server':<12}{'load':<15}{'users':>6}{'req/s':>8}"
          f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}{'server MB':>10}"
          f"{'wrk %':>7}{'app %':>7}{'pg %':>6}{'app ms/req':>11}{'top worker %':>13}"
          f"{'load':>6}")  # fmt: skip
    for r in results:
        print(
            f"{r.database:<11}{r.records:>10,} {r.server:<12}{r.kind:<15}{r.users:>6}"
            f"{r.requests_per_second:>8}{r.p50_ms:>8.1f}{r.p95_ms:>8.1f}{r.p99_ms:>8.1f}"
            f"{r.errors:>7}{r.server_peak_mb:>10}{r.wrk_cpu_percent:>7}{r.server_cpu_percent:>7}"
            f"{r.postgres_cpu_percent:>6}{r.server_cpu_ms_per_request:>11}"
            f"{r.busiest_worker_percent:>13}{r.load_average:>6}"
        )
    (OUT / args.output).write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
