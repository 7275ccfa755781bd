"""Workbooks out: the same figures as the JSON of the same request, as numbers, in Chinese,
formula-safe (issue 16 §2)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from flask.testing import FlaskClient, FlaskCliRunner

from haiyan_comp.workbooks import Column, Sheet, write_workbook
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn, configure_2018, run
from tests.web.conftest import sign_in

PASSWORD = "workbook-test-password-1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table(sheet: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """The header and the data rows of a sheet (below the title lines, above the totals)."""
    rows = list(sheet.iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row[0] in ("机构编码", "项目编码"))
    header = [str(h) for h in rows[top]]
    data = [dict(zip(header, row, strict=True)) for row in rows[top + 1 :] if row[0] != "合计"]
    return header, data


def decimal(cell: Any) -> str:
    assert isinstance(cell, int | float), f"{cell!r} is not a number"
    return f"{Decimal(str(cell)):.2f}"


def example(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)


def test_units_workbook_from_the_command_line_equals_its_json(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    example(runner, tmp_path)
    path = tmp_path / "units.xlsx"
    document = run(runner, "units", "--year", "2018", "--json", "--xlsx", str(path))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "全县汇总" and len(book.sheetnames) == 3
    assert book.worksheets[0]["A1"].value.endswith("2018年度工作当量（按机构）")
    header, rows = table(book.worksheets[0])
    assert header[:4] == ["机构编码", "机构名称", "记录数", "申报当量"]
    for line, institution in zip(rows, document["institutions"], strict=True):
        assert line["机构编码"] == institution["code"]
        assert decimal(line["购买当量"]) == institution["purchased"]
        assert decimal(line["核定基本医疗当量"]) == institution["verified_basic_medical"]
    _, items = table(book["HY01 " + document["institutions"][0]["name"]])
    htn = next(i for i in items if i["项目编码"] == "HTN")
    assert (decimal(htn["申报当量"]), decimal(htn["超上限当量"]), decimal(htn["审计扣减当量"])) == (
        "60.00",
        "10.00",
        "25.00",
    )
    assert htn["类别"] == "公共卫生"
    cell = book.worksheets[0]["D4"]
    assert cell.number_format == "#,##0.00" and isinstance(cell.value, float)
    assert book.worksheets[0].freeze_panes == "A4"


def test_settlement_workbook_from_the_api_equals_the_json(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    example(runner, tmp_path)
    run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json")
    created = runner.invoke(
        args=["users", "create", "fin", "--role", "finance", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0, created.output
    sign_in(client, "fin", PASSWORD)
    answer = client.get("/api/v1/years/2018/settlement?format=xlsx")
    assert answer.status_code == 200
    assert answer.mimetype == XLSX
    disposition = answer.headers["Content-Disposition"]
    assert 'filename="settlement-2018.xlsx"' in disposition and "filename*=UTF-8''" in disposition
    document = client.get("/api/v1/years/2018/settlement").get_json()
    _, rows = table(openpyxl.load_workbook(io.BytesIO(answer.data)).active)
    assert [
        (r["机构编码"], decimal(r["结算金额（元）"]), decimal(r["结算差额（元）"])) for r in rows
    ] == [(i["code"], i["final"], i["balance"]) for i in document["institutions"]]
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last[0] == "合计" and decimal(last[6]) == "1650.00"


def test_the_format_is_checked(client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path) -> None:
    example(runner, tmp_path)
    created = runner.invoke(
        args=["users", "create", "fin", "--role", "finance", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0
    sign_in(client, "fin", PASSWORD)
    unknown = client.get("/api/v1/units?year=2018&format=csv<script>")
    assert unknown.status_code == 422
    assert unknown.get_json()["reason"] == "unknown_format"
    not_a_table = client.get("/api/v1/years/2018?format=xlsx")
    assert (not_a_table.status_code, not_a_table.get_json()["reason"]) == (422, "not_a_table")
    assert client.get("/api/v1/units?year=2018&format=json").get_json()["year"] == 2018


def test_text_from_data_is_never_a_formula(tmp_path: Path) -> None:
    rows = [
        {"code": '=HYPERLINK("http://x")', "name": "+1+1", "value": "-5.00"},
        {"code": "@SUM(A1)", "name": "<b>x</b>", "value": "12345678901.23"},
    ]
    path = tmp_path / "hostile.xlsx"
    sheet = Sheet(
        "表", "测试", [Column("code", "编码", "code"), Column("name", "名称"),
                     Column("value", "金额", "money", total=True)], rows, totals=True,
    )  # fmt: skip
    assert write_workbook(str(path), county="海盐县", sheets=[sheet]) == 2
    book = openpyxl.load_workbook(path)
    cells = list(book.active.iter_rows(min_row=4, values_only=True))
    assert cells[0][:2] == ('=HYPERLINK("http://x")', "+1+1")
    assert cells[1][:2] == ("@SUM(A1)", "<b>x</b>")
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)
    assert decimal(cells[2][2]) == "12345678896.23"  # the totals row, exact
