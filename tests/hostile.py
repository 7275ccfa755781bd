"""Strings a county's data may hold that a document must print as they are (issue 12).

Each would be markup, an entity, a format directive, a formula or a layout trap
somewhere; a document shows every one of them literally, and none is followed,
opened or obeyed.
"""

from __future__ import annotations

import io

from pypdf import PdfReader

HOSTILE = (
    "<a",
    '<img src="/etc/passwd"/>',
    "&",
    "&amp;",
    "<b>",
    "</para>",
    '<font size="28" color="red">作废</font>',
    '<link href="http://evil">点此付款</link>',
    "%s",
    "{0}",
    '=HYPERLINK("x")',
    "ID" + "0123456789abcdef" * 3 + "0123456789ABCD",  # 64 characters, no space to break at
    "\u202eevil.pdf",  # RIGHT-TO-LEFT OVERRIDE
    "急诊😷🏥",
    "海盐县武原街道社区卫生服务中心",
)


def pdf_text(pdf: bytes) -> str:
    """Every page's extracted text, one string."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squeezed(text: str) -> str:
    """`text` without whitespace: a wrapped line reads as the string it wraps."""
    return "".join(text.split())


def shows(pdf: bytes, value: str) -> bool:
    """Whether the document's text holds `value` literally (wherever it wraps)."""
    return squeezed(value) in squeezed(pdf_text(pdf))


def links_and_images(pdf: bytes) -> list[str]:
    """Every link annotation and image XObject of the document, named."""
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        for annotation in page.get("/Annots") or []:
            widget = annotation.get_object()
            if widget.get("/FT") == "/Sig":  # the county's signature field, not a link
                continue
            found.append(f"page {number}: annotation {widget.get('/Subtype')}")
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        for name, xobject in xobjects.items():
            if xobject.get_object().get("/Subtype") == "/Image":
                found.append(f"page {number}: image {name}")
    return found
