"""Staff bonus slips of an institution's year (R18, R19): one slip per staff member."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from haiyan_comp.statements.data import canonical_json
from haiyan_comp.statements.layout import WIDTH, build_pdf, grid, pick_font, styles_for, text


@dataclass(frozen=True)
class SlipData:
    """`haiyan paysheet --json` of an institution and year, with the staff's names."""

    county: str
    institution_name: str
    generated_at: datetime
    sheet: dict[str, Any]
    names: dict[str, str]
    only_staff: str | None = None  # one staff member's own slip (see for_staff)

    def for_staff(self, code: str) -> SlipData:
        """Only `code`'s slip, which tells nothing of colleagues' pay (no line if not on the sheet).

        Its fingerprint covers that one line and says so (`only_staff`), so that
        `haiyan statement verify` recomputes the same one line.
        """
        own = [line for line in self.sheet["staff"] if line["code"] == code]
        return replace(
            self,
            sheet={**self.sheet, "staff": own},
            names={code: self.names.get(code, "")},
            only_staff=code,
        )

    @property
    def number(self) -> str:
        """The slip set's number: year and institution."""
        return f"JL-{self.sheet['year']}-{self.sheet['institution']}"

    def figures(self) -> dict[str, Any]:
        """The slips' figures (the pay sheet): what the fingerprint covers."""
        figures = {"document": "bonus_slip", "number": self.number, **self.sheet}
        if self.only_staff is not None:
            figures["only_staff"] = self.only_staff
        return figures

    def canonical_figures(self) -> str:
        """The figures as canonical JSON."""
        return canonical_json(self.figures())

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical figures."""
        return hashlib.sha256(self.canonical_figures().encode()).hexdigest()


def render_slips(data: SlipData, font: str | None = None) -> bytes:
    """One slip per staff member, several to a page, as PDF bytes."""
    font = pick_font(font)
    styles = styles_for(font)
    cell = styles["cell"]
    sheet = data.sheet
    story: list[Any] = [
        text(f"{data.county} {sheet['year']} 年度绩效工资及效率奖励发放单", styles["title"]),
        text(
            f"{data.institution_name}（{sheet['institution']}）：绩效工资总额 "
            f"{sheet['performance_pay']} 元，其中基础部分 {sheet['basic']} 元，激励部分 "
            f"{sheet['incentive']} 元；效率奖励 {sheet['efficiency_bonus']} 元（单列发放）",
            styles["body"],
        ),
        Spacer(1, 4 * mm),
    ]
    for staff in sheet["staff"]:
        code = staff["code"]
        rows = [
            ["姓名", text(data.names.get(code, ""), cell), "工号", text(code, cell)],
            ["年度", str(sheet["year"]), "机构", text(data.institution_name, cell)],
            [
                "绩效工资激励部分（元）",
                staff["incentive"],
                "效率奖励（元）",
                staff["efficiency_bonus"],
            ],
            ["领取人签字", "", "日期", ""],
        ]
        table = Table(rows, colWidths=[WIDTH * w for w in (0.25, 0.25, 0.2, 0.3)])
        table.setStyle(grid(font, header=False, right_from=4))
        story.append(KeepTogether([table, Spacer(1, 5 * mm)]))
    story.append(text(f"数据指纹 SHA-256：{data.sha256}", styles["small"]))
    return build_pdf(
        story,
        font=font,
        title=f"效率奖励发放单 {data.number}",
        author=data.county,
        fingerprint=(data.sha256, data.canonical_figures()),
        footer=f"发放单号 {data.number}  生成时间 {data.generated_at:%Y-%m-%d %H:%M:%S %Z}",
    )
