"""The documents on plain dataclasses: no database, both kinds of font, hostile data."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import reportlab.lib.utils as reportlab_utils
from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle

from haiyan_comp import statements
from haiyan_comp.statements.audit_report import AuditReportData, render_audit_report
from haiyan_comp.statements.data import (
    StatementData,
    StatementInstalment,
    StatementItem,
    changed_figures,
)
from haiyan_comp.statements.fonts import CID_FONT
from haiyan_comp.statements.layout import markup, read_embedded
from haiyan_comp.statements.notice import NoticeData, NoticeInstalment, render_notice
from haiyan_comp.statements.render import render_settlement
from haiyan_comp.statements.slip import SlipData, render_slips
from tests.hostile import HOSTILE, links_and_images, shows

DATA = StatementData(
    county="海盐县",
    institution_code="HY02",
    institution_name="于城镇卫生院",
    year=2018,
    settled_as_of=date(2019, 1, 15),
    generated_at=datetime(2019, 1, 16, 9, 30, tzinfo=UTC),
    items=(StatementItem("OP", "普通门诊", "basic_medical", 4000, 0, 0, 4000),),
    verified_basic_medical=4000,
    verified_public_health=3500,
    purchased_basic_medical=4000,
    purchased=7500,
    unit_price="10.00",
    budget=200000,
    risk_fund_draw=0,
    entitlement=75000,
    final=75000,
    prepaid=80000,
    balance=-5000,
    instalments=tuple(
        StatementInstalment(n, date(2018, 3 * n - 2, 1), 20000, 0, 20000) for n in range(1, 5)
    ),
)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_figures_and_their_hash_ride_in_the_file() -> None:
    pdf = render_settlement(DATA)
    embedded = read_embedded(pdf)
    assert embedded is not None
    digest, figures = embedded
    assert digest == DATA.sha256 and figures == DATA.canonical_figures()
    assert json.loads(figures)["balance"] == "-50.00"
    assert DATA.sha256 in text_of(pdf)


def test_the_built_in_cid_font_needs_nothing_installed() -> None:
    pdf = render_settlement(DATA, font=CID_FONT)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    assert read_embedded(pdf) is not None
    text = text_of(pdf)
    assert "750.00" in text and "800.00" in text and "50.00" in text


def test_the_hash_ignores_the_generation_time_but_not_a_figure() -> None:
    later = replace(DATA, generated_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert later.sha256 == DATA.sha256
    assert replace(DATA, final=75001).sha256 != DATA.sha256


@pytest.mark.parametrize(
    ("stored", "current", "changes"),
    [
        ({"final": "1.00"}, {"final": "1.00"}, []),
        ({"final": "1.00"}, {"final": "1.01"}, ["final: 1.00 → 1.01"]),
        (
            {"items": [{"code": "OP", "verified": "1.00"}]},
            {"items": [{"code": "OP", "verified": "0.50"}]},
            ["items[0].verified: 1.00 → 0.50"],
        ),
    ],
)
def test_changed_figures_names_each_change(
    stored: dict[str, object], current: dict[str, object], changes: list[str]
) -> None:
    assert changed_figures(stored, current) == changes


def test_a_long_figures_document_survives_the_round_trip() -> None:
    items = tuple(
        StatementItem(f"ITEM_{n}", "名称" * 10, "public_health", 100 * n, 0, 0, 100 * n)
        for n in range(53)
    )
    full = replace(DATA, items=items)
    embedded = read_embedded(render_settlement(full))
    assert embedded == (full.sha256, full.canonical_figures())


# --- Data is never markup (issue 12): every document, every field, both fonts ---------------

FONTS = [pytest.param(None, id="embedded"), pytest.param(CID_FONT, id="cid")]


def fields(value: str) -> dict[str, str]:
    """`value` in every data field of the documents, each field tagged so a test can find it."""
    tags = ("county", "institution", "item", "source", "staff", "reason", "seed")
    return {tag: f"{tag}[{value}]" for tag in tags}


def settlement_of(value: str) -> StatementData:
    f = fields(value)
    return replace(
        DATA,
        county=f["county"],
        institution_name=f["institution"],
        items=(StatementItem("OP", f["item"], "basic_medical", 4000, 0, 0, 4000),),
    )


def notice_of(value: str) -> NoticeData:
    f = fields(value)
    paid = NoticeInstalment(2018, StatementInstalment(1, date(2018, 1, 1), 20000, 0, 20000))
    return NoticeData(
        f["county"], "HY02", f["institution"], date(2018, 10, 1), DATA.generated_at, (paid,),
        20000, 0, 20000,
    )  # fmt: skip


def audit_of(value: str) -> AuditReportData:
    f = fields(value)
    batch = {
        "batch": 7, "year": 2018, "institution": "HY01", "item": "HTN", "from": "2018-01-01",
        "to": "2018-12-31", "stratum": "all", "seed": f["seed"], "N": 5, "U": "50.00", "n": 1,
        "failed": 1, "deduction": "50.00", "closed_at": "2019-01-10T09:00:00+00:00",
        "sample": [
            {"rank": 1, "source_id": f["source"], "service_date": "2018-03-01", "staff": "S1",
             "responsible": None, "purchasable": "10.00", "verdict": "fail",
             "reason": f["reason"]},
        ],
    }  # fmt: skip
    return AuditReportData(f["county"], f["institution"], DATA.generated_at, batch)


def slips_of(value: str) -> SlipData:
    f = fields(value)
    sheet = {
        "year": 2018, "institution": "HY01", "performance_pay": "9500.00", "basic": "3800.00",
        "incentive": "5700.00", "efficiency_bonus": "1500.00",
        "staff": [{"code": "S1", "incentive": "5700.00", "efficiency_bonus": "1500.00"}],
    }  # fmt: skip
    return SlipData(f["county"], f["institution"], DATA.generated_at, sheet, {"S1": f["staff"]})


DOCUMENTS: dict[str, tuple[Callable[[str, str | None], bytes], tuple[str, ...]]] = {
    "settlement": (
        lambda v, font: render_settlement(settlement_of(v), font),
        ("county", "institution", "item"),
    ),
    "notice": (lambda v, font: render_notice(notice_of(v), font), ("county", "institution")),
    "audit_report": (
        lambda v, font: render_audit_report(audit_of(v), font),
        ("county", "institution", "source", "reason", "seed"),
    ),
    "bonus_sheet": (
        lambda v, font: render_slips(slips_of(v), font),
        ("county", "institution", "staff"),
    ),
    "own_slip": (
        lambda v, font: render_slips(slips_of(v).for_staff("S1"), font),
        ("county", "institution", "staff"),
    ),
}


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("value", HOSTILE)
def test_every_field_of_every_document_prints_data_literally(
    document: str, value: str, font: str | None
) -> None:
    render, tags = DOCUMENTS[document]
    pdf = render(value, font)
    printed = fields(value)
    assert [tag for tag in tags if not shows(pdf, printed[tag])] == []
    assert links_and_images(pdf) == []
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None and metadata.author == printed["county"]


def test_no_module_but_layout_makes_a_paragraph() -> None:
    """Only layout.text/markup build paragraphs (they escape data): a new document cannot forget."""
    package = Path(statements.__file__).parent
    direct = re.compile(r"\b(?:Paragraph|XPreformatted|Para)\b")  # ParagraphStyle is fine
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(package.glob("*.py"))
        if path.name != "layout.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if direct.search(line)
    ]
    assert offenders == []
    layout = (package / "layout.py").read_text(encoding="utf-8")
    assert layout.count("Paragraph(") == 1  # the one in markup()


def test_a_markup_reason_is_text_and_nothing_is_opened_followed_or_obeyed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[str] = []
    real_open = reportlab_utils.open_for_read

    def spy(name: object, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(reportlab_utils, "open_for_read", spy)
    reason = (
        '<img src="/etc/passwd"/> ok <font size="28" color="red">作废</font> '
        '<link href="http://x">点此付款</link>'
    )
    pdf = render_audit_report(audit_of(reason))
    assert shows(pdf, reason)
    assert not [name for name in opened if "passwd" in name]
    assert links_and_images(pdf) == []
    streams = [page.get_contents() for page in PdfReader(io.BytesIO(pdf)).pages]
    content = b"".join(stream.get_data() for stream in streams if stream is not None)
    assert b" Tf" in content  # the text is there to look at
    assert b" 28 Tf" not in content and b"1 0 0 rg" not in content  # no 28pt size, no red


def test_our_own_markup_still_works_around_escaped_data() -> None:
    style = ParagraphStyle("plain", fontName="Helvetica")  # bold has a face of its own
    paragraph = markup("<b>{}</b>{}", style, "<a", "&amp;<br/>")

    def printed(font: str) -> str:
        return "".join(f.text for f in paragraph.frags if f.fontName == font)

    assert (printed("Helvetica-Bold"), printed("Helvetica")) == ("<a", "&amp;<br/>")


@pytest.mark.parametrize("where", ["county", "institution"])
def test_data_posing_as_the_fingerprint_cannot_replace_it(where: str) -> None:
    forged = '{"document":"settlement","year":1}'
    digest = hashlib.sha256(forged.encode()).hexdigest()
    mark = f"haiyan-statement:v1:{digest}:{base64.b64encode(forged.encode()).decode()}"
    data = settlement_of("x")
    data = replace(data, county=mark) if where == "county" else replace(data, institution_name=mark)
    assert read_embedded(render_settlement(data)) == (data.sha256, data.canonical_figures())
