"""The staff page: its own slip only, and its institution's statements."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from haiyan_comp.statements.layout import read_embedded
from tests.web.conftest import SignIn, sign_in
from tests.web.test_centre_pages import run
from tests.web.test_documents import pdf, settled_with_pay_sheet


def test_staff_see_their_own_slip_and_their_institutions_statements(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    settled_with_pay_sheet(signed_in, runner)
    sheet = run(runner, "paysheet", "2018", "--institution", "HY01",
                "--performance-pay", "200000.00", "--json")  # fmt: skip
    mine = re.search(
        r'"code": "HY01S001",\s*"incentive": "([\d.]+)",\s*"efficiency_bonus": "([\d.]+)"', sheet
    )
    assert mine
    client = signed_in("hy01s001")
    page = client.get("/staff/").get_data(as_text=True)
    assert "/documents/HY01/slips/2018/HY01S001.pdf" in page
    assert f"{int(mine.group(1).split('.')[0]):,}.{mine.group(1).split('.')[1]}" in page
    assert "HY01S002" not in page
    assert "/documents/HY01/statement/2018.pdf" in page
    assert "/documents/HY01/notice/2018-12-31.pdf" in page
    assert "/audit/" not in page and "/slips/2018.pdf" not in page
    assert pdf(client.get("/documents/HY01/slips/2018/HY01S001.pdf"))
    assert pdf(client.get("/documents/HY01/statement/2018.pdf"))


def test_staff_cannot_download_another_staff_members_slip(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    batch = settled_with_pay_sheet(signed_in, runner)
    client = signed_in("hy01s001")
    assert client.get("/documents/HY01/slips/2018/HY01S002.pdf").status_code == 404
    assert client.get("/documents/HY01/slips/2018.pdf").status_code == 403  # everybody's slips
    assert client.get(f"/documents/HY01/audit/{batch}.pdf").status_code == 403
    assert client.get("/documents/HY02/statement/2018.pdf").status_code == 404
    assert client.get("/documents/HY02/slips/2018/HY01S001.pdf").status_code == 404


def test_a_staff_member_of_another_institution_sees_none_of_it(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    settled_with_pay_sheet(signed_in, runner)
    run(runner, "users", "create", "hy02s001", "--role", "staff", "--staff", "HY02S001",
        "--password-stdin", input="quiet-harbour-lantern\n")  # fmt: skip
    client = app.test_client()
    sign_in(client, "hy02s001", "quiet-harbour-lantern")
    page = client.get("/staff/").get_data(as_text=True)
    assert "HY01" not in page and "暂无发放单" in page
    assert client.get("/documents/HY01/slips/2018/HY01S001.pdf").status_code == 404
    assert client.get("/documents/HY01/statement/2018.pdf").status_code == 404


def test_before_settlement_the_staff_page_says_there_is_nothing_yet(signed_in: SignIn) -> None:
    page = signed_in("hy01s001").get("/staff/").get_data(as_text=True)
    assert "暂无发放单" in page and "暂无可下载的单据" in page
    assert signed_in("hy01s001").get("/centre/").status_code == 403


def test_a_staff_members_own_slip_verifies_and_holds_only_their_line(
    signed_in: SignIn, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    settled_with_pay_sheet(signed_in, runner)
    run(runner, "paysheet", "2018", "--institution", "HY01",
        "--performance-pay", "200000.00", "--json")  # fmt: skip
    path = tmp_path / "slip.pdf"
    path.write_bytes(signed_in("hy01s001").get("/documents/HY01/slips/2018/HY01S001.pdf").data)
    embedded = read_embedded(path.read_bytes())
    assert embedded is not None
    figures = json.loads(embedded[1])
    assert [line["code"] for line in figures["staff"]] == ["HY01S001"]  # no colleague's pay
    assert figures["only_staff"] == "HY01S001"
    verified = runner.invoke(args=["statement", "verify", str(path)])
    assert verified.exit_code == 0, verified.output
    assert "matches the database" in verified.output
