"""Hostile text, set through every door a user or the platform has, shows literally on every page.

A corpus of strings an attacker (or an unlucky clerk) might type: markup, a
lone `<a`, an image tag naming a server file, entities, format directives,
spreadsheet formulas, a 64-character id, a right-to-left override, emoji and
Chinese. They go in as institution and staff names (the admin's CSV loads),
source and resident ids (an upload), the name of the uploaded file, and the
reasons of failed audit verdicts. Then every page that shows them is fetched
by the role that reads it: each answers 200, shows each string escaped (as
the text itself, never as markup), and carries none of the raw markup.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from markupsafe import escape
from sqlalchemy import func, select

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.institutions.models import Institution
from haiyan_comp.records.models import ServiceRecord
from tests.web.conftest import SignIn, post_form, read

# Each entry is a valid id (at most 64 characters, no control characters) and a valid name.
CORPUS = [
    "<a",
    '<img src="/etc/passwd"/>',
    "&amp;&lt;b&gt;",
    "<b>粗体</b></para>",
    '<font size="28" color="red">作废</font>',
    '<link href="http://evil.example">点此付款</link>',
    "<script>alert(1)</script>",
    "%s%d{0}{name}",
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "X" * 64,
    "\u202eRLO-覆盖",
    "🩺🏥-emoji",
    "武原街道社区卫生服务中心",
]
# What must never appear raw in a page: the markup the corpus carries.
RAW = [
    "<a<",
    '<a"',
    "<a</",
    "<a记录",
    "<img src=x",
    '<img src="/etc',
    "<font size",
    "<link href",
    "<script>alert",
    "</para>",
    "<b>粗体",
]

HEADER = "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity"


def csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def load(runner: FlaskCliRunner, tmp_path: Any, what: str, header: str, rows: list[str]) -> None:
    path = tmp_path / f"{what}.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(args=[what, "load", str(path)])
    assert result.exit_code == 0, result.output


def unused_uncapped_item(app: Flask) -> str:
    """An item of 2018 without a cap on which HY01 has no demo records."""

    def find(session: Any) -> str:
        hy01 = session.scalar(select(Institution.id).where(Institution.code == "HY01"))
        used = select(ServiceRecord.item_id).where(ServiceRecord.institution_id == hy01)
        code = session.scalar(
            select(ServiceItem.code)
            .where(ServiceItem.year == 2018, ServiceItem.cap.is_(None))
            .where(ServiceItem.id.not_in(used))
            .order_by(ServiceItem.position)
        )
        assert code is not None, "the demo gave HY01 every uncapped item"
        return str(code)

    return str(read(app, find))


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    text = response.get_data(as_text=True)
    for raw in RAW:
        assert raw not in text, (url, raw)
    return text


def shows(text: str, value: str) -> bool:
    """Whether the page shows `value` as text (escaped exactly as Jinja escapes it)."""
    return str(escape(value)) in text


@pytest.fixture
def hostile(
    app: Flask, county: dict[str, Any], runner: FlaskCliRunner, signed_in: SignIn, tmp_path: Any
) -> dict[str, Any]:
    """The demo county with the corpus set through every door; the clients that read it."""
    load(runner, tmp_path, "institutions", "code,name", [f"HY01,{csv_cell(CORPUS[1] + '卫生院')}"])
    load(
        runner, tmp_path, "staff", "code,institution_code,name",
        [f"HY01S001,HY01,{csv_cell(CORPUS[4])}"],
    )  # fmt: skip
    item = unused_uncapped_item(app)
    rows = [
        ",".join([csv_cell(value), "HY01", "HY01S001", item, "2018-06-15", csv_cell(value), "1"])
        for value in CORPUS
    ]
    centre = signed_in("hy01")
    body = (HEADER + "\n" + "\n".join(rows) + "\n").encode()
    filename = "<img src=x onerror=alert(1)>&<a记录.csv"  # a browser sends no quotes
    response = post_form(
        centre, "/centre/upload", {"file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    job = centre.get(response.headers["Location"])
    report_url = job.headers["Location"]
    report = page(centre, report_url)
    assert shows(report, filename)
    stored = read(
        app,
        lambda s: s.scalar(
            select(func.count())
            .select_from(ServiceRecord)
            .where(ServiceRecord.source_id.in_(CORPUS))
        ),
    )
    assert stored == len(CORPUS), report[:3000]

    auditor = signed_in("auditor")
    draw = {
        "year": "2018", "institution": "HY01", "item": item, "size": str(len(CORPUS)),
        "seed": "hostile", "date_from": "2018-06-15", "date_to": "2018-06-15",
    }  # fmt: skip
    response = post_form(auditor, "/audit/draw", draw)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    batch = int(re.search(r"/audit/batches/(\d+)$", response.headers["Location"]).group(1))  # type: ignore[union-attr]
    for index, source_id in enumerate(CORPUS):
        reason = CORPUS[(index + 3) % len(CORPUS)] + "：不合格"
        verdict = {"source_id": source_id, "outcome": "fail", "reason": reason}
        response = post_form(auditor, f"/audit/batches/{batch}/verdict", verdict)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = post_form(auditor, f"/audit/batches/{batch}/close")
    assert response.status_code == 302
    return {
        "batch": batch, "item": item, "centre": centre, "auditor": auditor,
        "finance": signed_in("finance"), "admin": signed_in("admin"), "report": report_url,
    }  # fmt: skip


def test_the_auditors_pages_show_every_hostile_id_and_reason_as_text(
    hostile: dict[str, Any],
) -> None:
    text = page(hostile["auditor"], f"/audit/batches/{hostile['batch']}")
    for value in CORPUS:
        assert shows(text, value), value
        assert shows(text, value + "：不合格"), value
    assert shows(text, CORPUS[1] + "卫生院")
    findings = page(hostile["auditor"], "/audit/findings?year=2018")
    assert shows(findings, CORPUS[4])  # the staff member's name
    page(hostile["auditor"], "/audit/?year=2018")
    page(hostile["auditor"], "/audit/flags?year=2018")
    page(hostile["finance"], f"/audit/batches/{hostile['batch']}")


def test_the_centres_pages_show_every_hostile_id_and_reason_as_text(
    hostile: dict[str, Any],
) -> None:
    centre = hostile["centre"]
    deductions = page(centre, "/centre/deductions?year=2018")
    for value in CORPUS:
        assert shows(deductions, value + "：不合格"), value
    records = page(centre, "/centre/records?year=2018")
    home = page(centre, "/centre/?year=2018")
    assert shows(home, CORPUS[1] + "卫生院") or shows(records, CORPUS[1] + "卫生院")
    for value in CORPUS[:5]:
        found = page(centre, "/centre/records?" + f"year=2018&source_id={value}")
        assert shows(found, value), value
    page(centre, "/centre/statements")
    page(centre, "/centre/bonus?year=2018")
    page(centre, hostile["report"])


def test_finance_and_admin_pages_show_hostile_names_as_text(hostile: dict[str, Any]) -> None:
    finance = hostile["finance"]
    for url in ("/finance/", "/finance/configure?year=2018", "/finance/prepayments?year=2018",
                "/finance/settlement?year=2018", "/finance/assessments?year=2018",
                "/finance/statements?year=2018", "/finance/ledger"):  # fmt: skip
        text = page(finance, url)
        if "HY01" in text:
            assert shows(text, CORPUS[1] + "卫生院"), url
    institutions = page(hostile["admin"], "/admin/institutions")
    assert shows(institutions, CORPUS[1] + "卫生院")
