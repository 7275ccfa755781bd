"""API answers are written by orjson exactly as Flask's json module settings would write them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask

from haiyan_comp.web.jsonbody import JSONProvider


@dataclass
class Row:
    code: str
    units: int


def _as_flask_did(app: Flask, value: object) -> str:
    """What Flask's own provider (the json module) writes, with non-ASCII text left as it is."""
    return json.dumps(
        value, default=app.json.default, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def test_an_answer_is_the_json_modules_text(app: Flask) -> None:
    assert isinstance(app.json, JSONProvider)
    value = {
        "z": [1, -2, None, True, "海盐县 <b>&"], "a": {"y": Decimal("1400000.00"), "b": "x"},
        "day": date(2018, 12, 31), "at": datetime(2019, 1, 15, 8, 30, tzinfo=UTC),
        "rows": [Row("HY01", 123456)], "big": 2**63 - 1,
    }  # fmt: skip
    written = app.json.dumps(value, separators=(",", ":"))
    assert written == _as_flask_did(app, value)
    assert written.index('"a"') < written.index('"z"')  # keys sorted, as Flask sorts them
    assert '"Mon, 31 Dec 2018 00:00:00 GMT"' in written  # dates as HTTP dates, as before


def test_what_orjson_refuses_is_written_by_the_json_module(app: Flask) -> None:
    giant = {"units": 10**40, "nested": [-(2**64)]}  # past 64 bits
    assert app.json.dumps(giant, separators=(",", ":")) == _as_flask_did(app, giant)
    assert json.loads(app.json.dumps(giant, separators=(",", ":")))["units"] == 10**40


def test_an_api_answer_in_chinese_is_utf8_and_parses_the_same(app: Flask) -> None:
    with app.test_request_context():
        response = app.json.response({"名称": "海盐县", "n": 1})
    body = response.get_data()
    assert "海盐县".encode() in body and b"\\u" not in body
    assert json.loads(body) == {"名称": "海盐县", "n": 1}
    assert response.mimetype == "application/json"
