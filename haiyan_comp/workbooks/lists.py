"""The catalogue and an institution's imports as workbooks, from their API GETs' JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haiyan_comp.catalogue.messages import unit_name
from haiyan_comp.messages import text
from haiyan_comp.workbooks import Column, Sheet
from haiyan_comp.workbooks.book import Workbook

CATEGORY = {"basic_medical": "基本医疗", "public_health": "公共卫生"}
CHANGE = {"new": "新增", "changed": "调整", "same": "不变"}

CATALOGUE_COLUMNS = [
    Column("code", "项目编码", "code"),
    Column("name", "服务项目", width=28),
    Column("category", "类别", words=CATEGORY, width=10),
    Column("unit", "计量单位", width=10),
    Column("value", "当量", "units"),
    Column("cap", "每人每年上限", "int"),
    Column("change", "与上年度相比", words=CHANGE, width=12),
    Column("previous_value", "上年度当量", "units"),
    Column("previous_cap", "上年度每人每年上限", "int"),
    Column("spec", "规格", width=40),
    Column("data_rule", "取数标准", width=40),
    Column("source", "当量来源", width=40),
]


def catalogue(document: Mapping[str, Any]) -> Workbook:
    """GET /api/v1/catalogue: a year's items (an empty cap reads 不限)."""
    year = document["year"]
    items = [
        {**item, "unit": text(unit_name(item.get("unit") or ""), "zh"),
         "cap": item["cap"] if item.get("cap") is not None else "不限",
         "source": _source(item.get("source") or "")}
        for item in document["items"]
    ]  # fmt: skip
    sheets = [Sheet(f"{year}年度目录", f"{year}年度服务项目目录", CATALOGUE_COLUMNS, items)]
    if document.get("removed"):
        before = document.get("previous_year")
        removed = [*CATALOGUE_COLUMNS[:2], CATALOGUE_COLUMNS[4], CATALOGUE_COLUMNS[5]]
        title = f"{year}年度取消的项目（{before}年度有）"
        sheets.append(Sheet("本年度取消的项目", title, removed, document["removed"]))
    return Workbook("服务项目目录", year, sheets)


def _source(source: str) -> str:
    """Where a value comes from, in the page's Chinese (有据可查：the publication …)."""
    from haiyan_comp.web.catalogue import source_parts

    kind, said = source_parts(source)
    return f"{kind}：{said}" if kind else said


STRICT = {True: "是", False: "否"}
IMPORT_COLUMNS = [
    Column("id", "编号", "int"),
    Column("filename", "文件", width=30),
    Column("imported_by", "导入人"),
    Column("started_at", "时间", "moment"),
    Column("strict", "严格模式", words=None, width=10),
    Column("rows", "行数", "int", total=True),
    Column("imported", "已导入", "int", total=True),
    Column("duplicates", "重复", "int", total=True),
    Column("rejected", "拒绝", "int", total=True),
]


def imports(document: Mapping[str, Any]) -> Workbook:
    """GET /api/v1/imports: a centre's latest imports with their counts."""
    rows = [{**row, "strict": STRICT.get(row.get("strict"), "")} for row in document["imports"]]
    code = document["institution"]
    notes = ["每次导入被拒绝的行（含原始各列、行号与原因）可在导入报告页下载 CSV 或 Excel。"]
    sheet = Sheet("导入记录", f"{code} 最近的导入", IMPORT_COLUMNS, rows, totals=True,
                  notes=notes)  # fmt: skip
    return Workbook(f"导入记录-{code}", None, [sheet])
