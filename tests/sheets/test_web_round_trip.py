"""A centre downloads its rejected rows, corrects them in place and uploads the same file again."""

from __future__ import annotations

import io
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.sheets.helpers import workbook
from tests.web.conftest import SignIn, post_form
from tests.web.test_api_helpers import call, token
from tests.web.test_centre_upload import HEADER, records

ROWS = [
    "RT-0001,HY01,HY01S001,OP,2018-05-02,R-1,1",
    "RT-0002,HY01,HY01S001,NOPE,2018-05-03,R-2,1",
    "RT-0003,HY01,HY01S001,OP,2018-02-30,=R-3,2",
    "RT-0004,HY01,HY01S001,OP,2018-05-04,R-4,1",
]


def upload(client: FlaskClient, data: bytes, name: str, sheet: str = "") -> str:
    """Upload a file; returns the report page's URL."""
    form: dict[str, Any] = {"file": (io.BytesIO(data), name), "sheet": sheet}
    response = post_form(client, "/centre/upload", form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return str(client.get(response.headers["Location"]).headers["Location"])


def test_corrected_rejected_rows_csv_imports_as_it_is(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hy01")
    before = records(app)
    report = upload(client, (HEADER + "\n".join(ROWS) + "\n").encode("gb18030"), "r.csv")
    assert records(app) == before + 2
    download = client.get(report + "/rejected.csv").get_data(as_text=True).removeprefix("\ufeff")
    lines = download.splitlines()
    assert lines[0] == "行号," + HEADER.strip() + ",原因"
    assert lines[1].startswith("3," + ROWS[1] + ",项目编码：")
    assert lines[2].startswith("4,RT-0003,HY01,HY01S001,OP,2018-02-30,'=R-3,2,服务日期：")
    fixed = download.replace("NOPE", "OP").replace("2018-02-30", "2018-02-28")
    again = upload(client, ("\ufeff" + fixed).encode(), "rejected-rows.csv")
    page = client.get(again).get_data(as_text=True)
    assert "全部记录已导入或早已存在" in page, page[:2000]
    assert records(app) == before + 4
    # the quote that made '=R-3 safe in the CSV is gone again
    listing = client.get("/centre/records?source_id=RT-0003").get_data(as_text=True)
    assert "=R-3" in listing and "&#39;=R-3" not in listing


def test_corrected_rejected_rows_workbook_imports_as_it_is(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hy01")
    before = records(app)
    rows: list[list[Any]] = [HEADER.strip().split(",")]
    rows += [row.split(",") for row in ROWS]
    rows[2][3] = "NOPE"
    rows[1][6] = 1.0  # a whole number typed as a number
    data = workbook(rows, "录入", others=["说明"])
    report = upload(client, data, "records.xlsx", sheet="录入")
    assert records(app) == before + 2
    response = client.get(report + "/rejected.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == ["行号", *HEADER.strip().split(","), "原因"]
    assert table[1][:8] == [3, "RT-0002", "HY01", "HY01S001", "NOPE", "2018-05-03", "R-2", "1"]
    assert table[2][6] == "=R-3"  # text, not a formula
    assert sheet.cell(3, 7).data_type == "s"
    sheet.cell(2, 5).value = "OP"
    sheet.cell(3, 6).value = "2018-02-28"
    out = io.BytesIO()
    book.save(out)
    again = upload(client, out.getvalue(), "rejected-rows.xlsx")
    assert "全部记录已导入或早已存在" in client.get(again).get_data(as_text=True)
    assert records(app) == before + 4


def test_the_api_takes_a_workbook_and_gives_the_rejected_rows_cells(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    rows: list[list[Any]] = [HEADER.strip().split(","), *(row.split(",") for row in ROWS)]
    rows[1][0] = 1234.0  # an id the spreadsheet made a number
    secret = token(runner, "centre", "HY01")
    document = call(
        client, "POST", "/records?sheet=records", secret,
        data={"file": (io.BytesIO(workbook(rows, "records")), "records.xlsx")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert document["imported"] == 1
    assert document["header"] == HEADER.strip().split(",")
    first = document["rejected"][0]
    assert first["line"] == 2 and first["codes"][0]["code"] == "id_is_number"
    assert first["cells"][0] == "1234"
    raw = call(
        client, "POST", "/records", secret, data=workbook(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )  # fmt: skip
    assert (raw["imported"], raw["duplicates"], raw["rejected_count"]) == (0, 1, 3)


def test_the_admin_loads_staff_from_a_workbook(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("admin")
    rows = [["code", "institution_code", "name"], ["HY01S901", "HY01", "表格医生"]]
    form: dict[str, Any] = {"file": (io.BytesIO(workbook(rows)), "staff.xlsx")}
    response = post_form(client, "/admin/institutions/staff", form,
                         content_type="multipart/form-data", follow_redirects=True)  # fmt: skip
    assert "已导入：新增 1" in response.get_data(as_text=True)
