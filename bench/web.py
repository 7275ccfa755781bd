"""Web benchmark (issue 7): `python -m bench.web`.

The demo county with 5,000,000 records (`haiyan demo --records N`, built once
per database and kept in bench/out/), served by gunicorn as in production;
50 concurrent users, each signed in as one of the nine centres, load the
centre dashboard with wrk. Two loads:

- closed loop: every user asks again the moment an answer arrives (the worst
  case: 50 requests always in flight on this machine's cores);
- with think time: every user waits THINK ms between pages (people reading).

Prints requests/s, p50/p95/p99 latency and the server's peak memory (all
gunicorn processes), and writes bench/out/web.json. The target is p95 ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
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
    workers: int
    requests: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    server_peak_mb: float


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


def start_server(url: str, workers: int, threads: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HAIYAN_SECRET_KEY": "bench-only",
        "HAIYAN_INSTANCE": str(OUT / "web-instance"),
    }
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--worker-class", "gthread", "--log-level", "warning",
         "wsgi:app"],
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


def run_wrk(base: str, cookies: list[str], path: str, users: int, seconds: int, think: int,
            server: subprocess.Popen[bytes]) -> tuple[list[int], float]:  # fmt: skip
    script = LUA.replace("{COOKIES}", "{" + ",".join(json.dumps(c) for c in cookies) + "}")
    script = script.replace("{THINK}", str(think)).replace("{PATH}", path)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    wrk = subprocess.Popen(
        ["wrk", "-t", "2", "-c", str(users), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", handle.name, base],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak = 0.0
    while wrk.poll() is None:
        peak = max(peak, rss_mb(server.pid))
        time.sleep(0.5)
    output = wrk.stdout.read() if wrk.stdout else ""
    os.unlink(handle.name)
    line = next((ln for ln in output.splitlines() if ln.startswith("RESULT")), None)
    if line is None:
        raise RuntimeError(output)
    return [int(v) for v in line.split()[1:]], peak


def bench(database: str, url: str, records: int, args: argparse.Namespace) -> list[Load]:
    server, base = start_server(url, args.workers, args.threads)
    try:
        cookies = [session_cookie(base, f"hy0{n}") for n in range(1, 10)]
        path = f"/centre/?year={args.year}"
        for cookie in cookies:  # each page once: the check that it answers, and warm caches
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.status == 200 and b"centre" in answer.url.encode(), answer.url
        loads = []
        for kind, think in (("closed loop", 0), (f"think {args.think} ms", args.think)):
            values, peak = run_wrk(base, cookies, path, args.users, args.seconds, think, server)
            count, micros, p50, p95, p99, bad_status, failed = values
            loads.append(
                Load(database, records, kind, args.users, args.workers, count,
                     round(count / (micros / 1e6), 1), p50 / 1000, p95 / 1000, p99 / 1000,
                     bad_status + failed, round(peak, 1)),
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
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (an admin database)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    targets = [] if args.skip_sqlite else ["sqlite"]
    if args.postgres:
        targets.append("postgresql")
    results: list[Load] = []
    for database in targets:
        url = database_url(database, args.postgres or "", args.records)
        results.extend(bench(database, url, args.records, args))
    print(f"\n{'database':<11}{'records':>10} {'load':<15}{'users':>6}{'req/s':>8}"
          f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}{'server MB':>10}")  # fmt: skip
    for r in results:
        print(
            f"{r.database:<11}{r.records:>10,} {r.kind:<15}{r.users:>6}{r.requests_per_second:>8}"
            f"{r.p50_ms:>8.1f}{r.p95_ms:>8.1f}{r.p99_ms:>8.1f}{r.errors:>7}{r.server_peak_mb:>10}"
        )
    (OUT / "web.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
