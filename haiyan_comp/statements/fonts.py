"""The Chinese font of the PDFs: an embedded TrueType font when there is one, else STSong-Light."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFError, TTFont

CID_FONT = "STSong-Light"
EMBEDDED_FONT = "HaiyanCJK"
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)


def font_candidates() -> list[str]:
    """HAIYAN_PDF_FONT first, then the Debian paths that exist."""
    configured = os.environ.get("HAIYAN_PDF_FONT")
    found = [path for path in CANDIDATES if Path(path).is_file()]
    return ([configured] if configured else []) + found


def statement_font() -> str:
    """Register and name the font the statements use (once per font path)."""
    for path in font_candidates():
        name = _register_truetype(path)
        if name is not None:
            return name
    return cid_font()


@functools.cache
def _register_truetype(path: str) -> str | None:
    # reportlab reads TrueType outlines only; CFF-based OpenType (Noto CJK) is refused: skip it.
    try:
        font = TTFont(f"{EMBEDDED_FONT}-{Path(path).stem}", path, subfontIndex=0)
    except (TTFError, OSError):
        return None
    pdfmetrics.registerFont(font)
    _one_face_family(str(font.fontName))
    return str(font.fontName)


class _MeasuredAsDrawn(UnicodeCIDFont):  # type: ignore[misc]
    """The CID font, measured as viewers draw it: a character beyond U+FFFF (an emoji)
    goes out as two UCS-2 codes, two glyph widths, so a line that holds one still fits."""

    def stringWidth(self, text: str | bytes, size: float, encoding: str | None = None) -> float:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        beyond = sum(1 for char in text if ord(char) > 0xFFFF)
        return float(super().stringWidth(text, size, encoding)) + size * beyond


@functools.cache
def cid_font() -> str:
    """Register reportlab's built-in Chinese font (nothing embedded, nothing to install)."""
    pdfmetrics.registerFont(_MeasuredAsDrawn(CID_FONT))
    _one_face_family(CID_FONT)
    return CID_FONT


def _one_face_family(name: str) -> None:
    # one face serves <b> and <i> too, so paragraphs never look for a missing bold font
    registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
