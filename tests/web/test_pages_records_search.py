"""The records search people asked for: ids and residents by their beginning, sorted by date,
item or units, with a total; the centre's page and GET /api/v1/records alike."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.queries import search
from tests.web.conftest import SignIn, read
from tests.web.test_api_helpers import bearer, token


def _hy01(session: Session) -> list[dict[str, Any]]:
    r = ServiceRecord
    rows = session.execute(
        select(r, Staff.code, ServiceItem.code)
        .join(Institution, Institution.id == r.institution_id)
        .join(Staff, Staff.id == r.staff_id)
        .join(ServiceItem, ServiceItem.id == r.item_id)
        .where(Institution.code == "HY01")
        .order_by(r.id)
    )
    return [
        {"id": rec.id, "source_id": rec.source_id, "resident": rec.resident_id,
         "day": rec.service_date, "units": rec.units, "staff": staff, "item": item}
        for rec, staff, item in rows
    ]  # fmt: skip


def _shown(html: str) -> list[str]:
    table = html[html.index('id="records"') :] if 'id="records"' in html else ""
    return re.findall(r'<td class="code">([^<]+)</td>\s*<td>', table)


def _total(html: str) -> str:
    match = re.search(r'<p id="total"[^>]*>(.*?)</p>', html, re.S)
    assert match
    return match.group(1)


def _api(client: FlaskClient, secret: str, **args: Any) -> Any:
    response = client.get("/api/v1/records", query_string=args, headers=bearer(secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def hy01(app: Flask, county: Any) -> list[dict[str, Any]]:
    return list(read(app, _hy01))


def test_source_ids_and_residents_are_found_by_their_beginning(
    signed_in: SignIn, hy01: list[dict[str, Any]]
) -> None:
    browser = signed_in("hy01")
    prefix = hy01[0]["source_id"][:-1]
    expected = [x["source_id"] for x in hy01 if x["source_id"].startswith(prefix)]
    html = browser.get("/centre/records", query_string={"source_id": prefix}).get_data(as_text=True)
    shown = _shown(html)
    assert shown and all(s.startswith(prefix) for s in shown)
    assert sorted(shown) == sorted(expected)[: len(shown)] or set(shown) <= set(expected)
    assert f"共 {len(expected):,} 条" in _total(html)

    resident = next(x["resident"] for x in hy01 if x["resident"])
    start = resident[: max(1, len(resident) - 2)]
    wanted = {x["source_id"] for x in hy01 if (x["resident"] or "").startswith(start)}
    html = browser.get("/centre/records", query_string={"resident_id": start}).get_data(
        as_text=True
    )
    assert set(_shown(html)) <= wanted and f"共 {len(wanted):,} 条" in _total(html)

    html = browser.get("/centre/records", query_string={"source_id": "NO-SUCH-"}).get_data(
        as_text=True
    )
    assert "共 0 条" in _total(html) and "没有符合条件的记录" in html


def test_the_total_counts_every_match(signed_in: SignIn, hy01: list[dict[str, Any]]) -> None:
    browser = signed_in("hy01")
    assert f"共 {len(hy01):,} 条" in _total(browser.get("/centre/records").get_data(as_text=True))
    member = hy01[0]["staff"]
    mine = [x for x in hy01 if x["staff"] == member]
    html = browser.get("/centre/records", query_string={"staff": member}).get_data(as_text=True)
    assert f"共 {len(mine):,} 条" in _total(html)
    day = hy01[0]["day"]
    that_day = [x for x in hy01 if x["day"] == day]
    html = browser.get(
        "/centre/records", query_string={"from": day.isoformat(), "to": day.isoformat()}
    ).get_data(as_text=True)
    said = _total(html)
    assert f"共 {len(that_day):,} 条" in said or "约" in said


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [("units_desc", "units", True), ("units", "units", False), ("date", "day", False),
     ("date_desc", "day", True), ("item", "item", False)],
)  # fmt: skip
def test_every_sort_orders_the_whole_result(
    signed_in: SignIn, hy01: list[dict[str, Any]], sort: str, key: str, reverse: bool
) -> None:
    browser = signed_in("hy01")
    by_source = {x["source_id"]: x for x in hy01}
    seen: list[str] = []
    page = 1
    while True:
        html = browser.get("/centre/records", query_string={"sort": sort, "page": page}).get_data(
            as_text=True
        )
        shown = _shown(html)
        seen += shown
        if 'rel="next"' not in html:
            break
        page += 1
    assert sorted(seen) == sorted(by_source)  # every record once
    values = [by_source[s][key] for s in seen]
    assert values == sorted(values, reverse=reverse)


def test_a_sort_of_too_many_records_is_refused_with_the_reason(
    signed_in: SignIn, hy01: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SORT_BUDGET", 10)
    html = signed_in("hy01").get("/centre/records?sort=units_desc").get_data(as_text=True)
    assert "符合条件的记录太多，无法排序" in html
    assert _shown(html)[0] == hy01[-1]["source_id"]  # the latest imported first instead


def test_the_api_searches_sorts_and_counts_the_same_way(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, hy01: list[dict[str, Any]]
) -> None:
    secret = token(runner, "centre", "HY01")
    prefix = hy01[0]["source_id"][:-1]
    expected = sorted(x["source_id"] for x in hy01 if x["source_id"].startswith(prefix))
    found = _api(client, secret, source_id_prefix=prefix, count="true", limit=500)
    assert sorted(r["source_id"] for r in found["records"]) == expected
    assert found["total"] == len(expected) and found["total_exact"]
    exact = _api(client, secret, source_id=prefix)  # the exact id: nothing starts-with
    assert all(r["source_id"] == prefix for r in exact["records"])

    ids: list[int] = []
    offset: int | None = 0
    while offset is not None:
        page = _api(client, secret, sort="units", order="desc", offset=offset, limit=200)
        assert page["sorted"] and page["next_after"] is None
        ids += [r["id"] for r in page["records"]]
        offset = page["next_offset"]
    units = {x["id"]: x["units"] for x in hy01}
    assert sorted(ids) == sorted(units) and [units[i] for i in ids] == sorted(
        units.values(), reverse=True
    )
    other = token(runner, "centre", "HY02")
    theirs = _api(client, other, source_id_prefix=prefix, count="true")
    assert all(r["institution"] == "HY02" for r in theirs["records"])


def test_a_prefix_matching_very_many_says_at_least(
    signed_in: SignIn, hy01: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from haiyan_comp.records.queries import plan

    monkeypatch.setattr(plan, "PREFIX_PROBE", 5)
    monkeypatch.setattr(search, "PREFIX_PROBE", 5)
    browser = signed_in("hy01")
    html = browser.get("/centre/records?source_id=HY01").get_data(as_text=True)
    assert "超过 5 条" in _total(html) and 'id="source-order"' in html
    seen, page = _shown(html), 1
    while 'rel="next"' in html:  # in source-id order, page by page, each record once
        page += 1
        html = browser.get(f"/centre/records?source_id=HY01&page={page}").get_data(as_text=True)
        seen += _shown(html)
    assert seen == sorted(x["source_id"] for x in hy01 if x["source_id"].startswith("HY01"))


def test_the_api_and_the_export_page_a_common_prefix_in_source_order(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    hy01: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from haiyan_comp.operations import records as operations
    from haiyan_comp.records.queries import RecordSearch, plan
    from haiyan_comp.workbooks.records import every_record

    monkeypatch.setattr(plan, "PREFIX_PROBE", 5)
    monkeypatch.setattr(search, "PREFIX_PROBE", 5)
    expected = sorted(x["source_id"] for x in hy01 if x["source_id"].startswith("HY01"))
    secret = token(runner, "centre", "HY01")
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = _api(client, secret, source_id_prefix="HY01", offset=offset, limit=40)
        assert page["next_after"] is None
        seen += [r["source_id"] for r in page["records"]]
        offset = page["next_offset"]
    assert seen == expected
    wanted = RecordSearch(institution_id=None, source_id="HY01", source_prefix=True)
    with app.app_context():
        exported = [r["source_id"] for r in every_record(wanted, operations.search)]
    assert exported == expected
