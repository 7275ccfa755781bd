"""The audit report of one closed batch: stratum, seed, N, U, the sample with verdicts, D."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from haiyan_comp.statements.data import canonical_json
from haiyan_comp.statements.layout import build_pdf, grid, pick_font, signatures, styles_for, text

BATCH_FIGURES = (
    "batch", "year", "institution", "item", "from", "to", "stratum", "seed", "N", "U", "n",
    "failed", "deduction", "closed_at",
)  # fmt: skip
SAMPLE_FIGURES = ("rank", "source_id", "service_date", "staff", "purchasable", "verdict", "reason")
VERDICT = {"pass": "通过", "fail": "不通过"}


@dataclass(frozen=True)
class AuditReportData:
    """A closed batch as `haiyan audit show --json` prints it, for the report."""

    county: str
    institution_name: str
    generated_at: datetime
    batch: dict[str, Any]

    @property
    def number(self) -> str:
        """The report number: year and batch."""
        return f"CH-{self.batch['year']}-{self.batch['batch']}"

    def figures(self) -> dict[str, Any]:
        """The report's figures: what the fingerprint covers."""
        sample = [
            {**{key: s[key] for key in SAMPLE_FIGURES}, "staff": s["responsible"] or s["staff"]}
            for s in self.batch["sample"]
        ]
        return {
            "document": "audit_report",
            "number": self.number,
            **{key: self.batch[key] for key in BATCH_FIGURES},
            "sample": sample,
        }

    def canonical_figures(self) -> str:
        """The figures as canonical JSON."""
        return canonical_json(self.figures())

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical figures."""
        return hashlib.sha256(self.canonical_figures().encode()).hexdigest()


def render_audit_report(data: AuditReportData, font: str | None = None) -> bytes:
    """The audit report as PDF bytes."""
    font = pick_font(font)
    styles = styles_for(font)
    cell = styles["cell"]
    f = data.figures()
    facts = [
        ("批次", str(f["batch"]), "年度", str(f["year"])),
        ("机构", f"{data.institution_name}（{f['institution']}）", "服务项目", f["item"]),
        ("抽样期间", f"{f['from']} 至 {f['to']}", "分层", f["stratum"]),
        ("随机种子", f["seed"], "总体记录数 N", str(f["N"])),
        ("总体当量 U", f["U"], "样本量 n", str(f["n"])),
        ("不通过数", str(f["failed"]), "核减当量 D", f["deduction"]),
    ]
    head = Table(
        [[a, text(b, cell), c, text(d, cell)] for a, b, c, d in facts],
        colWidths=[w * mm for w in (25, 65, 30, 60)],
    )
    head.setStyle(grid(font, header=False, right_from=4))
    rows: list[list[Any]] = [["序号", "记录编号", "服务日期", "责任人", "当量", "结论", "理由"]]
    for s in f["sample"]:
        rows.append(
            [str(s["rank"]), text(s["source_id"], cell), s["service_date"], text(s["staff"], cell),
             s["purchasable"], VERDICT.get(s["verdict"] or "", "—"),
             text(s["reason"] or "", cell)]
        )  # fmt: skip
    sample = Table(rows, colWidths=[w * mm for w in (12, 38, 22, 20, 18, 16, 54)], repeatRows=1)
    sample.setStyle(grid(font, right_from=4))
    story = [
        text(f"{data.county}服务记录抽查核验报告", styles["title"]),
        head,
        Spacer(1, 4 * mm),
        text("抽查样本与结论", styles["heading"]),
        sample,
        Spacer(1, 6 * mm),
        KeepTogether(
            [
                signatures(
                    f"{data.county}核查组（签章）", f"{data.institution_name}（签章）", styles, font
                ),
                Spacer(1, 4 * mm),
                text(f"数据指纹 SHA-256：{data.sha256}", styles["small"]),
            ]
        ),
    ]
    return build_pdf(
        story,
        font=font,
        title=f"抽查核验报告 {data.number}",
        author=data.county,
        fingerprint=(data.sha256, data.canonical_figures()),
        footer=f"报告编号 {data.number}  生成时间 {data.generated_at:%Y-%m-%d %H:%M:%S %Z}",
    )
