"""The prepayment notice of one run (`haiyan prepay run --as-of D`) for one institution."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from haiyan_comp import clock
from haiyan_comp.statements.documents import NoticeData, NoticeInstalment
from haiyan_comp.statements.house import capital_row, footer, money, signed_by
from haiyan_comp.statements.layout import WIDTH, build_pdf, grid, pick_font, styles_for, text

__all__ = ["NoticeData", "NoticeInstalment", "render_notice"]


def render_notice(data: NoticeData, font: str | None = None) -> bytes:
    """The prepayment notice as PDF bytes."""
    font = pick_font(font)
    styles = styles_for(font)
    cell = styles["cell"]
    rows: list[list[Any]] = [
        ["年度", "期次", "应付日期", "应付金额（元）", "抵扣欠款（元）", "实付金额（元）"]
    ]
    for item in data.instalments:
        i = item.instalment
        rows.append(
            [f"{item.year}年度", f"第{i.number}期", clock.shown(i.due), money(i.gross),
             money(i.offset), money(i.cash)]
        )  # fmt: skip
    rows.append(["合计", "", "", money(data.gross), money(data.offset), money(data.cash)])
    table = Table(rows, colWidths=[WIDTH / 6] * 6, repeatRows=1)
    table.setStyle(grid(font, right_from=3))
    table.setStyle(TableStyle([("SPAN", (0, -1), (2, -1)), ("ALIGN", (0, -1), (2, -1), "CENTER")]))
    header = Table(
        [
            [text(f"县（市、区）：{data.county}", cell), text(f"通知单号：{data.number}", cell)],
            [
                text(f"机构：{data.institution_name}（{data.institution_code}）", cell),
                text(f"拨付日期：{clock.shown(data.as_of)}", cell),
            ],
        ],
        colWidths=[WIDTH / 2] * 2,
    )
    story = [
        text(f"{data.county}基层医疗卫生机构预付款通知单", styles["title"]),
        header,
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        capital_row("本次实付金额", data.cash, styles, font),
        Spacer(1, 6 * mm),
        signed_by((f"{data.county}财政局", data.institution_name), data.sha256, styles, font),
    ]
    return build_pdf(
        story,
        font=font,
        title=f"预付款通知单 {data.number}",
        author=data.county,
        fingerprint=(data.sha256, data.canonical_figures()),
        footer=footer("通知单号", data.number, data.generated_at),
    )
