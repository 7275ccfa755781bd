"""What a person sees on a page or in a document, and what must not be there.

`seen(html)` gives the visible text of a page (text nodes outside scripts and
styles, and the attributes a person reads: title, placeholder, aria-label, alt,
a button's value, a confirmation dialog's text), each piece with the tag it
came from. `problems(pieces)` names every lowcase English word outside the
allowlist, time not in the county's zone, rule number and formula symbol.
URLs, class names and scripts are not looked at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Words a person may meet in Latin letters: the product's name, and the demo's logins
# (user names are data, as a person's name is).
ALLOWED_WORDS = frozenset({"haiyan", "comp", "admin", "finance", "auditor", "root"})
# What a person types as it stands (a command, a file's column names) is shown as code.
MACHINE_TAGS = frozenset({"code", "kbd", "pre", "samp"})
# A file's header as its columns are spelled (code,institution_code,name), and a file's name.
COLUMN_LIST = re.compile(r"\b[a-z_]+(?:, ?[a-z_]+)+\b|[\w.-]+\.(?:pdf|csv|xlsx|zip|jsonl)\b")

ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_.@/\\-])[a-z]{4,}(?![A-Za-z0-9_@])")
FOREIGN_TIME = re.compile(
    r"\bUTC\b|\bGMT\b|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z\b|[+-]\d{2}:?\d{2})"
)
RULE_NUMBER = re.compile(r"(?<![A-Za-z0-9])R[1-9]\d?(?![0-9A-Za-z])")
FORMULA = re.compile(
    r"[Σ∑≤≥]|(?<![A-Za-z])[A-Za-z]_[A-Za-z]+|\b(?:min|max|round|floor|ceil)\s*\(|·\s*\d+\s*/\s*[A-Z]\b"
)
# A single Latin letter standing as a word (the "N", "U", "n", "D" headers, "1 + g").
SINGLE_LETTER = re.compile(r"(?<![A-Za-z0-9_.:/#-])[A-Za-z](?![A-Za-z0-9_])")

READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript"})
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass(frozen=True)
class Piece:
    """A piece of text a person reads, and where (the tag, or 'pdf', 'csv', …)."""

    text: str
    where: str


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[Piece] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in READ_ATTRIBUTES:
            if values.get(name, "").strip():
                self.pieces.append(Piece(values[name], f"{tag}[{name}]"))
        if (
            tag == "input"
            and values.get("type") in ("submit", "button", "reset")
            and values.get("value")
        ):
            self.pieces.append(Piece(values["value"], "input[value]"))
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if HIDDEN_TAGS & set(self.stack) or not data.strip():
            return
        self.pieces.append(Piece(data.strip(), self.stack[-1] if self.stack else "text"))


def seen(html: str) -> list[Piece]:
    """The text of a page a person reads, piece by piece."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.pieces


def problems(pieces: list[Piece], *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """What a person must not meet in these pieces, one line per finding."""
    found: list[str] = []
    for piece in pieces:
        text = piece.text
        english = "" if piece.where in MACHINE_TAGS else COLUMN_LIST.sub(" ", text)
        for kind, pattern in (
            ("English", ENGLISH_WORD),
            ("foreign time", FOREIGN_TIME),
            ("rule number", RULE_NUMBER),
            ("formula", FORMULA),
        ):
            for match in pattern.finditer(english if kind == "English" else text):
                word = match.group(0)
                if kind == "English" and word in ALLOWED_WORDS | allowed:
                    continue
                found.append(f"{kind} {word!r} in <{piece.where}>: {text[:160]!r}")
        heading = piece.where in ("th", "dt", "label", "caption") or piece.where.startswith("th[")
        if heading and SINGLE_LETTER.search(text) and len(text) <= 3:
            found.append(f"letter as a label in <{piece.where}>: {text!r}")
        elif piece.where not in MACHINE_TAGS:
            for match in SINGLE_LETTER.finditer(text):
                if _formula_letter(text, match.start()):
                    found.append(
                        f"formula letter {match.group(0)!r} in <{piece.where}>: {text[:160]!r}"
                    )
    return found


def _formula_letter(text: str, at: int) -> bool:
    """A lone letter beside an operator or a bracket (1 + g, j−1, 12/N, ×A), or standing
    as a name after Chinese words ("核减当量 D", "条数 N 与")."""
    around = text[max(0, at - 3) : at] + text[at + 1 : at + 4]
    if re.search(r"[+×*/=()−·]", around):
        return True
    before, after = text[max(0, at - 2) : at], text[at + 1 : at + 2]
    return bool(re.fullmatch(r"[\u4e00-\u9fff] ", before)) and after in (
        "",
        " ",
        "，",
        "。",
        "）",
        "（",
        "、",
        "；",
    )


def text_pieces(text: str, where: str) -> list[Piece]:
    """Plain text (a PDF's, a CSV's) as pieces, one per line."""
    return [Piece(line.strip(), where) for line in text.splitlines() if line.strip()]
