"""A workbook downloaded from a page, as finance does it, opened with openpyxl (issue 16)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from tests.browser.conftest import shoot, sign_in


def test_finance_downloads_the_settlement_as_a_workbook(page: object, tmp_path: Path) -> None:
    p: Any = page
    sign_in(p, "finance")
    p.wait_for_url("**/finance/")
    p.goto("/finance/settlement?year=2018")
    shoot(p, "workbook-1-settlement")
    with p.expect_download() as download:
        p.get_by_role("link", name="下载 Excel").click()
    assert download.value.suggested_filename.endswith("-2018.xlsx")
    saved = tmp_path / "settlement.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    rows = list(sheet.iter_rows(values_only=True))
    assert str(rows[0][0]).endswith("2018年度结算预览") or str(rows[0][0]).endswith("2018年度结算")
    header = next(i for i, row in enumerate(rows) if row[0] == "机构编码")
    lines = [row for row in rows[header + 1 :] if row[0] != "合计"]
    assert [row[0] for row in lines][:2] == ["HY01", "HY02"]
    totals = rows[-1]
    finals = sum(Decimal(str(row[6])) for row in lines)
    assert totals[0] == "合计" and Decimal(str(totals[6])) == finals
