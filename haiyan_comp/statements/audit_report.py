"""The audit report of one closed batch: its scope in words, the sample with verdicts, the
deduction; item and staff by name beside their codes (house style: house.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from haiyan_comp import clock
from haiyan_comp.money import group_decimal
from haiyan_comp.statements.documents import AuditReportData
from haiyan_comp.statements.house import PADDING, footer, one_line, signed_by
from haiyan_comp.statements.layout import build_pdf, grid, pick_font, styles_for, text

__all__ = ["AuditReportData", "render_audit_report"]


VERDICT = {"pass": "通过", "fail": "不通过"}


def _closed_at(value: str | None) -> str:
    return "—" if not value else clock.shown(datetime.fromisoformat(value))


def render_audit_report(data: AuditReportData, font: str | None = None) -> bytes:
    """The audit report as PDF bytes."""
    font = pick_font(font)
    styles = styles_for(font)
    cell = styles["cell"]
    f = data.figures()
    facts = [
        ("批次编号", str(f["batch"]), "年度", f"{f['year']}年度"),
        ("机构", data.named(f["institution"], data.institution_name),
         "服务项目", data.named(f["item"], data.item_name)),
        ("抽样期间", data.period, "抽样范围", data.records),
        ("随机种子", f["seed"], "总体记录数", f"{f['N']:,}"),
        ("总体当量", group_decimal(f["U"]), "样本量", f"{f['n']:,}"),
        ("不通过数", f"{f['failed']:,}", "核减当量", group_decimal(f["deduction"])),
        ("关闭时间", _closed_at(f["closed_at"]), "报告编号", data.number),
    ]  # fmt: skip
    head = Table(
        [[a, text(b, cell), c, text(d, cell)] for a, b, c, d in facts],
        colWidths=[w * mm for w in (25, 65, 25, 65)],
    )
    head.setStyle(grid(font, header=False, right_from=4))
    rows: list[list[Any]] = [["序号", "记录编号", "服务日期", "责任人", "当量", "结论", "理由"]]
    widths = [w * mm for w in (9, 37, 20, 36, 16, 13, 49)]
    for s in f["sample"]:
        staff = data.named(s["staff"], data.staff_names.get(s["staff"]))
        rows.append(
            [str(s["rank"]), one_line(s["source_id"], styles["code"], widths[1] - PADDING),
             s["service_date"], one_line(staff, cell, widths[3] - PADDING),
             group_decimal(s["purchasable"]), VERDICT.get(s["verdict"] or "", "—"),
             text(s["reason"] or "", cell)]
        )  # fmt: skip
    sample = Table(rows, colWidths=widths, repeatRows=1)
    sample.setStyle(grid(font, right_from=4))
    sample.setStyle(
        TableStyle([("ALIGN", (5, 0), (6, -1), "CENTER"), ("ALIGN", (6, 1), (6, -1), "LEFT")])
    )
    story = [
        text(f"{data.county}服务记录抽查核验报告", styles["title"]),
        head,
        Spacer(1, 4 * mm),
        text("抽查样本与结论", styles["heading"]),
        sample,
        Spacer(1, 6 * mm),
        signed_by((f"{data.county}核查组", data.institution_name), data.sha256, styles, font),
    ]
    return build_pdf(
        story,
        font=font,
        title=f"抽查核验报告 {data.number}",
        author=data.county,
        fingerprint=(data.sha256, data.canonical_figures()),
        footer=footer("报告编号", data.number, data.generated_at),
    )
