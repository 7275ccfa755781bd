"""The bonus sheet of an institution's year and each staff member's slip (R18, R19).

R19 splits the performance pay T into a basic part and an incentive part and gives
each staff member an incentive share; the basic part is shared equally among the
staff on the sheet (largest remainder, ties to the smaller code), so that every
person's slip shows a basic share, an incentive share and their total, and the
sheet's columns add up to T (docs/DOCUMENTS.md).
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table, TableStyle

from haiyan_comp.statements.documents import LINE_FIGURES, SlipData, sheet_fen
from haiyan_comp.statements.house import figure_pairs, footer, money, signed_by
from haiyan_comp.statements.layout import WIDTH, build_pdf, grid, pick_font, styles_for, text
from haiyan_comp.statements.numbers import sheet_number

__all__ = ["SlipData", "render_slips"]


def render_slips(data: SlipData, font: str | None = None) -> bytes:
    """The institution's bonus sheet and every person's slip, or one person's own slip."""
    font = pick_font(font)
    styles = styles_for(font)
    f = data.figures()
    own = data.only_staff is not None
    kind = "个人发放条" if own else "发放表"
    story: list[Any] = [
        text(f"{data.county}{f['year']}年度绩效工资及效率奖励{kind}", styles["title"]),
        _header(data, f, styles),
        Spacer(1, 4 * mm),
    ]
    if not own:
        story += _sheet(data, f, styles, font)
    for line in f["staff"]:
        story.append(KeepTogether([_slip(data, f, line, styles, font), Spacer(1, 6 * mm)]))
    if own:
        story.append(text(f"数据指纹 SHA-256：{data.sha256}", styles["small"]))
    return build_pdf(
        story,
        font=font,
        title=f"绩效工资及效率奖励{kind} {data.number}",
        author=data.county,
        fingerprint=(data.sha256, data.canonical_figures()),
        footer=footer(f"{kind}编号", data.number, data.generated_at),
    )


def _header(data: SlipData, f: dict[str, Any], styles: dict[str, Any]) -> Table:
    cell = styles["cell"]
    label = "发放条编号" if data.only_staff is not None else "发放表编号"
    rows = [
        [text(f"县（市、区）：{data.county}", cell), text(f"{label}：{data.number}", cell)],
        [
            text(f"机构：{data.institution_name}（{f['institution']}）", cell),
            text(f"年度：{f['year']}年度", cell),
        ],
    ]
    return Table(rows, colWidths=[WIDTH / 2] * 2)


def _sheet(data: SlipData, f: dict[str, Any], styles: dict[str, Any], font: str) -> list[Any]:
    staff = f["staff"]
    total = sum(sheet_fen(line["total"]) for line in staff)
    summary = figure_pairs(
        [("绩效工资总额（元）", money(sheet_fen(f["performance_pay"]))),
         ("其中基础部分（元）", money(sheet_fen(f["basic"]))),
         ("其中激励部分（元）", money(sheet_fen(f["incentive"])))],
        [("效率奖励（元，单列发放）", money(sheet_fen(f["efficiency_bonus"]))),
         ("应发合计（元）", money(total)), ("发放人数", f"{len(staff):,}")],
        ("绩效工资", "效率奖励"), styles, font,
    )  # fmt: skip
    cell = styles["cell"]
    rows: list[list[Any]] = [
        ["序号", "工号", "姓名", "基础绩效", "激励绩效", "绩效工资小计", "效率奖励", "应发合计",
         "领取人签字"]
    ]  # fmt: skip
    for number, line in enumerate(staff, start=1):
        rows.append(
            [str(number), text(line["code"], styles["code"]),
             text(data.names.get(line["code"], ""), cell),
             *(money(sheet_fen(line[key])) for key in LINE_FIGURES), ""]
        )  # fmt: skip
    rows.append(
        [
            "合计",
            "",
            "",
            *(money(sum(sheet_fen(line[key]) for line in staff)) for key in LINE_FIGURES),
            "",
        ]
    )
    table = Table(
        rows, colWidths=[w * mm for w in (10, 20, 22, 22, 22, 22, 22, 22, 18)], repeatRows=1
    )
    table.setStyle(grid(font, right_from=3))
    table.setStyle(TableStyle([("SPAN", (0, -1), (2, -1)), ("ALIGN", (0, -1), (2, -1), "CENTER")]))
    institution = data.institution_name
    return [
        summary,
        Spacer(1, 4 * mm),
        text("发放明细（金额单位：元）", styles["heading"]),
        table,
        Spacer(1, 6 * mm),
        signed_by((institution,), data.sha256, styles, font),
        PageBreak(),  # the slips on pages of their own, to be cut apart
        text("个人发放条（沿边线裁开，各人留存）", styles["heading"]),
    ]


def _slip(
    data: SlipData, f: dict[str, Any], line: dict[str, Any], styles: dict[str, Any], font: str
) -> Table:
    cell = styles["cell"]
    code = line["code"]
    shown = {key: money(sheet_fen(line[key])) for key in LINE_FIGURES}
    rows = [
        ["姓名", text(data.names.get(code, ""), cell), "工号", text(code, cell)],
        ["机构", text(data.institution_name, cell), "发放条编号",
         text(sheet_number(f["year"], f["institution"], code), cell)],
        ["基础绩效（元）", shown["basic"], "激励绩效（元）", shown["incentive"]],
        ["绩效工资小计（元）", shown["performance_pay"], "效率奖励（元）",
         shown["efficiency_bonus"]],
        ["应发合计（元）", shown["total"], "年度", f"{f['year']}年度"],
        ["领取人签字", "", "日期", ""],
    ]  # fmt: skip
    table = Table(rows, colWidths=[WIDTH * w for w in (0.2, 0.3, 0.2, 0.3)])
    table.setStyle(grid(font, header=False, right_from=4))
    table.setStyle(
        TableStyle([("ALIGN", (1, 2), (1, 4), "RIGHT"), ("ALIGN", (3, 2), (3, 3), "RIGHT")])
    )
    return table
