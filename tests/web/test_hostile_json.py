"""JSON nested thousands deep: a rejected line in an import, a 400 for a request body; never 500."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.api.test_cli_records import setup
from tests.web.conftest import SignIn, csrf_token, post_form
from tests.web.test_api_helpers import API, assert_error_shape, bearer, call, token
from tests.web.test_reasons import reasons_of


def record(source: str, day: int) -> bytes:
    fields = {
        "source_id": source,
        "institution_code": "HY01",
        "staff_code": "S1",
        "item_code": "OP",
        "service_date": f"2018-02-{day:02d}",
    }
    return json.dumps(fields).encode() + b"\n"


DEEP_LINE = b'{"source_id": "DEEP", "quantity": ' + b"[" * 2000 + b"]" * 2000 + b"}\n"
# Four good lines around a line nested 2,000 deep (line 3); about 8 KB.
DEEP_FILE = record("J1", 1) + record("J2", 2) + DEEP_LINE + record("J3", 3) + record("J4", 4)
TOO_DEEP = "the line nests arrays or objects more than 64 levels deep; a record is one flat object"


def assert_deep_line_rejected(report: dict[str, Any]) -> None:
    assert (report["rows"], report["imported"], report["duplicates"]) == (5, 4, 0)
    code = {"code": "line_too_deep", "field": None, "params": {"most": 64}}
    rejected = [{k: v for k, v in row.items() if k != "cells"} for row in report["rejected"]]
    assert rejected == [{"line": 3, "source_id": "", "reasons": [TOO_DEEP], "codes": [code]}]
    # the line could not be read, so nothing of it comes back as the row's original cells
    assert all(cell == "" for row in report["rejected"] for cell in row.get("cells", []))


def test_the_cli_imports_the_good_lines_and_rejects_the_deep_one(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    setup(runner, tmp_path)
    path = tmp_path / "deep.jsonl"
    path.write_bytes(DEEP_FILE)
    result = runner.invoke(args=["records", "import", str(path), "--json", "--as-of", "2019-01-10"])
    assert result.exit_code == 3, result.output  # rows rejected, the rest imported
    assert_deep_line_rejected(json.loads(result.stdout))


def test_the_api_imports_the_good_lines_and_rejects_the_deep_one(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    setup(runner, tmp_path)
    secret = token(runner, "platform")
    report = call(
        client, "POST", "/records", secret, data=DEEP_FILE, content_type="application/x-ndjson"
    )
    assert_deep_line_rejected(report)


def test_the_upload_page_gives_the_reason_in_chinese(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hy01")
    good = json.dumps(
        {
            "source_id": "WEB-J1",
            "institution_code": "HY01",
            "staff_code": "HY01S001",
            "item_code": "OP",
            "service_date": "2018-05-02",
        }
    ).encode()
    form = {"file": (io.BytesIO(good + b"\n" + DEEP_LINE), "deep.jsonl")}
    response = post_form(client, "/centre/upload", form, content_type="multipart/form-data")
    job = client.get(response.headers["Location"])
    page = client.get(job.headers["Location"]).get_data(as_text=True)
    assert reasons_of(page) == ["本行的数组或对象嵌套超过 64 层；一条记录应是一个不含嵌套的对象"]


HUGE = "[" * 100_000 + "]" * 100_000  # 200 KB; the json module alone recurses until it fails

# (role, method, path): every API endpoint that reads a JSON body.
JSON_ENDPOINTS = [
    ("finance", "PUT", "/years/2018"),
    ("finance", "PUT", "/years/2018/baselines/HY01"),
    ("finance", "PUT", "/years/2018/prepayment-plans/HY01"),
    ("finance", "POST", "/prepayments/run"),
    ("finance", "POST", "/years/2018/settlement"),
    ("finance", "PUT", "/years/2018/assessments/HY01"),
    ("centre", "PUT", "/years/2018/bonus/HY01/pool"),
    ("centre", "POST", "/years/2018/paysheets/HY01"),
    ("auditor", "POST", "/audits"),
    ("auditor", "POST", "/audits/1/verdicts"),
]


@pytest.mark.parametrize("body", [HUGE, '{"as_of": ' + HUGE + "}"])
def test_a_body_nested_100000_deep_is_a_400_on_every_json_endpoint(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path, body: str
) -> None:
    setup(runner, tmp_path)  # HY01, for the centre's token
    secrets = {role: token(runner, role) for role in ("finance", "auditor")}
    secrets["centre"] = token(runner, "centre", "HY01")
    for role, method, path in JSON_ENDPOINTS:
        response = client.open(
            API + path,
            method=method,
            data=body,
            content_type="application/json",
            headers=bearer(secrets[role]),
        )
        assert response.status_code == 400, (path, response.get_data(as_text=True)[:300])
        answer = response.get_json()
        assert_error_shape(answer)
        assert answer["message"] == "the JSON body nests arrays or objects more than 64 levels deep"


def test_a_body_as_deep_as_allowed_is_read_as_usual(
    client: FlaskClient, runner: FlaskCliRunner
) -> None:
    body = '{"as_of": ' + "[" * 63 + "]" * 63 + "}"  # 64 levels: parsed, then refused by schema
    response = client.put(
        API + "/years/2018/assessments/HY01",
        data=body,
        content_type="application/json",
        headers=bearer(token(runner, "finance")),
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert_error_shape(response.get_json())


def test_signing_in_with_a_deep_json_body_is_a_400(client: FlaskClient) -> None:
    response = client.post(
        "/login",
        data='{"username": ' + HUGE + "}",
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert_error_shape(response.get_json())


def test_a_view_module_imported_first_still_refuses_deep_bodies() -> None:
    """The depth-limited parser is in place however a view module is first imported (a test,
    a tool), not only when the app mounts the API: it comes with the Blueprint itself."""
    import subprocess
    import sys

    probe = (
        "import haiyan_comp.api.years as views\n"
        "from haiyan_comp.web.jsonbody import JsonBodyParser\n"
        "assert isinstance(views.Blueprint.ARGUMENTS_PARSER, JsonBodyParser)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
