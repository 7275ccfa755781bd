"""The house style every document shares: its footer, figure tables, the amount in capital
words on one line, and the signature and seal blocks (issue 17 §1, docs/DOCUMENTS.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from haiyan_comp import clock
from haiyan_comp.money import format_grouped
from haiyan_comp.statements.capital import capital_rmb
from haiyan_comp.statements.layout import WIDTH, grid, text

PADDING = 12  # a table cell's left and right padding together, in points
SEAL_HEIGHT = 20 * mm
MIN_SIZE = 4.0  # points: the smallest a one-line text shrinks to


def footer(label: str, number: str, generated_at: datetime) -> str:
    """The footer of every page: the document's number and when it was made, in county time."""
    return f"{label} {number}  生成时间 {clock.shown(generated_at, seconds=True)}"


def money(fen: int) -> str:
    """An amount as printed: thousands separators, two places."""
    return format_grouped(fen)


def one_line(value: str, style: ParagraphStyle, width: float) -> Flowable:
    """`value` on one line of `width` points: the font shrinks rather than the line breaks.

    Only a text too long for one line even at MIN_SIZE (hostile data, not an amount) wraps.
    """
    size = float(style.fontSize)
    needed = stringWidth(value, style.fontName, size)
    wrap = style.wordWrap
    if needed > width:
        size = int(size * width / needed * 10) / 10
        if size < MIN_SIZE:
            size, wrap = MIN_SIZE, "CJK"
    fitted = ParagraphStyle(
        f"{style.name}-fitted", style, fontSize=size, leading=size * 1.3, wordWrap=wrap
    )
    return text(value, fitted)


def capital_row(
    label: str, fen: int, styles: dict[str, ParagraphStyle], font: str,
    before: Sequence[tuple[str, str]] = (),
) -> Table:  # fmt: skip
    """Labelled figures (`before`, then `label`'s), and on a line of its own the last one's
    capital words with 人民币, never broken inside: the font shrinks instead."""
    cell = styles["cell"]
    label_width = 45 * mm
    words_width = WIDTH - label_width
    rows: list[list[Any]] = [[text(name, cell), figure] for name, figure in before]
    rows += [
        [text(f"{label}（元）", cell), money(fen)],
        [text("大写金额", cell), one_line(capital_rmb(fen), styles["body"], words_width - PADDING)],
    ]
    table = Table(rows, colWidths=[label_width, words_width])
    table.setStyle(grid(font, header=False, right_from=1))
    table.setStyle(TableStyle([("ALIGN", (1, -1), (1, -1), "LEFT")]))
    return table


def figure_pairs(
    left: Sequence[tuple[str, str]], right: Sequence[tuple[str, str]], heads: tuple[str, str],
    styles: dict[str, ParagraphStyle], font: str,
) -> Table:  # fmt: skip
    """Two columns of labelled figures side by side, one figure per labelled cell."""
    blank = ("", "")
    left = [*left, *[blank] * (len(right) - len(left))]
    right = [*right, *[blank] * (len(left) - len(right))]
    cell = styles["cell"]
    rows: list[list[Any]] = [[heads[0], "数额", heads[1], "数额"]]
    rows += [
        [text(a, cell), x, text(b, cell), y] for (a, x), (b, y) in zip(left, right, strict=True)
    ]
    table = Table(rows, colWidths=[w * mm for w in (58, 32, 58, 32)])
    table.setStyle(grid(font))
    return table


def party(name: str, styles: dict[str, ParagraphStyle], font: str, width: float) -> Table:
    """One signing party: 制表人, 审核人, 单位负责人, the seal area and the date."""
    body = styles["body"]
    line = "____________"
    rows = [
        [text(name, styles["centre"])],
        [text(f"制表人：{line}　审核人：{line}", body)],
        [text(f"单位负责人：{line}", body)],
        [text("盖章处", styles["seal"])],
        [text("日期：________年______月______日", body)],
    ]
    table = Table(rows, colWidths=[width], rowHeights=[None, None, None, SEAL_HEIGHT, None])
    grey = colors.grey
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("BOX", (0, 0), (-1, -1), 0.4, grey),
                ("LINEBELOW", (0, 0), (0, 0), 0.4, grey),
                ("BACKGROUND", (0, 0), (0, 0), colors.HexColor("#e8e8e8")),
                ("BOX", (0, 3), (0, 3), 0.6, colors.HexColor("#b0b0b0")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def signed_by(
    parties: Sequence[str], sha256: str, styles: dict[str, ParagraphStyle], font: str,
    seal: str | None = None,
) -> KeepTogether:  # fmt: skip
    """The signature and seal blocks of every party side by side, the figures' fingerprint and
    the ledger's seal under them, never split across pages."""
    width = WIDTH / max(2, len(parties))  # one party takes half the width, not all of it
    blocks = Table([[party(name, styles, font, width - 4 * mm) for name in parties]])
    blocks.setStyle(
        TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    notes: list[Flowable] = [blocks, Spacer(1, 4 * mm)]
    if seal is not None:
        notes.append(text(f"账本封印：{seal[:16]}…", styles["small"]))
    notes.append(text(f"数据指纹 SHA-256：{sha256}", styles["small"]))
    return KeepTogether(notes)
