"""POST/GET /api/v1/records: imports by upload or raw body, scoping, tokens, CSRF, paging."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from haiyan_comp.accounts.services import list_tokens, revoke_token
from haiyan_comp.db import db
from haiyan_comp.records.models import ServiceRecord
from tests.web.conftest import SignIn, csrf_token, read
from tests.web.test_api_helpers import API, call, money_fields_are_strings, token

HEADER = "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"


def rows(*specs: tuple[str, str, str]) -> str:
    """CSV of OP records: (source id, institution, staff)."""
    return HEADER + "".join(f"{s},{i},{st},OP,2018-03-0{n % 9 + 1},,1\n"
                            for n, (s, i, st) in enumerate(specs))  # fmt: skip


GOOD = rows(("API-1", "HY01", "HY01S001"), ("API-2", "HY01", "HY01S001"))
MIXED = rows(("API-3", "HY01", "HY01S001"), ("API-4", "HY02", "HY02S001"))


def count(app: Flask, prefix: str = "API-") -> int:
    def work(session: Any) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ServiceRecord)
                .where(ServiceRecord.source_id.like(prefix + "%"))
            )
        )

    return int(read(app, work))


def test_upload_imports_and_reports_like_the_cli(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    secret = token(runner, "platform")
    data = {"file": (io.BytesIO(GOOD.encode()), "api.csv")}
    report = call(client, "POST", "/records", secret, data=data, content_type="multipart/form-data")
    assert (report["rows"], report["imported"], report["duplicates"]) == (2, 2, 0)
    assert report["rejected"] == [] and report["strict"] is False
    assert count(app) == 2
    again = call(
        client,
        "POST",
        "/records",
        secret,
        data={"file": (io.BytesIO(GOOD.encode()), "api.csv")},
        content_type="multipart/form-data",
    )
    assert (again["imported"], again["duplicates"]) == (0, 2)  # idempotent
    assert count(app) == 2


def test_raw_csv_and_json_lines_bodies(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    secret = token(runner, "platform")
    report = call(client, "POST", "/records", secret, data=GOOD, content_type="text/csv")
    assert report["imported"] == 2
    lines = "".join(
        json.dumps({"source_id": f"API-J{n}", "institution_code": "HY03",
                    "staff_code": "HY03S001", "item_code": "OP", "service_date": "2018-05-02"})
        + "\n"
        for n in range(3)
    )  # fmt: skip
    for content_type in ("application/x-ndjson", "application/jsonl"):
        report = call(
            client,
            "POST",
            "/records?filename=push-0502",
            secret,
            data=lines,
            content_type=content_type,
        )
        assert report["rows"] == 3
    assert count(app, "API-J") == 3


def test_rejected_rows_are_listed_and_strict_refuses(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    secret = token(runner, "platform")
    bad = GOOD + "API-9,HY01,NOBODY,OP,2018-03-01,,1\n"
    refused = call(client, "POST", "/records?strict=true", secret, 422, data=bad,
                   content_type="text/csv")  # fmt: skip
    assert refused["error"] == "import_refused"
    assert (refused["reason"], refused["params"]) == ("strict_refused", {"rejected": 1, "rows": 3})
    assert refused["details"]["rejected"][0]["line"] == 4
    assert count(app) == 0  # nothing half-imported
    report = call(client, "POST", "/records", secret, data=bad, content_type="text/csv")
    assert report["imported"] == 2 and report["rejected_count"] == 1
    assert report["rejected"][0]["source_id"] == "API-9"
    assert any("staff" in reason for reason in report["rejected"][0]["reasons"])
    assert report["rejected"][0]["codes"] == [
        {
            "code": "row_unknown_staff_at",
            "field": "staff_code",
            "params": {"staff": "'NOBODY'", "institution": "HY01"},
        }
    ]


def test_a_bad_file_is_422_and_other_types_415(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    secret = token(runner, "platform")
    body = call(client, "POST", "/records", secret, 422, data="a,b\n1,2\n", content_type="text/csv")
    assert "header" in body["message"] and body["reason"] == "header_wrong"
    call(client, "POST", "/records", secret, 415, data="{}", content_type="application/json")
    missing = call(client, "POST", "/records", secret, 422, data={"other": "x"},
                   content_type="multipart/form-data")  # fmt: skip
    assert "file" in missing["message"]


def test_an_institution_token_imports_its_own_rows_only(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    for secret in (token(runner, "platform", "HY01"), token(runner, "centre", "HY01")):
        report = call(client, "POST", "/records", secret, data=MIXED, content_type="text/csv")
        assert report["rejected"][0]["source_id"] == "API-4", report
        assert any("HY02" in reason for reason in report["rejected"][0]["reasons"])
    assert count(app, "API-3") == 1 and count(app, "API-4") == 0


def test_who_may_import(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    for role in ("finance", "auditor"):
        body = call(client, "POST", "/records", token(runner, role), 403, data=GOOD,
                    content_type="text/csv")  # fmt: skip
        assert body["error"] == "forbidden"
    body = call(client, "POST", "/records", None, 401, data=GOOD, content_type="text/csv")
    assert body["error"] == "unauthorized"
    call(client, "POST", "/records", "hy_not-a-token", 401, data=GOOD, content_type="text/csv")


def test_a_revoked_token_gets_401(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    secret = token(runner, "platform")
    call(client, "GET", "/units?year=2018", secret)

    def revoke(session: Any) -> None:
        with db.unit_of_work():
            revoke_token(session, list_tokens(session)[0].id)

    read(app, revoke)
    body = call(client, "GET", "/units?year=2018", secret, 401)
    assert body["error"] == "unauthorized"


def test_a_browser_needs_the_csrf_header(
    app: Flask, signed_in: SignIn, county: dict[str, Any]
) -> None:
    browser = signed_in("hy01")
    response = browser.post(API + "/records", data=GOOD, content_type="text/csv")
    assert response.status_code == 400 and response.get_json()["error"] == "csrf"
    assert count(app) == 0
    response = browser.post(
        API + "/records",
        data=GOOD,
        content_type="text/csv",
        headers={"X-CSRFToken": csrf_token(browser)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["imported"] == 2
    # reads need no token
    assert browser.get(API + "/records?limit=1").status_code == 200


def test_records_are_paged_by_id_and_scoped(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    first = call(client, "GET", "/records?institution=HY01&limit=3", finance)
    assert len(first["records"]) == 3 and first["next_after"] == first["records"][-1]["id"]
    assert money_fields_are_strings(first, ("units", "purchasable")) == 6
    second = call(client, "GET", f"/records?institution=HY01&limit=3&after={first['next_after']}",
                  finance)  # fmt: skip
    assert second["records"][0]["id"] > first["records"][-1]["id"]
    assert {r["institution"] for r in first["records"] + second["records"]} == {"HY01"}

    record = first["records"][0]
    day = record["service_date"]
    query = f"source_id={record['source_id']}&item={record['item']}&from={day}&to={day}"
    found = call(client, "GET", f"/records?{query}", finance)
    assert [r["id"] for r in found["records"]] == [record["id"]]
    assert found["next_after"] is None

    centre = token(runner, "centre", "HY02")
    mine = call(client, "GET", "/records?limit=50", centre)
    assert {r["institution"] for r in mine["records"]} == {"HY02"}
    call(client, "GET", "/records?institution=HY01", centre, 404)
    call(client, "GET", "/records?institution=HY01", token(runner, "auditor"))


def test_bad_query_arguments_are_422_in_the_error_shape(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    body = call(client, "GET", "/records?limit=501&after=x", finance, 422)
    assert body["error"] == "invalid_input"
    assert set(body["details"]["query"]) == {"limit", "after"}


def test_control_characters_name_nothing(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    body = call(client, "GET", "/records?resident=r%00", finance, 422)
    assert "resident" in body["details"]["query"]
    call(client, "GET", "/statements/HY%0001/settlement/2018", finance, 404)
    call(client, "PUT", "/years/2018/baselines/HY%0001", finance, 404,
         json={"basic_medical_units": "1"})  # fmt: skip


def test_an_upload_over_the_limit_is_413(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    county: dict[str, Any],
    monkeypatch: Any,
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    secret = token(runner, "platform")
    body = call(client, "POST", "/records", secret, 413, data=GOOD * 3, content_type="text/csv")
    assert body["error"] == "too_large"
    assert count(app) == 0
