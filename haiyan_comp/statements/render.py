"""The settlement statement on A4: dataclass in, PDF bytes out (house style: house.py)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table, TableStyle

from haiyan_comp import clock
from haiyan_comp.money import group_decimal
from haiyan_comp.statements.data import StatementData
from haiyan_comp.statements.house import capital_row, figure_pairs, footer, money, signed_by
from haiyan_comp.statements.layout import WIDTH, build_pdf, grid, pick_font, styles_for, text

CATEGORY = {"basic_medical": "基本医疗", "public_health": "公共卫生"}


def render_settlement(data: StatementData, font: str | None = None) -> bytes:
    """The statement as PDF bytes; the figures and their SHA-256 ride in the Subject."""
    font = pick_font(font)
    styles = styles_for(font)
    story = [
        text(f"{data.county}基层医疗卫生机构{data.year}年度结算单", styles["title"]),
        _header(data, styles),
        Spacer(1, 4 * mm),
        *_section("一、服务项目工作当量", _items(data, styles, font), styles),
        *_section("二、结算金额", _settlement(data, styles, font), styles),
        *_section("三、预付款", _instalments(data, font), styles),
        *_section("四、结算差额", _balance(data, styles, font), styles),
        Spacer(1, 2 * mm),
        signed_by(
            (f"{data.county}财政局", data.institution_name), data.sha256, styles, font, data.seal
        ),
    ]
    return build_pdf(
        story,
        font=font,
        title=f"{data.year}年度结算单 {data.institution_code}",
        author=data.county,
        fingerprint=(data.sha256, data.canonical_figures()),
        footer=footer("结算单号", data.number, data.generated_at),
    )


def _section(heading: str, body: Flowable, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    # a heading never ends a page; long tables still split
    return [CondPageBreak(30 * mm), text(heading, styles["heading"]), body, Spacer(1, 4 * mm)]


def _header(data: StatementData, styles: dict[str, ParagraphStyle]) -> Table:
    cell = styles["cell"]
    settled_at = "—" if data.settled_at is None else clock.shown(data.settled_at)
    rows = [
        [text(f"县（市、区）：{data.county}", cell), text(f"结算单号：{data.number}", cell)],
        [
            text(f"机构：{data.institution_name}（{data.institution_code}）", cell),
            text(f"结算年度：{data.year}年度", cell),
        ],
        [
            text(f"结算基准日：{clock.shown(data.settled_as_of)}", cell),
            text(f"结算办理时间：{settled_at}", cell),
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
                money(item.gross),
                money(item.over_spec),
                money(item.deducted),
                money(item.verified),
            ]
        )
    for category, label in (*CATEGORY.items(), (None, "合计")):
        name = label if category is None else f"{label}小计"
        rows.append([name, "", "", *(money(v) for v in data.item_totals(category))])
    totals = len(CATEGORY) + 1
    table = Table(rows, colWidths=[w * mm for w in (30, 50, 16, 21, 21, 21, 21)], repeatRows=1)
    table.setStyle(grid(font, right_from=3))
    spans = [("SPAN", (0, row), (2, row)) for row in range(-totals, 0)]
    table.setStyle(TableStyle([*spans, ("ALIGN", (0, -totals), (2, -1), "CENTER")]))
    return table


def _settlement(data: StatementData, styles: dict[str, ParagraphStyle], font: str) -> Table:
    units = [
        ("核定基本医疗当量", money(data.verified_basic_medical)),
        ("核定公共卫生当量", money(data.verified_public_health)),
        ("增长上限核减的基本医疗当量", money(data.growth_cap_effect)),
        ("购买基本医疗当量", money(data.purchased_basic_medical)),
        ("购买当量合计", money(data.purchased)),
        ("当量单价（元）", group_decimal(data.unit_price)),
    ]
    amounts = [
        ("应得金额（元）", money(data.entitlement)),
        ("全县年度预算（元）", money(data.budget)),
        ("全县风险基金动用（元）", money(data.risk_fund_draw)),
        *([("预算按比例调整（元）", money(data.budget_scaling))] if data.budget_scaling else []),
        ("最终结算金额（元）", money(data.final)),
        ("已预付合计（元）", money(data.prepaid)),
    ]
    if data.score is not None and data.bonus_cap is not None:
        units.append(("绩效考核得分", money(data.score)))
        amounts.append(("效率奖励上限（元）", money(data.bonus_cap)))
    return figure_pairs(units, amounts, ("当量", "金额"), styles, font)


def _instalments(data: StatementData, font: str) -> Table:
    rows: list[list[Any]] = [
        ["期次", "应付日期", "应付金额（元）", "抵扣欠款（元）", "实付金额（元）"]
    ]
    for i in data.instalments:
        rows.append(
            [f"第{i.number}期", clock.shown(i.due), money(i.gross), money(i.offset), money(i.cash)]
        )
    if not data.instalments:
        rows.append(["无", "", "", "", ""])
    rows.append(
        [
            "合计",
            "",
            *(
                money(sum(getattr(i, key) for i in data.instalments))
                for key in ("gross", "offset", "cash")
            ),
        ]
    )
    table = Table(rows, colWidths=[WIDTH / 5] * 5, repeatRows=1)
    table.setStyle(grid(font, right_from=2))
    table.setStyle(TableStyle([("SPAN", (0, -1), (1, -1)), ("ALIGN", (0, -1), (1, -1), "CENTER")]))
    return table


def _balance(data: StatementData, styles: dict[str, ParagraphStyle], font: str) -> Flowable:
    kind = "应补付金额" if data.balance >= 0 else "应扣回欠款"
    before = [("最终结算金额（元）", money(data.final)), ("已预付合计（元）", money(data.prepaid))]
    return capital_row(kind, abs(data.balance), styles, font, before)
