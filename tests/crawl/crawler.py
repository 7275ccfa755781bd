"""A crawler that reads every page a signed-in person can reach, as that person.

It follows the links of each page (same site; not sign-out, not the API, not
static files), submits each form once with what it already holds, follows the
redirect at once (so the flash message is read), and opens every download it
can read: PDFs as text (pypdf), CSV, spreadsheets and ZIPs of them. Each page
and document is checked with `sight.problems`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask.testing import FlaskClient

from tests.crawl.sight import Piece, problems, seen, text_pieces

SKIPPED_PATHS = re.compile(r"^/(api/|static/|logout|healthz|favicon|language)")
# The columns of an import file are the centre's own (it may correct and load the file again).
IMPORT_COLUMNS = frozenset(
    [
        "source_id",
        "institution_code",
        "staff_code",
        "item_code",
        "service_date",
        "resident_id",
        "quantity",
    ]
)
PER_PATTERN = 3  # pages of one shape (ids and years aside) visited at most


@dataclass
class Form:
    method: str
    action: str
    enctype: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    submit: tuple[str, str] | None = None


class _Links(HTMLParser):
    """The links and forms of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._textarea: list[str] | None = None
        self._textarea_name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(
                a.get("method", "get").lower(), a.get("action", ""), a.get("enctype", "")
            )
            self.forms.append(self._form)
        elif self._form is not None:
            self._field(tag, a)

    def _field(self, tag: str, a: dict[str, str]) -> None:
        form = self._form
        assert form is not None
        name, kind = a.get("name", ""), a.get("type", "text").lower()
        if "disabled" in a:
            return
        if tag == "input" and kind == "file" and name:
            form.files.append(name)
        elif tag == "input" and kind in ("submit", "image"):
            if form.submit is None:
                form.submit = (name, a.get("value", "")) if name else ("", "")
        elif tag == "input" and kind in ("checkbox", "radio"):
            if name and "checked" in a:
                form.fields.append((name, a.get("value", "on")))
        elif tag == "input" and name:
            form.fields.append((name, a.get("value", "")))
        elif tag == "button" and a.get("type", "submit") == "submit" and form.submit is None:
            form.submit = (name, a.get("value", "")) if name else ("", "")
        elif tag == "select" and name:
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._select[1].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._textarea_name = [], name

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or [
                value for value, _ in options[:1]
            ]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea_name, "".join(self._textarea)))
            self._textarea = None


def shape(url: str) -> str:
    """A page's shape: its path with numbers and ids as '#', and its query's names."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "#", parts.path)
    names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return path + ("?" + "&".join(names) if names else "")


@dataclass
class Crawl:
    """One person's crawl: pages visited, forms sent, what was found where."""

    client: FlaskClient
    upload: bytes = b""
    skip: re.Pattern[str] | None = None  # forms not to send (one that disables the crawler)
    findings: dict[str, list[str]] = field(default_factory=dict)
    visited: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    forms_sent: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)  # links that lead nowhere (404, 405)
    _queue: deque[str] = field(default_factory=deque)
    _seen: set[str] = field(default_factory=set)
    _shapes: Counter[str] = field(default_factory=Counter)
    _forms: set[tuple[Any, ...]] = field(default_factory=set)

    def run(self, start: str, limit: int = 400) -> Crawl:
        self._enqueue(start)
        while self._queue and len(self.visited) < limit:
            url = self._queue.popleft()
            self.visit(url)
        return self

    def visit(self, url: str, *, again: bool = False) -> None:
        if url in self._seen and not again:
            return
        self._seen.add(url)
        response = self.client.get(url)
        self.visited.append(url)
        self.read(url, response)

    def read(self, url: str, response: Any, label: str | None = None) -> None:
        """A response to `url` (`label` names it in findings: 'POST /path')."""
        self.statuses[response.status_code] += 1
        if response.status_code in (404, 405):
            self.missing.append(f"{response.status_code} {label or url}")
        if response.status_code in (301, 302, 303, 307, 308):
            target = urljoin(url, response.headers["Location"])
            if self._ours(target):
                self.visit(urlsplit(target).path + _query(target), again=True)
            return
        kind = response.mimetype or ""
        if kind == "text/html":
            html = response.get_data(as_text=True)
            self.check(label or url, seen(html))
            self._follow(url, html)
        else:
            self.open_document(url, kind, response.get_data())

    def check(self, where: str, pieces: list[Piece]) -> None:
        found = problems(pieces) + utc_wall_times(pieces)
        if found:
            self.findings.setdefault(where, []).extend(found)

    def open_document(self, url: str, kind: str, body: bytes, name: str = "") -> None:
        """A download as a person reads it: a PDF's text, a table's cells, a ZIP's members."""
        name = name or urlsplit(url).path
        if kind == "application/pdf" or name.endswith(".pdf"):
            self.documents.append(f"{url} {name}".strip())
            self.check(f"{url} {name}", text_pieces(pdf_text(body), "pdf"))
        elif kind in ("text/csv",) or name.endswith(".csv"):
            self.documents.append(f"{url} {name}")
            self.check(f"{url} {name}", csv_pieces(body))
        elif "spreadsheetml" in kind or name.endswith(".xlsx"):
            self.documents.append(f"{url} {name}")
            self.check(f"{url} {name}", xlsx_pieces(body))
        elif kind == "application/zip" or name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                for member in archive.namelist():
                    self.check(f"{url} {member}", [Piece(member, "file name")])
                    self.open_document(url, "", archive.read(member), member)

    def _follow(self, url: str, html: str) -> None:
        links = _Links()
        links.feed(html)
        for href in links.links:
            self._enqueue(urljoin(url, href))
        for form in links.forms:
            self.submit(url, form)

    def _ours(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.netloc in ("", "localhost") and parts.scheme in ("", "http")

    def _enqueue(self, url: str) -> None:
        if not self._ours(url):
            return
        parts = urlsplit(url)
        if SKIPPED_PATHS.match(parts.path):
            return
        local = parts.path + _query(url)
        if local in self._seen or local in self._queue:
            return
        if self._shapes[shape(local)] >= PER_PATTERN:
            return
        self._shapes[shape(local)] += 1
        self._queue.append(local)

    def submit(self, page: str, form: Form) -> None:
        """Send a form once (per shape of its action and its fields), as it stands."""
        action = urljoin(page, form.action or page)
        path = urlsplit(action).path
        if not self._ours(action) or SKIPPED_PATHS.match(path):
            return
        if self.skip is not None and self.skip.search(path):
            return
        key = (form.method, shape(action), tuple(sorted(n for n, _ in form.fields)))
        if key in self._forms:
            return
        self._forms.add(key)
        fields = list(form.fields)
        if form.submit and form.submit[0]:
            fields.append(form.submit)
        self.forms_sent.append(f"{form.method.upper()} {path} from {page}")
        if form.method == "get":
            query = "&".join(f"{n}={v}" for n, v in fields if n != "csrf_token")
            self.visit(path + ("?" + query if query else ""))
            return
        data: dict[str, Any] = {}
        for name, value in fields:
            data.setdefault(name, []).append(value)
        for name in form.files:
            data[name] = (io.BytesIO(self.upload), "服务记录.csv")
        response = self.client.post(path + _query(action), data=data)
        self.read(path + _query(action), response, label=f"POST {path}")


WALL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def utc_wall_times(pieces: list[Piece]) -> list[str]:
    """Times of the crawl itself shown on UTC's clock instead of the county's: everything the
    crawl does happens within minutes of now, so a time near UTC's now (and not near the
    county's) was not converted (the county, Asia/Shanghai, is 8 hours away)."""
    from datetime import UTC, datetime, timedelta

    from haiyan_comp import clock

    now = datetime.now(UTC)
    utc_now, county_now = now.replace(tzinfo=None), clock.county_time(now).replace(tzinfo=None)
    near = timedelta(minutes=30)
    found = []
    for piece in pieces:
        for match in WALL_TIME.finditer(piece.text):
            shown = datetime.fromisoformat(match.group(0).replace("T", " "))
            if abs(shown - utc_now) < near and abs(shown - county_now) >= near:
                found.append(
                    f"time in UTC {match.group(0)!r} in <{piece.where}>: {piece.text[:160]!r}"
                )
    return found


def _query(url: str) -> str:
    query = urlsplit(url).query
    return "?" + query if query else ""


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def csv_pieces(body: bytes) -> list[Piece]:
    """A CSV's header (but the import file's own column names) and its other columns' cells."""
    text = body.decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = rows[0]
    ours = [i for i, name in enumerate(header) if name.strip() not in IMPORT_COLUMNS]
    pieces = [Piece(header[i], "csv header") for i in ours]
    for row in rows[1:]:
        pieces.extend(Piece(row[i], "csv cell") for i in ours if i < len(row) and row[i])
    return pieces


def xlsx_pieces(body: bytes) -> list[Piece]:
    """Every text cell of every sheet, and the sheets' names."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    pieces: list[Piece] = []
    for sheet in book.worksheets:
        pieces.append(Piece(sheet.title, "sheet name"))
        for row in sheet.iter_rows(values_only=True):
            pieces.extend(
                Piece(c, "cell")
                for c in row
                if isinstance(c, str) and c.strip() and c.strip() not in IMPORT_COLUMNS
            )
    return pieces
