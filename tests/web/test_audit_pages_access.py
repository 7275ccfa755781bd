"""Who may use the audit pages: auditors judge, finance only reads, nobody else sees them."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from haiyan_comp.audit.models import AuditBatch, Verdict
from tests.web.conftest import SignIn, post_form, read

DRAW = {"year": "2018", "institution": "HY01", "item": "OP", "size": "3", "seed": "access"}


def drawn_batch(signed_in: SignIn) -> tuple[int, str]:
    """A batch drawn by the auditor and its first sampled record."""
    auditor = signed_in("auditor")
    response = post_form(auditor, "/audit/draw", DRAW)
    assert response.status_code == 302
    batch_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = auditor.get(f"/audit/batches/{batch_id}").get_data(as_text=True)
    match = re.search(r'name="source_id" value="([^"]+)"', page)
    assert match
    return batch_id, match.group(1)


def test_finance_reads_batches_and_findings_but_never_draws_judges_or_closes(
    app: Flask, signed_in: SignIn
) -> None:
    batch_id, source_id = drawn_batch(signed_in)
    finance = signed_in("finance")
    for url in ("/audit/", "/audit/flags", "/audit/findings", f"/audit/batches/{batch_id}"):
        assert finance.get(url).status_code == 200, url
    page = finance.get(f"/audit/batches/{batch_id}").get_data(as_text=True)
    assert 'data-key="p"' not in page and "/close" not in page  # no buttons for finance
    assert finance.get("/audit/draw").status_code == 403
    assert post_form(finance, "/audit/draw", DRAW).status_code == 403
    verdict = {"source_id": source_id, "outcome": "pass"}
    assert post_form(finance, f"/audit/batches/{batch_id}/verdict", verdict).status_code == 403
    assert post_form(finance, f"/audit/batches/{batch_id}/close").status_code == 403
    assert read(app, lambda s: s.scalar(select(func.count()).select_from(AuditBatch))) == 1
    judged = read(app, lambda s: s.scalar(select(func.count()).where(Verdict.outcome.is_not(None))))
    assert judged == 0
    assert read(app, lambda s: s.get(AuditBatch, batch_id).closed_at) is None


@pytest.mark.parametrize("login", ["hy01", "hy01s001", "admin"])
def test_centre_staff_and_admin_users_get_403_on_the_audit_pages(
    signed_in: SignIn, login: str
) -> None:
    batch_id, source_id = drawn_batch(signed_in)
    user = signed_in(login)
    for url in ("/audit/", "/audit/flags", "/audit/findings", "/audit/draw"):
        assert user.get(url).status_code == 403, url
    assert user.get(f"/audit/batches/{batch_id}").status_code == 403
    assert post_form(user, "/audit/draw", DRAW).status_code == 403
    verdict = {"source_id": source_id, "outcome": "pass"}
    assert post_form(user, f"/audit/batches/{batch_id}/verdict", verdict).status_code == 403
    assert post_form(user, f"/audit/batches/{batch_id}/close").status_code == 403


def test_an_auditor_gets_403_on_every_finance_page_and_form(app: Flask, signed_in: SignIn) -> None:
    auditor = signed_in("auditor")
    assert auditor.get("/finance/").status_code == 403
    adapter = app.url_map.bind("localhost")
    samples = {"int": 2018, "default": "HY01", "path": "x"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/finance"):
            continue
        values = {
            name: samples.get(type(converter).__name__.removesuffix("Converter").lower(), "HY01")
            for name, converter in rule._converters.items()
        }
        url = adapter.build(rule.endpoint, values)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = auditor.get(url) if method == "GET" else post_form(auditor, url)
            assert response.status_code == 403, (method, url)
            checked += 1
    assert checked >= 1


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask, signed_in: SignIn) -> None:
    with app.test_client() as visitor:
        response = visitor.get("/audit/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
