"""Assessments, the bonus, pay sheets and the statement PDFs through /api/v1."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from pypdf import PdfReader

from tests.web.conftest import SignIn
from tests.web.test_api_helpers import API, call, cli, cli_json, money_fields_are_strings, token


@pytest.fixture
def settled(runner: FlaskCliRunner, county: dict[str, Any]) -> dict[str, Any]:
    """The demo county's 2018, prepaid and settled."""
    cli(runner, "prepay", "run", "--as-of", "2018-12-31")
    cli(runner, "settle", "2018", "--as-of", "2019-01-15")
    return county


def test_assessment_bonus_pool_and_pay_sheet(
    client: FlaskClient, runner: FlaskCliRunner, settled: dict[str, Any]
) -> None:
    finance, centre = token(runner, "finance"), token(runner, "centre", "HY01")
    body = {"score": "962.50", "surplus": "100000"}
    call(client, "PUT", "/years/2018/assessments/HY01", centre, 403, json=body)
    call(client, "PUT", "/years/2018/assessments/HY01", token(runner, "auditor"), 403, json=body)
    set_ = call(client, "PUT", "/years/2018/assessments/HY01", finance, json=body)
    assert set_ == {"year": 2018, "institution": "HY01", "score": "962.50", "surplus": "100000.00"}
    bad = call(client, "PUT", "/years/2018/assessments/HY01", finance, 422,
               json={"score": "1000.01", "surplus": "0"})  # fmt: skip
    assert "at most 1000.00" in bad["details"]["json"]["score"][0]  # the schema, before the service
    call(client, "PUT", "/years/2019/assessments/HY01", finance, 409, json=body)  # not settled

    bonus = call(client, "GET", "/years/2018/bonus", finance)
    assert bonus == cli_json(runner, "bonus", "2018")
    assert money_fields_are_strings(bonus, ("cap", "pool", "amount", "weight")) > 9 * 2
    mine = call(client, "GET", "/years/2018/bonus", centre)
    assert [i["code"] for i in mine["institutions"]] == ["HY01"]
    call(client, "GET", "/years/2018/bonus?institution=HY02", centre, 404)

    cap = mine["institutions"][0]["cap"]
    over = call(client, "PUT", "/years/2018/bonus/HY01/pool", centre, 422,
                json={"amount": f"{int(cap.split('.')[0]) + 1}.00"})  # fmt: skip
    assert over["error"] == "invalid_input"
    pool = call(client, "PUT", "/years/2018/bonus/HY01/pool", centre, json={"amount": "1000"})
    assert pool == {"year": 2018, "institution": "HY01", "pool": "1000.00"}
    call(client, "PUT", "/years/2018/bonus/HY02/pool", centre, 404, json={"amount": "1"})
    call(client, "PUT", "/years/2018/bonus/HY01/pool", finance, 403, json={"amount": "1"})
    assert call(client, "GET", "/years/2018/bonus", centre)["institutions"][0]["pool"] == "1000.00"

    call(client, "GET", "/years/2018/paysheets/HY01", centre, 404)
    sheet = call(client, "POST", "/years/2018/paysheets/HY01", centre,
                 json={"performance_pay": "500000"})  # fmt: skip
    assert sheet == cli_json(runner, "paysheet", "2018", "--institution", "HY01",
                             "--performance-pay", "500000")  # fmt: skip
    assert (sheet["basic"], sheet["efficiency_bonus"]) == ("200000.00", "1000.00")
    assert call(client, "GET", "/years/2018/paysheets/HY01", finance) == sheet
    call(client, "POST", "/years/2018/paysheets/HY01", finance, 403,
         json={"performance_pay": "1"})  # fmt: skip
    call(client, "GET", "/years/2018/paysheets/HY01", token(runner, "centre", "HY02"), 404)


def pdf_text(response: Any) -> str:
    assert response.mimetype == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)


def test_statements_are_scoped_pdfs(
    client: FlaskClient, runner: FlaskCliRunner, signed_in: SignIn, settled: dict[str, Any]
) -> None:
    finance, centre = token(runner, "finance"), token(runner, "centre", "HY01")
    statement = call(client, "GET", "/statements/HY01/settlement/2018", finance)
    assert "HY01" in pdf_text(statement)
    assert "attachment" in statement.headers["Content-Disposition"]
    call(client, "GET", "/statements/HY01/settlement/2018", centre)
    call(client, "GET", "/statements/HY02/settlement/2018", centre, 404)
    call(client, "GET", "/statements/HY01/settlement/2018", token(runner, "auditor"), 403)
    call(client, "GET", "/statements/HY01/settlement/2017", finance, 404)

    notice = call(client, "GET", "/statements/HY01/notice/2018-12-31", centre)
    assert notice.data.startswith(b"%PDF")
    call(client, "GET", "/statements/HY01/notice/2018-06-01", centre, 404)
    call(client, "GET", "/statements/HY01/notice/not-a-date", centre, 404)

    staff = signed_in("hy01s001")
    assert staff.get(API + "/statements/HY01/settlement/2018").status_code == 200
    assert staff.get(API + "/statements/HY02/settlement/2018").status_code == 404
    assert staff.get(API + "/statements/HY01/slips/2018/HY01S001").status_code == 404  # no sheet

    cli(runner, "assess", "set", "2018", "--institution", "HY01", "--score", "962.50",
        "--surplus", "100000.00")  # fmt: skip
    call(client, "POST", "/years/2018/paysheets/HY01", centre, json={"performance_pay": "500000"})
    own = staff.get(API + "/statements/HY01/slips/2018/HY01S001")
    assert own.status_code == 200 and "HY01S001" in pdf_text(own)
    assert "HY01S002" not in pdf_text(own)
    other = staff.get(API + "/statements/HY01/slips/2018/HY01S002")
    assert other.status_code == 404 and other.get_json()["error"] == "not_found"
    assert staff.get(API + "/statements/HY01/slips/2018").status_code == 403
    every = call(client, "GET", "/statements/HY01/slips/2018", centre)
    assert "HY01S002" in pdf_text(every)


def test_audit_reports_for_auditors_finance_and_the_centre(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    auditor = token(runner, "auditor")
    plan = {"year": 2018, "institution": "HY01", "item": "OP", "size": 1, "seed": "report"}
    drawn = call(client, "POST", "/audits", auditor, 201, json=plan)
    batch = drawn["batch"]
    call(client, "GET", f"/statements/HY01/audit/{batch}", auditor, 409)  # still open
    call(client, "POST", f"/audits/{batch}/verdicts", auditor,
         json={"source_id": drawn["sample"][0], "verdict": "pass"})  # fmt: skip
    call(client, "POST", f"/audits/{batch}/close", auditor)
    for secret in (auditor, token(runner, "finance"), token(runner, "centre", "HY01")):
        assert call(client, "GET", f"/statements/HY01/audit/{batch}", secret).data[:4] == b"%PDF"
    call(client, "GET", f"/statements/HY02/audit/{batch}", auditor, 404)
    call(client, "GET", f"/statements/HY02/audit/{batch}", token(runner, "centre", "HY02"), 404)
