"""Timing requests in-process: signed-in test clients, queries counted, p50/p95, profiles.

Each request is timed with time.perf_counter around the test client's call,
body read included. A SQLAlchemy listener counts the statements a request
sends and their time, and keeps the slowest, so a slow route says where its
time goes (the database or Python) without a profiler.
"""

from __future__ import annotations

import cProfile
import io
import math
import os
import pstats
import re
import resource
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from bench.pages.routes import LOGINS

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PAGE_MS, DOCUMENT_MS, ZIP_MS = 300.0, 1000.0, 5000.0


class Statements:
    """Counts what the engine sends between two resets: statements, their time, the slowest."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.seconds = 0.0
        self.slowest = (0.0, "")
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.count, self.seconds, self.slowest = 0, 0.0, (0.0, "")

    def _before(self, *_args: Any) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        spent = time.perf_counter() - self._started
        self.seconds += spent
        if spent > self.slowest[0]:
            self.slowest = (spent, " ".join(statement.split())[:300])


@dataclass
class Timing:
    """What one probe (or one kind of write) measured."""

    name: str
    role: str
    method: str
    path: str
    kind: str  # page, api, document, write, zip
    n: int = 0
    status: str = ""
    first_ms: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    queries: int = 0
    sql_ms: float = 0.0
    slowest_sql_ms: float = 0.0
    slowest_sql: str = ""
    peak_mb: float = 0.0
    load1: float = 0.0
    target_ms: float | None = None
    expect: int = 0  # the status every request must answer; 0: any below 400
    met: bool | None = None
    samples_ms: list[float] = field(default_factory=list)

    def answered(self) -> bool:
        """Whether every request got the status it should (a refusal is no timing to keep)."""
        codes = {int(code) for code in self.status.split("/") if code}
        return codes == {self.expect} if self.expect else all(code < 400 for code in codes)

    def finish(self) -> Timing:
        """p50/p95 (nearest rank) of the samples, and the target's verdict."""
        ordered = sorted(self.samples_ms)
        self.n = len(ordered)
        if ordered:
            self.p50_ms = round(statistics.median(ordered), 1)
            self.p95_ms = round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)], 1)
            self.max_ms = round(ordered[-1], 1)
        if self.target_ms is not None:
            self.met = self.p95_ms <= self.target_ms and self.answered()
        self.peak_mb = peak_mb()
        self.load1 = round(os.getloadavg()[0], 2)
        return self


def peak_mb() -> float:
    """This process's peak resident memory so far."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Browser:
    """A test client signed in as one role (or holding an API token, or nobody)."""

    def __init__(self, app: Flask, role: str, password: str, token: str | None = None) -> None:
        self.role = role
        self.client: FlaskClient = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"} if role == "platform" else {}
        if role in LOGINS:
            page = self.client.get("/login").get_data(as_text=True)
            sent = self.client.post(
                "/login",
                data={"csrf_token": _csrf(page), "username": LOGINS[role], "password": password},
            )
            assert sent.status_code == 302, f"{role} could not sign in: {sent.status_code}"

    def csrf(self) -> str:
        """The session's CSRF token, read off a page as a browser has it."""
        return _csrf(self.client.get("/", follow_redirects=True).get_data(as_text=True))

    def request(self, method: str, url: str, **kwargs: Any) -> tuple[float, int, bytes]:
        """Send one request; seconds (body read), status and body."""
        started = time.perf_counter()
        response = self.client.open(url, method=method, headers=self.headers, **kwargs)
        body = response.get_data()
        seconds = time.perf_counter() - started
        response.close()
        return seconds, response.status_code, body


def _csrf(page: str) -> str:
    match = CSRF_META.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def kind_of(path: str, document: bool) -> str:
    if document:
        return "document"
    return "api" if path.startswith("/api/") else "page"


def target_for(kind: str) -> float | None:
    return {"page": PAGE_MS, "api": PAGE_MS, "document": DOCUMENT_MS, "zip": ZIP_MS}.get(kind)


def time_get(
    browser: Browser,
    statements: Statements,
    timing: Timing,
    *,
    reps: int,
    budget: float,
) -> Timing:
    """One warm-up request (its time kept as first_ms), then `reps` timed ones.

    A route that has spent `budget` seconds stops early, after 5 requests (3 when
    the warm-up took over 5 s, 1 when it took over 30 s); n says how many.
    """
    first, status, _ = browser.request("GET", timing.path)
    timing.first_ms = round(first * 1000, 1)
    min_reps = 5 if first < 5 else 3 if first < 30 else 1
    statuses: Counter[int] = Counter([status])
    queries, sql = [], []
    spent = 0.0
    while len(timing.samples_ms) < reps and (len(timing.samples_ms) < min_reps or spent < budget):
        statements.reset()
        seconds, status, _ = browser.request("GET", timing.path)
        spent += seconds
        statuses[status] += 1
        timing.samples_ms.append(seconds * 1000)
        queries.append(statements.count)
        sql.append(statements.seconds * 1000)
        if statements.slowest[0] * 1000 > timing.slowest_sql_ms:
            timing.slowest_sql_ms = round(statements.slowest[0] * 1000, 1)
            timing.slowest_sql = statements.slowest[1]
    timing.status = "/".join(str(s) for s, _n in statuses.most_common())
    timing.queries = int(statistics.median(queries))
    timing.sql_ms = round(statistics.median(sql), 1)
    return timing.finish()


def time_call(
    statements: Statements, timing: Timing, send: Callable[[], tuple[float, int, bytes]]
) -> tuple[int, bytes]:
    """One timed write (added to `timing`'s samples); its status and body."""
    statements.reset()
    seconds, status, body = send()
    timing.samples_ms.append(seconds * 1000)
    timing.queries = max(timing.queries, statements.count)
    timing.sql_ms = max(timing.sql_ms, round(statements.seconds * 1000, 1))
    if statements.slowest[0] * 1000 > timing.slowest_sql_ms:
        timing.slowest_sql_ms = round(statements.slowest[0] * 1000, 1)
        timing.slowest_sql = statements.slowest[1]
    codes = set(timing.status.split("/")) - {""} | {str(status)}
    timing.status = "/".join(sorted(codes))
    return status, body


def profile(browser: Browser, path: str, lines: int = 30) -> str:
    """One request under cProfile: the functions with the most cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    browser.request("GET", path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    return out.getvalue()
