"""Every table's workbook (issue 16 §2): opened with openpyxl, its figures equal the JSON of
the same request; a centre's workbook holds only its own rows, another institution's is a
404; a title naming the county, the table and the year; the header frozen."""

from __future__ import annotations

import io
import json
from collections import Counter
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from tests.web.test_api_helpers import bearer, cli, token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def money_county(runner: FlaskCliRunner, county: dict[str, Any]) -> dict[str, Any]:
    """The demo county's 2018: prepaid, an audit batch drawn and judged, settled, assessed."""
    cli(runner, "prepay", "run", "--as-of", "2018-12-31")
    drawn = runner.invoke(
        args=[
            "audit",
            "draw",
            "--year",
            "2018",
            "--institution",
            "HY01",
            "--item",
            "HTN",
            "--size",
            "2",
            "--seed",
            "wb",
            "--json",
        ]
    )
    assert drawn.exit_code == 0, drawn.output
    batch = json.loads(drawn.stdout)
    first, second = (str(s) for s in batch["sample"])
    cli(runner, "audit", "verdict", str(batch["batch"]), first, "--pass")
    cli(runner, "audit", "verdict", str(batch["batch"]), second, "--fail", "--reason", "无签名")
    cli(runner, "audit", "close", str(batch["batch"]))
    cli(runner, "settle", "2018", "--as-of", "2019-01-15")
    cli(runner, "assess", "set", "2018", "--institution", "HY01", "--score", "962.50",
        "--surplus", "100000")  # fmt: skip
    return county


def fetch(client: FlaskClient, path: str, secret: str) -> tuple[Any, Any]:
    """The JSON answer of `path` and its workbook (`format=xlsx` added to the same query)."""
    answer = client.get(path, headers=bearer(secret))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    joiner = "&" if "?" in path else "?"
    book = client.get(path + joiner + "format=xlsx", headers=bearer(secret))
    assert book.status_code == 200, book.get_data(as_text=True)[:300]
    assert book.mimetype == XLSX
    assert "attachment" in book.headers["Content-Disposition"]
    return answer.get_json(), openpyxl.load_workbook(io.BytesIO(book.data))


def rows(sheet: Any) -> list[dict[str, Any]]:
    """The data rows of a sheet under its frozen header (the totals row left out)."""
    header_row = int(sheet.freeze_panes[1:]) - 1  # frozen below the header
    values = list(sheet.iter_rows(values_only=True))
    header = values[header_row - 1]
    return [dict(zip(header, row, strict=True)) for row in values[header_row:] if row[0] != "合计"]


def totals(sheet: Any) -> dict[str, Any]:
    values = list(sheet.iter_rows(values_only=True))
    header = values[int(sheet.freeze_panes[1:]) - 2]
    last = values[-1]
    assert last[0] == "合计"
    return dict(zip(header, last, strict=True))


def dec(cell: Any) -> str:
    assert isinstance(cell, int | float) and not isinstance(cell, bool), f"{cell!r} is no number"
    return f"{Decimal(str(cell)):.2f}"


def titled(sheet: Any, *words: str) -> None:
    title = sheet["A1"].value
    assert title.startswith("海盐县 · "), title
    for word in words:
        assert word in title, (word, title)


def test_audit_tables(client: FlaskClient, runner: FlaskCliRunner, money_county: Any) -> None:
    auditor = token(runner, "auditor")
    batches, book = fetch(client, "/api/v1/audits?year=2018", auditor)
    sheet = book.active
    titled(sheet, "2018", "抽样批次")
    assert sheet.freeze_panes == "A4"
    assert [(r["批次"], dec(r["总体当量"]), r["抽样数"]) for r in rows(sheet)] == [
        (b["batch"], b["U"], b["n"]) for b in batches["batches"]
    ]
    number = batches["batches"][0]["batch"]
    batch, book = fetch(client, f"/api/v1/audits/{number}", auditor)
    assert book.sheetnames == ["批次", "样本与结论"]
    assert [(r["记录号"], dec(r["可购买当量"])) for r in rows(book["样本与结论"])] == [
        (s["source_id"], s["purchasable"]) for s in batch["sample"]
    ]
    flags, book = fetch(client, "/api/v1/audits/flags?year=2018&limit=10000", auditor)
    flagged = rows(book.active)
    assert [(r["记录号"], dec(r["当量"])) for r in flagged] == [
        (f["source_id"], f["units"]) for f in flags["flags"]
    ]
    assert {r["规则"] for r in flagged} <= {
        "同一居民同日重复",
        "单人单日超 32 当量",
        "服务日期晚于导入日",
    }
    findings, book = fetch(client, "/api/v1/audits/findings?year=2018", auditor)
    assert [(r["机构"], dec(r["扣减当量合计"])) for r in rows(book["按机构"])] == [
        (i["code"], i["deducted"]) for i in findings["institutions"]
    ]


def test_money_tables(client: FlaskClient, runner: FlaskCliRunner, money_county: Any) -> None:
    finance = token(runner, "finance")
    schedule, book = fetch(client, "/api/v1/years/2018/prepayments", finance)
    titled(book.active, "2018", "预付")
    assert [(r["机构"], r["期次"], dec(r["应付（元）"]), dec(r["实付现金（元）"])) for r in
            rows(book.active)] == [(i["institution"], i["number"], i["gross"], i["cash"])
                                   for i in schedule["instalments"]]  # fmt: skip
    assert rows(book.active)[0]["到期日"].date().isoformat() == schedule["instalments"][0]["due"]

    ledger, book = fetch(client, "/api/v1/ledger?year=2018", finance)
    titled(book.active, "2018", "资金台账")
    lines = rows(book.active)
    debits, credits = Counter(), Counter()
    for line in lines:
        if line["借方（元）"] is not None:
            debits[(line["凭证号"], dec(line["借方（元）"]))] += 1
        if line["贷方（元）"] is not None:
            credits[(line["凭证号"], dec(line["贷方（元）"]))] += 1
    want_debits, want_credits = Counter(), Counter()
    for entry in ledger["entries"]:
        for amount in entry["postings"].values():
            side = want_debits if not amount.startswith("-") else want_credits
            side[(entry["id"], amount.lstrip("-"))] += 1
    assert (debits, credits) == (want_debits, want_credits)
    assert all("instalment" not in (line["摘要"] or "") for line in lines)  # Chinese, as the page
    assert {line["类别"] for line in lines} >= {"分期预付"}

    bonus, book = fetch(client, "/api/v1/years/2018/bonus", finance)
    assert book.sheetnames[0] == "考核与奖励池" and len(book.sheetnames) == 1 + len(
        bonus["institutions"]
    )
    assert [(r["机构"], dec(r["奖励上限（元）"]), dec(r["奖励池（元）"])) for r in
            rows(book.worksheets[0])] == [(i["code"], i["cap"], i["pool"])
                                          for i in bonus["institutions"]]  # fmt: skip
    hy01 = next(i for i in bonus["institutions"] if i["code"] == "HY01")
    assert [(r["职工"], dec(r["效率奖励（元）"])) for r in rows(book["HY01"])] == [
        (s["code"], s["amount"]) for s in hy01["staff"]
    ]


def test_pay_sheet_and_scoping(
    client: FlaskClient, runner: FlaskCliRunner, money_county: Any
) -> None:
    centre, other = token(runner, "centre", "HY01"), token(runner, "centre", "HY02")
    entered = client.post("/api/v1/years/2018/paysheets/HY01", headers=bearer(centre),
                          json={"performance_pay": "500000"})  # fmt: skip
    assert entered.status_code == 200
    sheet, book = fetch(client, "/api/v1/years/2018/paysheets/HY01", centre)
    titled(book.active, "2018", "HY01")
    assert [(r["职工"], dec(r["激励部分（元）"])) for r in rows(book.active)] == [
        (s["code"], s["incentive"]) for s in sheet["staff"]
    ]
    assert dec(totals(book.active)["激励部分（元）"]) == sheet["incentive"]
    for path in (
        "/api/v1/years/2018/paysheets/HY01?format=xlsx",
        "/api/v1/units?year=2018&institution=HY01&format=xlsx",
        "/api/v1/audits/findings?year=2018&institution=HY01&format=xlsx",
        "/api/v1/years/2018/bonus?institution=HY01&format=xlsx",
        "/api/v1/records?institution=HY01&format=xlsx",
    ):
        answer = client.get(path, headers=bearer(other))
        assert answer.status_code == 404, path
        assert answer.mimetype == "application/json"
    assert client.get("/api/v1/ledger?format=xlsx", headers=bearer(centre)).status_code == 403
    units, book = fetch(client, "/api/v1/units?year=2018", centre)
    assert (
        [r["机构编码"] for r in rows(book.worksheets[0])]
        == ["HY01"]
        == [i["code"] for i in units["institutions"]]
    )
    _, book = fetch(client, "/api/v1/records?year=2018&item=HTN", centre)
    assert {r["机构"] for r in rows(book.active)} == {"HY01"}


def test_catalogue_and_imports(client: FlaskClient, runner: FlaskCliRunner, county: Any) -> None:
    staff_reader = token(runner, "auditor")
    catalogue, book = fetch(client, "/api/v1/catalogue?year=2018", staff_reader)
    titled(book.active, "2018", "服务项目目录")
    lines = rows(book.active)
    assert [(r["项目编码"], dec(r["当量"])) for r in lines] == [
        (i["code"], i["value"]) for i in catalogue["items"]
    ]
    capped = {i["code"]: i["cap"] for i in catalogue["items"]}
    assert all(r["每人每年上限"] == (capped[r["项目编码"]] or "不限") for r in lines)
    assert {r["类别"] for r in lines} == {"基本医疗", "公共卫生"}
    assert (
        client.get("/api/v1/catalogue?year=1899", headers=bearer(staff_reader)).status_code == 422
    )
    centre = token(runner, "centre", "HY01")
    imports, book = fetch(client, "/api/v1/imports", centre)
    assert imports["institution"] == "HY01"
    assert len(rows(book.active)) == len(imports["imports"])
    assert client.get("/api/v1/imports", headers=bearer(staff_reader)).status_code == 403


def test_records_workbook_is_the_whole_search(
    client: FlaskClient, runner: FlaskCliRunner, county: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walked page by page (small pages here), every record of the search, a sheet per
    SHEET_ROWS: the same rows as the JSON's pages, and as `haiyan records search --json`."""
    from haiyan_comp.workbooks import money, records

    monkeypatch.setattr(records, "EXPORT_PAGE", 40)
    monkeypatch.setattr(money, "SHEET_ROWS", 70)
    finance = token(runner, "finance")
    wanted, after = [], 0
    while True:
        page = client.get(f"/api/v1/records?year=2018&institution=HY02&limit=500&after={after}",
                          headers=bearer(finance)).get_json()  # fmt: skip
        wanted += [(r["source_id"], r["units"], r["service_date"]) for r in page["records"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    answer = client.get("/api/v1/records?year=2018&institution=HY02&limit=3&format=xlsx",
                        headers=bearer(finance))  # fmt: skip
    assert answer.status_code == 200 and answer.mimetype == XLSX
    book = openpyxl.load_workbook(io.BytesIO(answer.data))
    assert len(book.sheetnames) == -(-len(wanted) // 70) > 1
    titled(book.worksheets[0], "2018", "服务记录", "HY02")
    got = [(r["记录号"], dec(r["当量"]), r["服务日期"].date().isoformat())
           for sheet in book.worksheets for r in rows(sheet)]  # fmt: skip
    assert got == wanted
    sorted_answer = client.get("/api/v1/records?year=2018&institution=HY02&sort=units"
                               "&order=desc&format=xlsx", headers=bearer(finance))  # fmt: skip
    by_units = openpyxl.load_workbook(io.BytesIO(sorted_answer.data))
    units = [r["当量"] for sheet in by_units.worksheets for r in rows(sheet)]
    assert units == sorted(units, reverse=True) and len(units) == len(wanted)


def test_records_search_command(runner: FlaskCliRunner, county: Any, tmp_path: Any) -> None:
    path = tmp_path / "records.xlsx"
    result = runner.invoke(args=["records", "search", "--year", "2018", "--institution", "HY03",
                                 "--json", "--xlsx", str(path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    book = openpyxl.load_workbook(path)
    assert [(r["记录号"], dec(r["可购买当量"])) for r in rows(book.active)] == [
        (r["source_id"], r["purchasable"]) for r in document["records"]
    ]
    assert document["records"]
    assert (
        dec(totals(book.active)["当量"])
        == f"{sum(Decimal(r['units']) for r in document['records']):.2f}"
    )
    unknown = runner.invoke(args=["records", "search", "--institution", "NOPE"])
    assert unknown.exit_code == 1 and "NOPE" in unknown.output


def test_commands_write_the_same_rows(
    runner: FlaskCliRunner, money_county: Any, tmp_path: Any
) -> None:
    for table, args in (
        ("schedule", ["prepay", "schedule", "--year", "2018"]),
        ("batches", ["audit", "list", "--year", "2018"]),
        ("flags", ["audit", "flags", "--year", "2018"]),
        ("findings", ["audit", "findings", "--year", "2018"]),
        ("bonus", ["bonus", "show", "2018"]),
        ("ledger", ["ledger", "--year", "2018"]),
    ):
        path = tmp_path / f"{table}.xlsx"
        result = runner.invoke(args=[*args, "--xlsx", str(path)])
        assert result.exit_code == 0, (table, result.output)
        book = openpyxl.load_workbook(path)
        assert book.active["A1"].value.startswith("海盐县 · 2018"), table
        assert book.active.freeze_panes, table
