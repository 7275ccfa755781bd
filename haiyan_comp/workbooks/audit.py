"""The audit's tables as workbooks: batches, a batch with its sample and verdicts, the
automatic checks' flags, and the findings; each from the JSON document of its API GET."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haiyan_comp.messages import text
from haiyan_comp.workbooks import Column, Sheet
from haiyan_comp.workbooks.book import Workbook

STATE = {"open": "判定中", "closed": "已关闭"}
VERDICT = {"pass": "合格", "fail": "不合格"}
STRATUM = {"all": "全部记录", "flagged": "仅被标记记录"}
RULE = {
    "repeat_same_day": "同一居民同日重复",
    "staff_day_over_32": "单人单日超 32 当量",
    "after_import_date": "服务日期晚于导入日",
}

BATCH_COLUMNS = [
    Column("batch", "批次", "int"),
    Column("institution", "机构", "code"),
    Column("item", "项目", "code"),
    Column("from", "服务日期自", "date"),
    Column("to", "服务日期至", "date"),
    Column("stratum", "抽样范围", words=STRATUM),
    Column("N", "总体条数", "int", total=True),
    Column("U", "总体当量", "units", total=True),
    Column("n", "抽样数", "int", total=True),
    Column("pending", "待判定", "int", total=True),
    Column("failed", "不合格", "int", total=True),
    Column("deduction", "扣减当量", "units", total=True),
    Column("state", "状态", words=STATE, width=10),
    Column("seed", "随机种子"),
    Column("drawn_at", "抽样时间", "moment"),
    Column("drawn_by", "抽样人"),
    Column("closed_at", "关闭时间", "moment"),
    Column("closed_by", "关闭人"),
]

SAMPLE_COLUMNS = [
    Column("batch", "批次", "int"),
    Column("rank", "序", "int"),
    Column("source_id", "记录号", "code", width=22),
    Column("service_date", "服务日期", "date"),
    Column("staff", "职工", "code"),
    Column("resident_id", "居民", "code", width=16),
    Column("purchasable", "可购买当量", "units", total=True),
    Column("verdict", "结论", words=VERDICT, width=8),
    Column("reason", "原因", width=30),
    Column("responsible", "责任人", "code"),
    Column("decided_by", "判定人"),
    Column("decided_at", "判定时间", "moment"),
]


def batches(document: Mapping[str, Any]) -> Workbook:
    """GET /api/v1/audits (`haiyan audit list --json`): the batches of a year."""
    year = document["year"]
    sheet = Sheet("抽样批次", f"{year}年度抽样批次", BATCH_COLUMNS, document["batches"],
                  totals=True)  # fmt: skip
    return Workbook("抽样批次", year, [sheet])


def batch(document: Mapping[str, Any]) -> Workbook:
    """GET /api/v1/audits/<id> (`haiyan audit show --json`): the batch, then its sample."""
    number = document["batch"]
    samples = [{**row, "batch": number} for row in document.get("sample") or []]
    title = f"{document['year']}年度抽样批次 {number}"
    return Workbook(
        f"抽样批次{number}",
        document["year"],
        [
            Sheet("批次", title, BATCH_COLUMNS, [document]),
            Sheet("样本与结论", f"{title} · 样本与结论", SAMPLE_COLUMNS, samples, totals=True),
        ],
    )


FLAG_COLUMNS = [
    Column("rule", "规则", words=RULE, width=20),
    Column("institution", "机构", "code"),
    Column("source_id", "记录号", "code", width=22),
    Column("service_date", "服务日期", "date"),
    Column("staff", "职工", "code"),
    Column("item", "项目", "code"),
    Column("resident_id", "居民", "code", width=16),
    Column("units", "当量", "units", total=True),
    Column("detail", "说明", width=40),
]


def flags(document: Mapping[str, Any]) -> Workbook:
    """GET /api/v1/audits/flags (`haiyan audit flags --json`): the flagged records."""
    year = document.get("year")
    rows = [{**f, "detail": text(f.get("detail"), "zh")} for f in document.get("flags") or []]
    sheet = Sheet("被标记记录", f"{year}年度自动核查被标记记录", FLAG_COLUMNS, rows, totals=True)
    return Workbook("自动核查", year, [sheet])


STAFF_COLUMNS = [
    Column("code", "职工", "code"),
    Column("name", "姓名"),
    Column("institution", "机构", "code"),
    Column("failed", "不合格记录", "int", total=True),
    Column("deducted", "追溯核减当量", "units", total=True),
]
VERDICT_COLUMNS = [
    Column("staff", "职工", "code"),
    Column("batch", "批次", "int"),
    Column("item", "项目", "code"),
    Column("source_id", "记录号", "code", width=22),
    Column("reason", "原因", width=30),
    Column("decided_by", "判定人"),
    Column("batch_state", "批次状态", words=STATE),
    Column("share", "追溯核减当量", "units", total=True),
]
INSTITUTION_COLUMNS = [
    Column("code", "机构", "code"),
    Column("batches", "批次", "int", total=True),
    Column("deducted", "扣减当量合计", "units", total=True),
]


def findings(document: Mapping[str, Any]) -> Workbook:
    """GET /api/v1/audits/findings (`haiyan audit findings --json`): failed verdicts per
    responsible staff member, and the deductions per institution."""
    year = document["year"]
    staff = list(document.get("staff") or [])
    verdicts = [{**v, "staff": s["code"]} for s in staff for v in s.get("verdicts") or []]
    institutions = [
        {**i, "batches": len(i.get("batches") or [])} for i in document.get("institutions") or []
    ]
    return Workbook(
        "审计发现",
        year,
        [
            Sheet("按职工", f"{year}年度审计发现（按责任职工）", STAFF_COLUMNS, staff, totals=True),
            Sheet("不合格明细", f"{year}年度不合格记录明细", VERDICT_COLUMNS, verdicts,
                  totals=True),
            Sheet("按机构", f"{year}年度审计扣减（按机构）", INSTITUTION_COLUMNS, institutions,
                  totals=True),
        ],
    )  # fmt: skip
