"""The one records search finds the same records whichever way it finds them.

`search_records` picks a plan (walk the primary key, an index, or nothing at
all) from the running totals; a wrong pick may be slow but must never change
what a user sees. Each search here is paged to its end under every plan and
compared with the records filtered in Python.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.queries import RecordSearch, search
from haiyan_comp.records.queries import search_records as find
from tests.web.conftest import read
from tests.web.test_api_helpers import call, token

PLANS = ("walk", "item", "staff", "source", "resident")


def _all(session: Session) -> list[dict[str, Any]]:
    r = ServiceRecord
    rows = session.execute(
        select(r, Institution.code, Staff.code, ServiceItem.code)
        .join(Institution, Institution.id == r.institution_id)
        .join(Staff, Staff.id == r.staff_id)
        .join(ServiceItem, ServiceItem.id == r.item_id)
        .order_by(r.id)
    )
    return [
        {"id": rec.id, "institution_id": rec.institution_id, "institution": inst, "staff": staff,
         "item": item, "year": rec.year, "day": rec.service_date, "resident": rec.resident_id,
         "source_id": rec.source_id}
        for rec, inst, staff, item in rows
    ]  # fmt: skip


def _expected(records: list[dict[str, Any]], s: RecordSearch) -> list[int]:
    def keep(x: dict[str, Any]) -> bool:
        return (
            (s.institution_id is None or x["institution_id"] == s.institution_id)
            and (s.year is None or x["year"] == s.year)
            and (s.item is None or x["item"] == s.item)
            and (s.staff is None or x["staff"] == s.staff)
            and (s.resident_id is None or x["resident"] == s.resident_id)
            and (s.source_id is None or x["source_id"] == s.source_id)
            and (s.date_from is None or x["day"] >= s.date_from)
            and (s.date_to is None or x["day"] <= s.date_to)
        )

    ids = [x["id"] for x in records if keep(x)]
    return ids[::-1] if s.newest_first else ids


def _paged(session: Session, s: RecordSearch) -> list[int]:
    """Every page of a search, by its cursor, end to end."""
    found: list[int] = []
    while True:
        page = find(session, s)
        assert len(page.rows) <= s.limit
        found += [row.id for row in page.rows]
        if page.next_cursor is None:
            return found
        s = (
            replace(s, before=page.next_cursor)
            if s.newest_first
            else replace(s, after=page.next_cursor)
        )


def _searches(records: list[dict[str, Any]]) -> list[RecordSearch]:
    hy01 = next(x for x in records if x["institution"] == "HY01")
    counts: dict[str, int] = {}
    for x in records:
        if x["institution_id"] == hy01["institution_id"]:
            counts[x["item"]] = counts.get(x["item"], 0) + 1
    rare = min(counts, key=lambda code: counts[code])
    other = next(x for x in records if x["institution"] != "HY01")
    month = hy01["day"].replace(day=1)
    filters: list[dict[str, Any]] = [
        {},
        {"item": "OP"},
        {"item": rare},
        {"staff": hy01["staff"]},
        {"staff": hy01["staff"], "item": hy01["item"]},
        {"date_from": month, "date_to": month.replace(day=28)},
        {"date_from": hy01["day"], "date_to": hy01["day"], "item": hy01["item"]},
        {"year": 2018},
        {"resident_id": hy01["resident"]},
        {"source_id": hy01["source_id"]},
        {"staff": other["staff"]},  # another institution's member: none in HY01's scope
    ]
    scopes = [hy01["institution_id"], None]
    return [
        RecordSearch(institution_id=scope, newest_first=newest, limit=100, **f)
        for f in filters
        for scope in scopes
        for newest in (True, False)
    ]


def test_every_plan_finds_the_same_records(
    app: Flask, county: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = search.choose_plan

    def check(session: Session) -> int:
        records = _all(session)
        checked = 0
        for s in _searches(records):
            expected = _expected(records, s)
            assert _paged(session, s) == expected, s  # the plan the totals choose
            for plan in PLANS:
                monkeypatch.setattr(search, "choose_plan", lambda *_a, p=plan: p)
                assert _paged(session, s) == expected, (plan, s)
            monkeypatch.setattr(search, "choose_plan", chosen)
            checked += len(expected)
        return checked

    assert read(app, check) > 0


def test_nothing_to_find_reads_no_records(app: Flask, county: dict[str, Any]) -> None:
    def check(session: Session) -> list[list[int]]:
        hy01 = session.scalar(select(Institution.id).where(Institution.code == "HY01"))
        searches = [
            RecordSearch(
                institution_id=hy01, date_from=date(2016, 1, 1), date_to=date(2016, 12, 31)
            ),
            RecordSearch(institution_id=hy01, year=2017),
            RecordSearch(institution_id=hy01, item="NO-SUCH-ITEM"),
            RecordSearch(institution_id=hy01, staff="NO-SUCH-STAFF"),
        ]
        return [[row.id for row in find(session, s).rows] for s in searches]

    assert read(app, check) == [[], [], [], []]


def test_the_api_filters_by_staff_member_and_keeps_its_fields(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    secret = token(runner, "platform")
    first = call(client, "GET", "/records?institution=HY01&limit=5", secret)["records"][0]
    assert set(first) == {
        "id", "source_id", "institution", "staff", "item", "year", "service_date",
        "resident_id", "quantity", "units", "purchasable", "capped", "import_id", "line",
    }  # fmt: skip
    staff = first["staff"]
    page = call(client, "GET", f"/records?staff={staff}&limit=500", secret)
    assert page["records"] and all(r["staff"] == staff for r in page["records"])
    assert first["id"] in {r["id"] for r in page["records"]}
