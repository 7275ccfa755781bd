"""Statement PDFs: who may download which, scoped per institution."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from werkzeug.test import TestResponse

from tests.web.conftest import SignIn, post_form
from tests.web.test_centre_pages import close_an_audit, settle_and_assess


def settled_with_pay_sheet(signed_in: SignIn, runner: FlaskCliRunner) -> int:
    batch = int(close_an_audit(runner)["batch"])
    settle_and_assess(runner)
    response = post_form(
        signed_in("hy01"), "/centre/bonus/2018/paysheet", {"performance_pay": "200000.00"}
    )
    assert response.status_code == 302
    return batch


def pdf(response: TestResponse) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "application/pdf"
        and response.data.startswith(b"%PDF")
    )


def test_a_centre_downloads_its_own_documents_as_pdf_attachments(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    batch = settled_with_pay_sheet(signed_in, runner)
    client = signed_in("hy01")
    statement = client.get("/documents/HY01/statement/2018.pdf")
    assert pdf(statement)
    disposition = statement.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "statement-2018-HY01.pdf" in disposition
    assert "no-store" in statement.headers["Cache-Control"]
    assert pdf(client.get("/documents/HY01/notice/2018-12-31.pdf"))
    assert pdf(client.get(f"/documents/HY01/audit/{batch}.pdf"))
    assert pdf(client.get("/documents/HY01/slips/2018.pdf"))
    assert pdf(client.get("/documents/HY01/slips/2018/HY01S002.pdf"))


def test_a_centre_gets_404_for_anything_of_another_institution(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    batch = settled_with_pay_sheet(signed_in, runner)
    client = signed_in("hy02")
    for url in (
        "/documents/HY01/statement/2018.pdf",
        "/documents/HY01/notice/2018-12-31.pdf",
        f"/documents/HY01/audit/{batch}.pdf",
        f"/documents/HY02/audit/{batch}.pdf",  # HY01's batch under its own code
        "/documents/HY01/slips/2018.pdf",
        "/documents/HY01/slips/2018/HY01S002.pdf",
    ):
        assert client.get(url).status_code == 404, url
    assert pdf(client.get("/documents/HY02/statement/2018.pdf"))


def test_finance_downloads_everything_and_the_auditor_audit_reports_only(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    batch = settled_with_pay_sheet(signed_in, runner)
    finance = signed_in("finance")
    assert pdf(finance.get("/documents/HY01/statement/2018.pdf"))
    assert pdf(finance.get("/documents/HY05/notice/2018-12-31.pdf"))
    assert pdf(finance.get("/documents/HY01/slips/2018.pdf"))
    auditor = signed_in("auditor")
    assert pdf(auditor.get(f"/documents/HY01/audit/{batch}.pdf"))
    assert auditor.get("/documents/HY01/statement/2018.pdf").status_code == 403
    assert auditor.get("/documents/HY01/slips/2018.pdf").status_code == 403
    assert signed_in("admin").get("/documents/HY01/statement/2018.pdf").status_code == 403


def test_missing_documents_say_why(signed_in: SignIn, runner: FlaskCliRunner) -> None:
    client = signed_in("hy01")
    missing = client.get("/documents/HY01/statement/2018.pdf")
    assert missing.status_code == 404 and "结算后才有结算单" in missing.get_data(as_text=True)
    assert client.get("/documents/HY01/notice/not-a-date.pdf").status_code == 404
    assert client.get("/documents/HY01/audit/999999.pdf").status_code == 404
    settle_and_assess(runner)
    no_sheet = client.get("/documents/HY01/slips/2018.pdf")
    assert no_sheet.status_code == 404 and "尚未填报 2018 年度发放单" in no_sheet.get_data(
        as_text=True
    )
