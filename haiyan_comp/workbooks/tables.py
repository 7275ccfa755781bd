"""Which columns each table has in a workbook, by the JSON document it is made from.

Every function takes the document the API and `--json` give for a table and returns the
workbook's name for files (table and year) and its sheets. Headers are the page's Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from haiyan_comp.money import group_decimal
from haiyan_comp.workbooks import Column, Sheet, audit, lists, money
from haiyan_comp.workbooks.book import Workbook

CATEGORY = {"basic_medical": "基本医疗", "public_health": "公共卫生"}


def _institution_columns() -> list[Column]:
    return [
        Column("code", "机构编码", "code"),
        Column("name", "机构名称", width=26),
        Column("records", "记录数", "int", total=True),
        Column("gross", "申报当量", "units", total=True),
        Column("over_spec", "超上限当量", "units", total=True),
        Column("purchasable", "可购买当量", "units", total=True),
        Column("deducted", "审计扣减当量", "units", total=True),
        Column("verified_basic_medical", "核定基本医疗当量", "units", total=True),
        Column("verified_public_health", "核定公共卫生当量", "units", total=True),
        Column("purchased_basic_medical", "购买基本医疗当量", "units", total=True),
        Column("purchased", "购买当量", "units", total=True),
    ]


ITEM_COLUMNS = [
    Column("code", "项目编码", "code"),
    Column("name", "服务项目", width=28),
    Column("category", "类别", words=CATEGORY, width=10),
    Column("records", "记录数", "int", total=True),
    Column("gross", "申报当量", "units", total=True),
    Column("over_spec", "超上限当量", "units", total=True),
    Column("purchasable", "可购买当量", "units", total=True),
    Column("deducted", "审计扣减当量", "units", total=True),
    Column("verified", "核定当量", "units", total=True),
]


def units(document: Mapping[str, Any]) -> Workbook:
    """`haiyan units --json` / GET /api/v1/units: the county, then one sheet per institution."""
    year = document["year"]
    institutions = list(document["institutions"])
    sheets = [
        Sheet("全县汇总", f"{year}年度工作当量（按机构）", _institution_columns(), institutions,
              totals=True),
        *(
            Sheet(f"{i['code']} {i.get('name') or ''}".strip(),
                  f"{year}年度工作当量 · {i['code']} {i.get('name') or ''}", ITEM_COLUMNS,
                  i["items"], totals=True)
            for i in institutions
        ),
    ]  # fmt: skip
    return Workbook("工作当量", year, sheets)


SETTLEMENT_COLUMNS = [
    Column("code", "机构编码", "code"),
    Column("verified_basic_medical", "核定基本医疗当量", "units", total=True),
    Column("verified_public_health", "核定公共卫生当量", "units", total=True),
    Column("purchased_basic_medical", "购买基本医疗当量", "units", total=True),
    Column("purchased", "购买当量", "units", total=True),
    Column("entitlement", "应得金额（元）", "money", total=True),
    Column("final", "结算金额（元）", "money", total=True),
    Column("prepaid", "已预付（元）", "money", total=True),
    Column("balance", "结算差额（元）", "money", total=True),
]


def settlement(document: Mapping[str, Any]) -> Workbook:
    """`haiyan settle --json` (also --dry-run) / the settlement API: one line per institution."""
    year = document["year"]
    preview = bool(document.get("dry_run"))
    notes = [
        f"单价（元/当量）：{document.get('unit_price', '—')}　预算（元）："
        f"{grouped(document.get('budget'))}　动用风险金（元）："
        f"{grouped(document.get('risk_fund_draw'))}",
        f"结算基准日：{document.get('as_of', '—')}" + ("（预览，未写入）" if preview else ""),
    ]
    title = f"{year}年度结算" + ("预览" if preview else "")
    sheet = Sheet(title, title, SETTLEMENT_COLUMNS, document["institutions"], totals=True,
                  notes=notes)  # fmt: skip
    return Workbook("结算预览" if preview else "结算", year, [sheet])


def grouped(text: object) -> str:
    """'290000.00' → '290,000.00' for a line of words (cells carry numbers, not text)."""
    if not isinstance(text, str):
        return "—" if text is None else str(text)
    return group_decimal(text)


TABLES: dict[str, Callable[[Mapping[str, Any]], Workbook]] = {
    "units": units,
    "settlement": settlement,
    "audit_batches": audit.batches,
    "audit_batch": audit.batch,
    "flags": audit.flags,
    "findings": audit.findings,
    "schedule": money.schedule,
    "bonus": money.bonus,
    "pay_sheet": money.pay_sheet,
    "catalogue": lists.catalogue,
    "imports": lists.imports,
}
