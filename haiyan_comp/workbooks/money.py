"""The money's tables as workbooks: the prepayment schedule, assessments and bonus, the pay
sheet, the ledger (as its page reads it), and the records search's rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from typing import Any

from haiyan_comp.messages import text
from haiyan_comp.workbooks import Column, Sheet
from haiyan_comp.workbooks.book import Workbook

PAID = {True: "已付", False: "未付"}

SCHEDULE_COLUMNS = [
    Column("institution", "机构", "code"),
    Column("year", "年度", "int"),
    Column("number", "期次", "int"),
    Column("due", "到期日", "date"),
    Column("gross", "应付（元）", "money", total=True),
    Column("offset", "抵扣欠款（元）", "money", total=True),
    Column("cash", "实付现金（元）", "money", total=True),
    Column("state", "状态", width=8),
]


def schedule(document: Mapping[str, Any]) -> Workbook:
    """GET /api/v1/years/<y>/prepayments (`haiyan prepay schedule --json`)."""
    year = document.get("year")
    rows = [{**i, "state": PAID.get(i.get("paid"), "")} for i in document["instalments"]]
    sheet = Sheet("预付计划", f"{year}年度分期预付计划", SCHEDULE_COLUMNS, rows, totals=True)
    return Workbook("预付计划", year, [sheet])


QUALIFIES = {True: "有资格", False: "无资格"}
ASSESSMENT_COLUMNS = [
    Column("code", "机构", "code"),
    Column("score", "考核得分", "score"),
    Column("surplus", "收支结余（元）", "money", total=True),
    Column("qualifies", "资格", width=8),
    Column("cap", "奖励上限（元）", "money", total=True),
    Column("pool", "奖励池（元）", "money", total=True),
]
SHARE_COLUMNS = [
    Column("code", "职工", "code"),
    Column("weight", "核定当量（权重）", "units", total=True),
    Column("amount", "效率奖励（元）", "money", total=True),
]


def bonus(document: Mapping[str, Any]) -> Workbook:
    """GET /api/v1/years/<y>/bonus (`haiyan bonus Y --json`): the assessments and pools,
    then one sheet per institution with its staff's shares."""
    year = document["year"]
    institutions = [
        {**i, "qualifies": QUALIFIES.get(i.get("qualifies"), "")} for i in document["institutions"]
    ]
    sheets = [
        Sheet("考核与奖励池", f"{year}年度考核与效率奖励", ASSESSMENT_COLUMNS, institutions,
              totals=True),
        *(
            Sheet(str(i["code"]), f"{year}年度效率奖励 · {i['code']}", SHARE_COLUMNS,
                  i.get("staff") or [], totals=True)
            for i in institutions
        ),
    ]  # fmt: skip
    return Workbook("效率奖励", year, sheets)


PAY_COLUMNS = [
    Column("code", "职工", "code"),
    Column("incentive", "激励部分（元）", "money", total=True),
    Column("efficiency_bonus", "效率奖励（元）", "money", total=True),
]


def pay_sheet(document: Mapping[str, Any]) -> Workbook:
    """GET /api/v1/years/<y>/paysheets/<K> (`haiyan paysheet --json`)."""
    year, code = document["year"], document["institution"]
    notes = [
        f"绩效工资总额（元）：{document.get('performance_pay')}　基础部分（元）："
        f"{document.get('basic')}　激励部分（元）：{document.get('incentive')}　"
        f"效率奖励（元）：{document.get('efficiency_bonus')}"
    ]
    sheet = Sheet(str(code), f"{year}年度绩效工资发放表 · {code}", PAY_COLUMNS,
                  document.get("staff") or [], totals=True, notes=notes)  # fmt: skip
    return Workbook(f"发放表-{code}", year, [sheet])


LEDGER_COLUMNS = [
    Column("at", "日期", "moment"),
    Column("id", "凭证号", "int"),
    Column("description", "摘要", width=40),
    Column("kind", "类别", width=12),
    Column("institution", "机构", "code"),
    Column("account", "科目", width=24),
    Column("debit", "借方（元）", "money", total=True),
    Column("credit", "贷方（元）", "money", total=True),
    Column("balance", "余额（元，借正贷负）", "money"),
    Column("who", "经办人"),
]


KINDS = {
    "instalment": "分期预付",
    "settlement": "结算转记",
    "top_up": "结算补付",
    "debt": "结算欠款",
    "risk_fund_draw": "动用风险金",
    "adjustment": "调整",
}


def ledger(entries: Iterable[Any], year: int | None, kinds: Mapping[str, str] = KINDS) -> Workbook:
    """The ledger as its page reads it (the journal's entries, newest first): one line per
    posting, the description and the account in Chinese, debit and credit in fen."""
    title = f"{year}年度资金台账" if year is not None else "资金台账"
    sheet = Sheet("资金台账", title, LEDGER_COLUMNS, _ledger_rows(entries, kinds), totals=True)
    return Workbook("资金台账", year, [sheet])


def _ledger_rows(entries: Iterable[Any], kinds: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    for entry in entries:
        for posting in entry.postings:
            yield {
                "at": entry.created_at,
                "id": entry.id,
                "description": text(entry.description, "zh"),
                "kind": kinds.get(entry.kind, entry.kind),
                "institution": entry.institution,
                "account": text(posting.name, "zh"),
                "debit": posting.debit,
                "credit": posting.credit,
                "balance": posting.balance,
                "who": text(entry.who, "zh"),
            }


RECORD_COLUMNS = [
    Column("source_id", "记录号", "code", width=22),
    Column("institution", "机构", "code"),
    Column("staff", "职工", "code", width=12),
    Column("item", "项目", "code", width=12),
    Column("service_date", "服务日期", "date"),
    Column("resident_id", "居民", "code", width=16),
    Column("quantity", "数量", "int", total=True),
    Column("units", "当量", "units", total=True),
    Column("purchasable", "可购买当量", "units", total=True),
    Column("capped", "超上限", "yesno", width=8),
    Column("year", "年度", "int"),
    Column("import_id", "导入批次", "int"),
    Column("line", "文件行号", "int"),
    Column("id", "编号", "int"),
]
SHEET_ROWS = 1_000_000  # Excel holds 1,048,576 rows a sheet: a bigger search goes on


def records(rows: Iterable[Any], title: str, year: int | None) -> Workbook:
    """The records search (every page of it: the RecordRows record_json makes the API's
    and --json's records of, read by attribute; or, from workbooks.records.every_row, the
    same rows as tuples of its FIELDS, streamed), a sheet per million."""
    tuples = getattr(rows, "tuples", None)
    fields: Sequence[str] | None = None
    if tuples is not None:
        from haiyan_comp.workbooks.records import FIELDS

        rows, fields = tuples(), FIELDS
    batches = _chunks(iter(rows), SHEET_ROWS)
    first = next(batches, iter(()))
    sheets = _record_sheets(first, batches, title, fields)
    return Workbook("服务记录", year, sheets)


def _record_sheets(
    first: Iterator[Any], rest: Iterator[Iterator[Any]], title: str, fields: Sequence[str] | None
) -> Iterator[Sheet]:
    objects = fields is None
    yield Sheet("服务记录", title, RECORD_COLUMNS, first, totals=True, objects=objects,
                fields=fields)  # fmt: skip
    for number, chunk in enumerate(rest, start=2):
        yield Sheet(f"服务记录({number})", f"{title}（续 {number}）", RECORD_COLUMNS, chunk,
                    totals=True, objects=objects, fields=fields)  # fmt: skip


def _chunks(rows: Iterator[Any], size: int) -> Iterator[Iterator[Any]]:
    """Consecutive runs of at most `size` rows (each must be read before the next)."""
    sentinel = object()
    while True:
        head = next(rows, sentinel)
        if head is sentinel:
            return
        yield chain((head,), islice(rows, size - 1))
