"""Every page and document, as each role reads it: Chinese, the county's clock, plain words.

The crawler signs in as each demo login, reads every page it can reach, sends
each form once as it stands and opens every download, and fails on English
words, a time not in the county's zone, a rule number or a formula symbol in
what a person sees (tests/crawl/sight.py says exactly what). Then the error
pages, and the English switch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.crawl.conftest import stage
from tests.crawl.crawler import Crawl, utc_wall_times
from tests.crawl.sight import problems, seen
from tests.web.conftest import csrf_token

# Findings on pages other helpers are still building, by page (a regex of the URL) and
# finding (a regex). TEMPORARY: emptied when their work lands (issue 15).
TEMPORARY_ALLOWLIST_BY_PAGE: dict[str, list[str]] = {}

# A centre's upload: two good rows, a row of another institution, a bad date, a bad quantity.
UPLOAD = (
    b"source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
    b"CRAWL-1,HY01,HY01S001,OP,2018-03-01,P-CRAWL-1,1\n"
    b"CRAWL-2,HY01,HY01S001,OP,2018-03-02,P-CRAWL-2,1\n"
    b"CRAWL-3,HY02,HY01S001,OP,2018-03-02,P-CRAWL-3,1\n"
    b"CRAWL-4,HY01,HY01S001,OP,2018-02-30,P-CRAWL-4,1\n"
    b"CRAWL-5,HY01,HY01S001,OP,2018-03-03,P-CRAWL-5,-7\n"
)

Person = Callable[[str], FlaskClient]


def unexpected(findings: dict[str, list[str]]) -> dict[str, list[str]]:
    """The findings the temporary allowlist does not cover."""
    left: dict[str, list[str]] = {}
    for page, found in findings.items():
        allowed = [
            re.compile(pattern)
            for page_pattern, patterns in TEMPORARY_ALLOWLIST_BY_PAGE.items()
            if re.search(page_pattern, page)
            for pattern in patterns
        ]
        rest = [f for f in found if not any(p.search(f) for p in allowed)]
        if rest:
            left[page] = rest
    return left


def report(crawl: Crawl) -> str:
    """What was read, and each finding once with the pages it is on."""
    lines = [
        f"{len(crawl.visited)} pages, {len(crawl.documents)} documents, "
        f"{len(crawl.forms_sent)} forms, statuses {dict(crawl.statuses)}",
        f"links to nothing (404, 405): {crawl.missing}",
    ]
    pages: dict[str, list[str]] = {}
    for page, found in unexpected(crawl.findings).items():
        for line in dict.fromkeys(found):
            pages.setdefault(line, []).append(page)
    for line, where in pages.items():
        lines.append(f"{line}\n      on {', '.join(where[:3])}{' …' if len(where) > 3 else ''}")
    return "\n".join(lines)


# The roles in the order they work on the county: the auditor draws and closes, finance
# settles, then the centre, its staff and the administrator read the results.
ROLES = [
    ("auditor", "/audit/", "audits"),
    ("finance", "/finance/", "audited"),
    ("hy01", "/centre/", "settled"),
    ("hy01s001", "/staff/", "slips"),
]


def crawled(client: FlaskClient, home: str, skip: str | None = None) -> Crawl:
    crawl = Crawl(client, upload=UPLOAD, skip=re.compile(skip) if skip else None).run("/")
    assert home in crawl.visited, report(crawl)
    assert not any(status >= 500 for status in crawl.statuses), report(crawl)
    assert not crawl.missing, report(crawl)
    assert not unexpected(crawl.findings), report(crawl)
    print(f"{home}: {report(crawl).splitlines()[0]}; documents: {sorted(set(crawl.documents))}")
    return crawl


@pytest.mark.parametrize(("username", "home", "county"), ROLES, ids=[r[0] for r in ROLES])
def test_every_page_and_document_reads_as_the_county_speaks(
    crawl_app: Flask, person: Person, username: str, home: str, county: str
) -> None:
    stages = ("audits", "audited", "settled", "slips")
    for name in stages[: stages.index(county) + 1]:
        stage(crawl_app, name)
    crawled(person(username), home)


def test_the_pages_for_nobody_signed_in_read_as_the_county_speaks(crawl_app: Flask) -> None:
    crawl = crawled(crawl_app.test_client(), "/login")
    assert "/" in crawl.visited


def _page(response: Any) -> list[str]:
    return problems(seen(response.get_data(as_text=True)))


def test_error_pages_read_as_the_county_speaks(crawl_app: Flask, person: Person) -> None:
    staff = person("hy01s001")
    pages = {
        "403": staff.get("/finance/"),
        "404": staff.get("/no/such/page"),
        "405": staff.get("/logout"),
        "500": staff.get("/crawl/fault"),
    }
    stranger = crawl_app.test_client()
    pages["400 CSRF"] = stranger.post("/login", data={"username": "x", "password": "y"})
    token = csrf_token(stranger)
    for _ in range(6):
        pages["429"] = stranger.post(
            "/login",
            data={"csrf_token": token, "username": "nobody", "password": "wrong"},
            environ_base={"REMOTE_ADDR": "192.0.2.99"},
        )
    statuses = {name: response.status_code for name, response in pages.items()}
    assert statuses == {"403": 403, "404": 404, "405": 405, "500": 500, "400 CSRF": 400, "429": 429}
    found = {name: _page(response) for name, response in pages.items()}
    assert not any(found.values()), found


def test_the_sight_rules_catch_what_the_issue_reports() -> None:
    """The crawler's own rules, on the sentences issue 15 found."""
    html = (
        "<table><tr><th>N</th><th>ΣD</th><th>抽样数</th></tr></table>"
        "<p>欠款从以后的分期中抵扣（R14）</p><p>数量 1 follow-up</p>"
        "<p title='P_bm = min(V_bm, round(基数 × (1 + g)))'>增长上限</p>"
        "<p>2018-03-01T08:00:00+00:00</p><p>生成于 2026-12-06 08:00 UTC</p>"
        "<p>记录 R0062、HY01S001</p><script>var longword = 1;</script><label>样本量 n</label>"
        "<a href='/finance/settlement' class='button primary'>结算</a>"
    )
    found = "\n".join(problems(seen(html)))
    for expected in (
        "'N'", "'ΣD'", "'R14'", "'follow'", "V_bm", "min(", "'UTC'", "T08:00", "'g'", "样本量 n",
    ):  # fmt: skip
        assert expected in found, (expected, found)
    for innocent in ("R0062", "HY01S001", "longword", "settlement", "button", "抽样数"):
        assert innocent not in found, (innocent, found)


def test_the_administrators_pages_read_as_the_county_speaks(person: Person) -> None:
    """Last: the administrator's forms disable the other logins (but not its own)."""
    crawled(person("admin"), "/admin/", skip=r"/users/admin/")


def test_a_time_of_the_crawl_shown_on_utcs_clock_is_caught() -> None:
    from datetime import UTC, datetime

    from haiyan_comp import clock

    now = datetime.now(UTC)
    utc, county = now.strftime("%Y-%m-%d %H:%M"), clock.shown(now)
    assert utc_wall_times(seen(f"<td>抽样于 {utc}</td>"))
    assert not utc_wall_times(seen(f"<td>抽样于 {county}</td><td>2018-03-01 08:00</td>"))
