"""The whole access matrix of CONTRACT.md, walked route by route, role by role.

EXPECTED is written from CONTRACT.md's role table, not read off the views: a
view whose rule changes, or a new route nobody put here, fails this test.
Every route is requested by every role (and by nobody, and by two API
tokens); a role outside a route's set must get 403, a role inside must not be
refused; a centre or staff user naming another institution gets 404.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.web.conftest import SignIn, csrf_token

F, A, C, S, D, P = "finance", "auditor", "centre", "staff", "admin", "platform"
PEOPLE = (F, A, C, S, D)
EVERYONE = PEOPLE
PUBLIC = "public"

# (endpoint, method) → who may: CONTRACT.md's "Who uses it", route by route.
EXPECTED: dict[tuple[str, str], tuple[str, ...] | str] = {
    ("web.index", "GET"): PUBLIC,
    ("web.healthz", "GET"): PUBLIC,
    ("web.favicon", "GET"): PUBLIC,
    ("web.choose_language", "POST"): PUBLIC,
    ("auth.login", "GET"): PUBLIC,
    ("auth.login", "POST"): PUBLIC,
    ("auth.logout", "POST"): EVERYONE,
    ("jobs.show", "GET"): EVERYONE,
    ("jobs.show_json", "GET"): EVERYONE,
    # admin: users, institutions, staff, API tokens
    ("admin.home", "GET"): (D,),
    ("admin.create_user", "POST"): (D,),
    ("admin.set_active", "POST"): (D,),
    ("admin.set_password", "POST"): (D,),
    ("admin.tokens", "GET"): (D,),
    ("admin.create_token", "POST"): (D,),
    ("admin.revoke_token", "POST"): (D,),
    ("admin.institutions", "GET"): (D,),
    ("admin.load", "POST"): (D,),
    # centre: its own units, records, deductions, statements, bonus pool, imports
    ("centre.home", "GET"): (C,),
    ("centre.records", "GET"): (C,),
    ("centre.money", "GET"): (C,),
    ("centre.years", "GET"): (C,),
    ("centre.upload", "GET"): (C,),
    ("centre.upload_post", "POST"): (C,),
    ("centre.import_report", "GET"): (C,),
    ("centre.import_rejections", "GET"): (C,),
    ("centre.import_rejections_xlsx", "GET"): (C,),
    ("centre.deductions", "GET"): (C,),
    ("centre.statements", "GET"): (C,),
    ("centre.bonus", "GET"): (C,),
    ("centre.bonus_pool", "POST"): (C,),
    ("centre.bonus_paysheet", "POST"): (C,),
    ("staff.home", "GET"): (S,),
    ("catalogue.show", "GET"): EVERYONE,
    ("account.password", "GET"): EVERYONE,
    ("account.password_save", "POST"): EVERYONE,
    # documents: finance all; centre and staff their own; auditors audit reports
    ("documents.statement", "GET"): (F, C, S),
    ("documents.notice", "GET"): (F, C, S),
    ("documents.audit_report", "GET"): (F, A, C),
    ("documents.slips", "GET"): (F, C),
    ("documents.slip", "GET"): (F, C, S),
    # auditor: samples, verdicts, batches; finance reads (everything read-only)
    ("audit.home", "GET"): (A, F),
    ("audit.flags", "GET"): (A, F),
    ("audit.findings", "GET"): (A, F),
    ("audit.batch", "GET"): (A, F),
    ("audit.draw", "GET"): (A,),
    ("audit.draw", "POST"): (A,),
    ("audit.verdict", "POST"): (A,),
    ("audit.close", "POST"): (A,),
    # finance: years, budgets, prepayments, settlement, assessments; never verdicts
    ("finance.home", "GET"): (F,),
    ("finance.years", "GET"): (F,),
    ("finance.configure", "GET"): (F,),
    ("finance.configure_save", "POST"): (F,),
    ("finance.baselines_save", "POST"): (F,),
    ("finance.configure_copy", "POST"): (F,),
    ("finance.prepayments", "GET"): (F,),
    ("finance.prepayments_run", "POST"): (F,),
    ("finance.settlement", "GET"): (F,),
    ("finance.settlement_confirm", "POST"): (F,),
    ("finance.ledger", "GET"): (F,),
    ("finance.ledger_verify", "POST"): (F,),
    ("explain.explain", "GET"): (F, A, C),
    ("finance.assessments", "GET"): (F,),
    ("finance.assessments_save", "POST"): (F,),
    ("finance.statements", "GET"): (F,),
    ("finance.statements_zip_start", "POST"): (F,),
    ("finance.statement_zip", "GET"): (F,),
    ("finance.statement_zip_file", "GET"): (F,),
    # API: the same rules; the regional platform pushes records and reads units
    ("api_units.units", "GET"): (F, A, C, P),
    ("api_explain.explain", "GET"): (F, A, C),
    ("api_catalogue.catalogue", "GET"): (*EVERYONE, P),
    ("api_imports.recent_imports", "GET"): (C,),
    ("api_records.import_file", "POST"): (C, P),
    ("api_records.list_records", "GET"): (F, A, C, P),
    ("api_years.get_year", "GET"): (F, C),
    ("api_years.put_year", "PUT"): (F,),
    ("api_years.copy_year", "POST"): (F,),
    ("api_years.put_baseline", "PUT"): (F,),
    ("api_years.put_plan", "PUT"): (F,),
    ("api_years.get_schedule", "GET"): (F, C),
    ("api_prepayments.run_prepayments", "POST"): (F,),
    ("api_audits.batches", "GET"): (F, A, C),
    ("api_audits.batch", "GET"): (F, A, C),
    ("api_audits.findings_view", "GET"): (F, A, C),
    ("api_audits.flags", "GET"): (F, A, C),
    ("api_audits.draw", "POST"): (A,),
    ("api_audits.verdict", "POST"): (A,),
    ("api_audits.close", "POST"): (A,),
    ("api_settlement.preview", "GET"): (F,),
    ("api_settlement.settle", "POST"): (F,),
    ("api_settlement.settled", "GET"): (F, C),
    ("api_ledger.ledger_view", "GET"): (F,),
    ("api_bonus.put_assessment", "PUT"): (F,),
    ("api_bonus.bonus", "GET"): (F, C),
    ("api_bonus.put_pool", "PUT"): (C,),
    ("api_bonus.get_paysheet", "GET"): (F, C),
    ("api_bonus.post_paysheet", "POST"): (C,),
    ("api_statements.settlement", "GET"): (F, C, S),
    ("api_statements.notice", "GET"): (F, C, S),
    ("api_statements.audit", "GET"): (F, A, C),
    ("api_statements.slips", "GET"): (F, C),
    ("api_statements.slip", "GET"): (F, C, S),
    ("api_jobs.job", "GET"): EVERYONE,  # the job's owner only (404 for anybody else, and tokens)
}
NOT_CHECKED = {"static", "api-docs.openapi_json"}  # files and the public OpenAPI document
VALUES = {
    "institution": "HY01",
    "year": "2018",
    "as_of": "2018-12-31",
    "staff": "HY01S001",
    "username": "hy09",
    "job_id": "no-such-job",
    "name": "no-such-zip",
}
LOGINS = {F: "finance", A: "auditor", C: "hy01", S: "hy01s001", D: "admin"}


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, path with sample values) of every route."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_CHECKED:
            continue
        path = re.sub(
            r"<(?:(\w+):)?(\w+)>",
            lambda m: "1" if m.group(1) == "int" else VALUES.get(m.group(2), "x"),
            rule.rule,
        )
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return sorted(found)


def send(client: FlaskClient, method: str, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        return client.get(path, headers=headers)
    data: dict[str, str] = {}
    if token is None:
        csrf = csrf_token(client)
        headers["X-CSRFToken"] = csrf
        data["csrf_token"] = csrf
    return client.open(path, method=method, headers=headers, data=data)


def test_every_route_has_an_expected_rule(app: Flask) -> None:
    listed = {(endpoint, method) for endpoint, method, _ in routes(app)}
    assert listed - EXPECTED.keys() == set(), "new routes: add them to EXPECTED"
    assert EXPECTED.keys() - listed == set(), "routes that no longer exist"


def test_nobody_signed_in_gets_only_public_pages(
    app: Flask, client: FlaskClient, county: Any
) -> None:
    for endpoint, method, path in routes(app):
        response = send(client, method, path)
        if EXPECTED[(endpoint, method)] == PUBLIC:
            assert response.status_code not in (401, 403), (endpoint, response.status_code)
        elif path.startswith("/api/"):
            assert response.status_code == 401, (endpoint, response.status_code)
            assert response.get_json()["error"] == "unauthorized"
        else:
            assert response.status_code in (302, 400), (endpoint, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], endpoint


@pytest.mark.parametrize("role", PEOPLE)
def test_each_role_reaches_exactly_its_routes(app: Flask, signed_in: SignIn, role: str) -> None:
    browser = signed_in(LOGINS[role])
    wrong = []
    for endpoint, method, path in routes(app):
        if endpoint == "auth.logout":
            continue  # would end the session the walk uses
        expected = EXPECTED[(endpoint, method)]
        status = send(browser, method, path).status_code
        allowed = expected == PUBLIC or role in expected
        if allowed and status in (401, 403):
            wrong.append(f"{method} {path}: {status}, but {role} may")
        if not allowed and status != 403:
            wrong.append(f"{method} {path}: {status}, but {role} may not (403)")
    assert wrong == []


@pytest.mark.parametrize("role", (C, S))
def test_another_institution_is_not_found(app: Flask, signed_in: SignIn, role: str) -> None:
    browser = signed_in(LOGINS[role])
    wrong = []
    for endpoint, method, path in routes(app):
        expected = EXPECTED[(endpoint, method)]
        if "/HY01" not in path or expected == PUBLIC or role not in expected:
            continue
        for other in ("HY02", "HY99"):
            status = send(browser, method, path.replace("/HY01", f"/{other}")).status_code
            if status != 404:
                wrong.append(f"{method} {path} as {other}: {status}")
    assert wrong == []


def _token(runner: FlaskCliRunner, *args: str) -> str:
    import json

    result = runner.invoke(args=["tokens", "create", "matrix", *args, "--json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["token"])


@pytest.mark.parametrize("kind", ("county platform", "HY01 centre"))
def test_api_tokens_reach_exactly_their_routes(
    app: Flask, client: FlaskClient, county: Any, runner: FlaskCliRunner, kind: str
) -> None:
    token = (
        _token(runner, "--role", "platform")
        if kind == "county platform"
        else _token(runner, "--role", "centre", "--institution", "HY01")
    )
    role = P if kind == "county platform" else C
    wrong = []
    for endpoint, method, path in routes(app):
        expected = EXPECTED[(endpoint, method)]
        response = send(client, method, path, token=token)
        if not path.startswith("/api/"):
            if expected != PUBLIC and response.status_code not in (302, 400, 403):
                wrong.append(f"{method} {path}: a token opened a page ({response.status_code})")
            continue
        allowed = role in expected
        if allowed and response.status_code in (401, 403):
            wrong.append(f"{method} {path}: {response.status_code}, but {kind} may")
        if not allowed and response.status_code != 403:
            wrong.append(f"{method} {path}: {response.status_code}, but {kind} may not (403)")
        if role == C and allowed and "/HY01" in path:
            other = send(client, method, path.replace("/HY01", "/HY02"), token=token)
            if other.status_code != 404:
                wrong.append(f"{method} {path} as HY02: {other.status_code}")
    assert wrong == []


def test_an_auditor_cannot_pay_and_finance_cannot_judge(signed_in: SignIn) -> None:
    auditor, finance = signed_in("auditor"), signed_in("finance")
    token = csrf_token(auditor)
    paid = auditor.post(
        "/finance/prepayments/run", data={"csrf_token": token, "as_of": "2018-12-31"}
    )
    assert paid.status_code == 403
    settled = auditor.post("/api/v1/prepayments/run", json={"as_of": "2018-12-31"},
                           headers={"X-CSRFToken": token})  # fmt: skip
    assert settled.status_code == 403
    assert settled.get_json()["error"] == "forbidden"
    token = csrf_token(finance)
    judged = finance.post("/audit/batches/1/verdict", data={"csrf_token": token, "verdict": "pass"})
    assert judged.status_code == 403
