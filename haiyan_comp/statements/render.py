"""The settlement statement on A4: dataclass in, PDF bytes out."""

from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table, TableStyle

from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.statements.capital import capital_amount
from haiyan_comp.statements.data import StatementData
from haiyan_comp.statements.layout import (
    WIDTH,
    build_pdf,
    grid,
    markup,
    pick_font,
    signed_by_finance_and,
    styles_for,
    text,
)

CATEGORY = {"basic_medical": "基本医疗", "public_health": "公共卫生"}


def render_settlement(data: StatementData, font: str | None = None) -> bytes:
    """The statement as PDF bytes; the figures and their SHA-256 ride in the Subject."""
    font = pick_font(font)
    styles = styles_for(font)
    story = [
        text(f"{data.county}基层医疗卫生机构 {data.year} 年度结算单", styles["title"]),
        _header(data, styles),
        Spacer(1, 4 * mm),
        CondPageBreak(30 * mm),  # a heading never ends a page; long tables still split
        text("一、服务项目工作当量", styles["heading"]),
        _items(data, styles, font),
        Spacer(1, 4 * mm),
        CondPageBreak(30 * mm),  # a heading never ends a page; long tables still split
        text("二、结算金额", styles["heading"]),
        _settlement(data, styles, font),
        Spacer(1, 4 * mm),
        CondPageBreak(30 * mm),  # a heading never ends a page; long tables still split
        text("三、预付款", styles["heading"]),
        _instalments(data, styles, font),
        Spacer(1, 4 * mm),
        CondPageBreak(30 * mm),  # a heading never ends a page; long tables still split
        text("四、结算差额", styles["heading"]),
        _balance(data, styles),
        Spacer(1, 6 * mm),
        signed_by_finance_and(data.county, data.institution_name, data.sha256, styles, font),
    ]
    return build_pdf(
        story,
        font=font,
        title=f"{data.year}年度结算单 {data.institution_code}",
        author=data.county,
        fingerprint=(data.sha256, data.canonical_figures()),
        footer=f"结算单号 {data.number}  生成时间 {data.generated_at:%Y-%m-%d %H:%M:%S %Z}",
    )


def _header(data: StatementData, styles: dict[str, ParagraphStyle]) -> Table:
    cell = styles["cell"]
    rows = [
        [
            text(f"县（市、区）：{data.county}", cell),
            text(f"结算单号：{data.number}", cell),
        ],
        [
            text(f"机构：{data.institution_name}（{data.institution_code}）", cell),
            text(f"结算年度：{data.year}　结算基准日：{data.settled_as_of}", cell),
        ],
    ]
    return Table(rows, colWidths=[WIDTH / 2] * 2)


def _items(data: StatementData, styles: dict[str, ParagraphStyle], font: str) -> Table:
    rows: list[list[Any]] = [
        ["编码", "服务项目", "类别", "总当量", "超标当量", "核减当量", "核定当量"]
    ]
    for item in data.items:
        rows.append(
            [
                text(item.code, styles["code"]),
                text(item.name, styles["cell"]),
                CATEGORY.get(item.category, item.category),
                fmt(item.gross),
                fmt(item.over_spec),
                fmt(item.deducted),
                fmt(item.verified),
            ]
        )
    for category, label in (*CATEGORY.items(), (None, "合计")):
        name = label if category is None else f"{label}小计"
        rows.append([name, "", "", *(fmt(v) for v in data.item_totals(category))])
    totals = len(CATEGORY) + 1
    table = Table(
        rows,
        colWidths=[w * mm for w in (34, 50, 16, 20, 20, 20, 20)],
        repeatRows=1,
    )
    table.setStyle(grid(font, right_from=3))
    spans = [("SPAN", (0, row), (2, row)) for row in range(-totals, 0)]
    table.setStyle(TableStyle([*spans, ("ALIGN", (0, -totals), (2, -1), "CENTER")]))
    return table


def _settlement(data: StatementData, styles: dict[str, ParagraphStyle], font: str) -> Table:
    units = [
        ("核定基本医疗当量 V_bm", fmt(data.verified_basic_medical)),
        ("核定公共卫生当量 V_ph", fmt(data.verified_public_health)),
        ("增长上限核减基本医疗当量", fmt(data.growth_cap_effect)),
        ("购买基本医疗当量 P_bm", fmt(data.purchased_basic_medical)),
        ("购买当量合计 P", fmt(data.purchased)),
        ("当量单价（元）", data.unit_price),
    ]
    money = [
        ("应得金额 A（元）", fmt(data.entitlement)),
        ("全县年度预算（元）", fmt(data.budget)),
        ("全县风险基金动用（元）", fmt(data.risk_fund_draw)),
        *(
            [("预算按比例调整 F − A（元）", fmt(data.budget_scaling))]
            if data.budget_scaling
            else []
        ),
        ("最终结算金额 F（元）", fmt(data.final)),
        ("已预付合计（元）", fmt(data.prepaid)),
    ]
    if data.score is not None and data.bonus_cap is not None:
        units.append(("绩效考核得分", fmt(data.score)))
        money.append(("效率奖励上限（元）", fmt(data.bonus_cap)))
    money += [("", "")] * (len(units) - len(money))
    units += [("", "")] * (len(money) - len(units))
    cell = styles["cell"]
    rows: list[list[Any]] = [["当量", "数额", "金额", "数额"]]
    rows += [
        [text(a, cell), x, text(b, cell), y] for (a, x), (b, y) in zip(units, money, strict=True)
    ]
    table = Table(rows, colWidths=[w * mm for w in (58, 32, 58, 32)])
    table.setStyle(grid(font))
    return table


def _instalments(data: StatementData, styles: dict[str, ParagraphStyle], font: str) -> Table:
    rows: list[list[Any]] = [
        ["期次", "应付日期", "应付金额（元）", "抵扣欠款（元）", "实付金额（元）"]
    ]
    for i in data.instalments:
        rows.append([str(i.number), i.due.isoformat(), fmt(i.gross), fmt(i.offset), fmt(i.cash)])
    if not data.instalments:
        rows.append(["无", "", "", "", ""])
    table = Table(rows, colWidths=[WIDTH / 5] * 5, repeatRows=1)
    table.setStyle(grid(font, right_from=2))
    return table


def _balance(data: StatementData, styles: dict[str, ParagraphStyle]) -> Flowable:
    amount = abs(data.balance)
    kind = "应补付" if data.balance >= 0 else "应扣回欠款"
    return markup(
        "最终结算金额 {} 元，已预付 {} 元，<b>{} {} 元</b>，大写：{}",
        styles["body"],
        fmt(data.final), fmt(data.prepaid), kind, fmt(amount), capital_amount(amount),
    )  # fmt: skip
