"""What every PDF shares: fonts, styles, grids, page X of Y, the fingerprint (see house.py).

Every paragraph of every document is made here, by `text` (data, printed as it
is) or `markup` (our own fixed markup with the data parts escaped): reportlab
reads a paragraph's string as markup, so a name like `<img src="/etc/passwd"/>`
would otherwise open a server file, and `<a` would fail every render of a
closed audit batch. No other module of this package makes a paragraph
(tests/unit/test_statement_render.py holds that).
"""

from __future__ import annotations

import base64
import functools
import io
import itertools
from collections.abc import Container, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    TableStyle,
)

from haiyan_comp.signing import pdf as signing
from haiyan_comp.statements.fingerprint import MARK
from haiyan_comp.statements.fingerprint import read_embedded as read_embedded  # its old home
from haiyan_comp.statements.fonts import CID_FONT, cid_font, statement_font

WIDTH = A4[0] - 30 * mm


def pick_font(font: str | None) -> str:
    """The font asked for (registered), or the best one available."""
    return cid_font() if font == CID_FONT else font or statement_font()


def text(value: object, style: ParagraphStyle) -> Paragraph:
    """A piece of data as a paragraph, printed as it is: nothing in it is read as markup."""
    return markup("{}", style, value)


def markup(template: str, style: ParagraphStyle, *values: object) -> Paragraph:
    """Our own fixed markup (`<b>`, `<br/>`) with each value escaped into its `{}`."""
    literals = (_literal(str(value), style.fontName) for value in values)
    return Paragraph(template.format(*literals), style)


def _literal(value: str, font: str) -> str:
    # A character the embedded font has no glyph for (emoji, U+202E) would be drawn
    # as glyph 0 and read back as NUL: it goes out in the built-in CID font, whose
    # text layer keeps it.
    parts = []
    for lacking, run in itertools.groupby(value, key=lambda char: _lacks_glyph(char, font)):
        literal = escape("".join(run))
        parts.append(f'<font name="{cid_font()}">{literal}</font>' if lacking else literal)
    return "".join(parts)


def _lacks_glyph(char: str, font: str) -> bool:
    glyphs = _glyphs(font)
    return glyphs is not None and not char.isspace() and ord(char) not in glyphs


@functools.cache
def _glyphs(font: str) -> Container[int] | None:
    """The code points an embedded TrueType font can draw; None for a CID font."""
    embedded = pdfmetrics.getFont(font)
    return embedded.face.charToGlyph if isinstance(embedded, TTFont) else None


def build_pdf(
    story: Sequence[Flowable], *, font: str, title: str, author: str, fingerprint: tuple[str, str],
    footer: str,
) -> bytes:  # fmt: skip
    """Lay `story` out on A4; the (SHA-256, canonical JSON) fingerprint rides in the Subject."""
    digest, canonical = fingerprint
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        subject=f"{MARK}:{digest}:{base64.b64encode(canonical.encode()).decode()}",
        creator="haiyan-comp",
    )
    doc.build(list(story), canvasmaker=_numbered_canvas(font, footer))
    return signing.sign(buffer.getvalue())  # the county's signature, when it has a key


def styles_for(font: str) -> dict[str, ParagraphStyle]:
    """The paragraph styles, all in `font`."""
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", base, fontSize=15, leading=20, alignment=TA_CENTER),
        "heading": ParagraphStyle("heading", base, fontSize=11, leading=16, spaceAfter=2),
        "cell": base,
        "centre": ParagraphStyle("centre", base, alignment=TA_CENTER),
        "body": ParagraphStyle("body", base, fontSize=10, leading=15),
        "small": ParagraphStyle("small", base, fontSize=7.5, leading=10),
        "code": ParagraphStyle("code", base, fontSize=8, leading=10, wordWrap=None),
        "seal": ParagraphStyle(
            "seal", base, fontSize=10, alignment=TA_CENTER, textColor=colors.HexColor("#9a9a9a")
        ),
    }


def grid(font: str, header: bool = True, right_from: int = 1) -> TableStyle:
    """A ruled table with a grey header row; figures right-aligned from column `right_from`."""
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (right_from, 0), (-1, -1), "RIGHT"),
    ]
    if header:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ]
    return TableStyle(commands)


def _numbered_canvas(font: str, footer: str) -> type[Canvas]:
    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Holds the pages back until the end, to print "page X of Y" on each."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(font, 8)
                self.drawString(15 * mm, 10 * mm, footer)
                self.drawRightString(A4[0] - 15 * mm, 10 * mm, f"第 {number} 页 共 {total} 页")
                super().showPage()
            super().save()

    return NumberedCanvas
