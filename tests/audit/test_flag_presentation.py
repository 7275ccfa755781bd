"""The flags as people and machines get them, made cheap at 10,000 rows and kept the same.

The API's flag rows skip marshmallow's per-field work (`FlagRows`): its answer
must be what `fields.List(fields.Nested(Flag))` gave, byte for byte, and the
OpenAPI document must still describe each row as a `Flag`. The pages' `reason`
filter translates a message shared by many rows once per request: each row
still reads its own message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from marshmallow import fields

from haiyan_comp.api.audits import Flag, FlagsSchema, flag_json
from haiyan_comp.audit.messages import FLAG_AFTER_IMPORT, FLAG_REPEAT, FLAG_STAFF_DAY
from haiyan_comp.messages import text
from haiyan_comp.web import layout
from haiyan_comp.web.layout import reason

REPEAT = FLAG_REPEAT(count=2, item="OP", resident="p1", day="2018-02-01")
OVER = FLAG_STAFF_DAY(staff="S1", units="33.00", day="2018-03-01", limit="32.00")
HOSTILE = FLAG_REPEAT(count=2, item="OP", resident="<b>=1+1</b>", day="2018-02-01")


def row(source: str, detail: Any, resident: str | None = "p1", **changes: Any) -> dict[str, Any]:
    entry = {
        "rule": "repeat", "institution": "HY01", "source_id": source, "staff": "S1",
        "item": "OP", "service_date": "2018-02-01", "resident_id": resident,
        "units": "1.00", "detail": detail,
    }  # fmt: skip
    entry.update(changes)
    return entry


def report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "year": 2018, "institution": None, "staff_day_limit": "32.00",
        "rules": {"repeat": "…"}, "totals": {"repeat": len(rows), "records": len(rows)},
        "institutions": [{"code": "HY01", "repeat": len(rows)}], "staff": [],
        "flags": rows, "listed": len(rows), "limit": 10_000,
    }  # fmt: skip


class MarshmallowFlags(FlagsSchema):
    """The schema as it was: every row dumped field by field."""

    flags = fields.List(fields.Nested(Flag), required=True)


ROWS = [
    row("D1", REPEAT),
    row("D2", REPEAT),  # the same message object as D1's
    row("门诊-3", OVER, resident=None, rule="staff_day", units="33.00"),
    row("<x>", HOSTILE, resident="<b>=1+1</b>"),
    row("L1", FLAG_AFTER_IMPORT(day="2018-12-01", import_id=7, imported_on="2018-11-30")),
    row("plain", "a detail that is plain text"),
    {k: v for k, v in row("no-resident-key", REPEAT).items() if k != "resident_id"},
]


def test_the_api_rows_are_what_marshmallow_gave() -> None:
    for entry in ROWS:
        assert flag_json(entry) == Flag().dump(entry)
    fast, slow = FlagsSchema().dump(report(ROWS)), MarshmallowFlags().dump(report(ROWS))
    assert json.dumps(fast, ensure_ascii=False) == json.dumps(slow, ensure_ascii=False)
    assert fast["flags"][0]["detail"] == "2 records of OP for resident p1 on 2018-02-01"
    assert fast["flags"][2]["resident_id"] is None
    assert "resident_id" not in fast["flags"][-1]


def test_the_openapi_document_still_describes_each_flag(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    flags = schemas["Flags"]["properties"]["flags"]
    assert flags["type"] == "array"
    assert flags["items"] == {"$ref": "#/components/schemas/Flag"}
    assert set(schemas["Flag"]["properties"]) == set(Flag().fields)


def test_reason_reads_each_rows_own_message_once_translated(app: Flask) -> None:
    details = [entry["detail"] for entry in ROWS] * 3
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        shown = [reason(detail) for detail in details]
        assert shown == [text(detail, "zh") for detail in details]
        again = FLAG_REPEAT(count=3, item="OP", resident="p1", day="2018-02-01")
        assert reason(again) == text(again, "zh") != reason(REPEAT)
        assert reason(None) == "" and reason("自己的话") == "自己的话"
    assert shown[0] == shown[1] == "居民 p1 于 2018-02-01 有 2 条 OP 记录" != str(REPEAT)


def test_a_shared_message_is_translated_once_per_request(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []

    def counted(value: object, locale: str) -> str:
        calls.append(value)
        return text(value, locale)

    monkeypatch.setattr(layout, "text", counted)
    for _request in range(2):
        with app.test_request_context("/"):
            assert [reason(REPEAT) for _ in range(1000)] == [text(REPEAT, "zh")] * 1000
    assert len(calls) == 2


def test_the_pages_rows_escape_every_cell_and_read_each_message(app: Flask) -> None:
    """The flags page writes its rows in one pass (web/audit/tables.flag_rows): a source
    id, resident or explanation holding markup reaches the page as text, never as tags."""
    from haiyan_comp.audit.flags import REPEAT as REPEAT_RULE
    from haiyan_comp.audit.flags import STAFF_DAY
    from haiyan_comp.web.audit.tables import flag_rows

    listed = [
        row("<x>", HOSTILE, resident="<b>=1+1</b>", rule=REPEAT_RULE, units="1234.50"),
        row("门诊-3", OVER, resident=None, rule=STAFF_DAY, units="33.00"),
    ]
    labels = {REPEAT_RULE: "同日<重复>", STAFF_DAY: "超 32 当量"}
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        html = str(flag_rows(listed, labels))
    assert "<x>" not in html and "<b>" not in html and "<重复>" not in html
    assert "&lt;x&gt;" in html and "&lt;b&gt;=1+1&lt;/b&gt;" in html
    assert html.count("<tr>") == 2 and html.count("<td") == 18
    assert '<td class="num">1,234.50</td>' in html  # grouped as the page's other figures
    assert "<td>—</td>" in html  # no resident
    assert "S1" in html and "33.00" in html and "同日&lt;重复&gt;" in html


def test_the_pages_rows_read_a_shared_explanation_once_and_keep_codes_apart_from_figures(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of one group share their explanation: it is put into words once for the
    whole page, in the page's language. A code that reads like a figure stays a code."""
    from haiyan_comp.audit.flags import REPEAT as REPEAT_RULE
    from haiyan_comp.web.audit import tables

    calls: list[object] = []

    def counted(value: object, locale: str) -> str:
        calls.append(value)
        return text(value, locale)

    monkeypatch.setattr(tables, "text", counted)
    listed = [row(f"S{n}", REPEAT, rule=REPEAT_RULE, units="1234.50") for n in range(500)]
    listed.append(row("X1", OVER, rule=REPEAT_RULE, institution="1234.50", units="1234.50"))
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        html = str(tables.flag_rows(listed, {REPEAT_RULE: "同日重复"}))
    assert calls == [REPEAT, OVER]
    assert html.count(text(REPEAT, "zh")) == 500 and html.count(text(OVER, "zh")) == 1
    last = html.split("<tr>")[-1]
    assert "<td>1234.50</td>" in last and '<td class="num">1,234.50</td>' in last
