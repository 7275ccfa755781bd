"""A form fuzzer: every POST page of the app, every field of its form, boundary and hostile
values, posted with a valid CSRF token by a role allowed to use the page. No answer is a 500.

The routes come from app.url_map (all POST rules outside /api/, sign-in and sign-out
excluded); who may post them from tests/web/test_access_matrix.py's role table; the
fields (and the values that make the rest of the form valid) from the forms on the
pages that role sees. Routes with ids are posted with a real id and with ids beyond
their columns. A POST route with no form on any page fails the test: add its page.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.routing import Rule

from tests.web.conftest import SignIn, csrf_token
from tests.web.test_access_matrix import EXPECTED, LOGINS

HOSTILE = [
    "",
    "1" * 30,
    "9" * 5000,
    "-1",
    "0",
    str(2**31),
    str(2**63),
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    "=1+1",
    "x" * 10_000,
]
HUGE_IDS = [str(2**31), str(2**63), "9" * 5000]
# Sign-in has tests of its own; sign-out ends the walk; the language switch (tests/crawl) only
# sets a cookie.
SKIPPED = {"auth.login", "auth.logout", "web.choose_language"}

# The pages whose forms post to the POST routes, per role (after `prepare`).
PAGES = {
    "centre": ["/centre/upload", "/centre/bonus?year=2018"],
    "auditor": ["/audit/draw", "/audit/batches/{batch}"],
    "finance": [
        "/finance/assessments?year=2018",
        "/finance/configure?year=2019",  # 从上年复制 (2019 is not configured yet)
        "/finance/configure?year=2018",
        "/finance/prepayments?year=2018",
        "/finance/settlement?year=2018",
        "/finance/statements?year=2018",
        "/finance/ledger",
        "/account/password",
    ],
    "admin": ["/admin/", "/admin/tokens", "/admin/institutions"],
}


class Forms(HTMLParser):
    """action path → [(field name, type, a value that the page offers)] of every POST form;
    `actions`: action path → the action as the page writes it (with its query string)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, list[tuple[str, str, str]]] = {}
        self.actions: dict[str, str] = {}
        self.current: list[tuple[str, str, str]] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            path = urlsplit(a.get("action", "")).path
            self.actions[path] = a.get("action", "")
            self.current = self.forms.setdefault(path, [])
        elif self.current is None or not a.get("name") or a["name"] == "csrf_token":
            return
        elif tag == "input" and a.get("type") not in ("submit", "button"):
            kind = a.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in a:
                self.current.append((a["name"], kind, a.get("value", "")))
        elif tag == "textarea":
            self.current.append((a["name"], "text", ""))
        elif tag == "select":
            self.select = a["name"]
        elif (
            tag == "option"
            and self.select
            and not any(n == self.select for n, _, _ in self.current)
        ):
            self.current.append((self.select, "select", a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def post_routes(app: Flask) -> list[Rule]:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or set())
            and not rule.rule.startswith("/api/")
            and rule.endpoint not in SKIPPED
        ),
        key=lambda rule: rule.endpoint,
    )


def test_every_post_page_is_fuzzed(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in post_routes(app)}
    assert endpoints == set(FUZZED), "a new POST page: add it to FUZZED (and its page to PAGES)"


# endpoint → the real URL values of its rule's arguments (from `prepare`).
FUZZED = {
    "account.password_save": {},
    "admin.create_token": {},
    "admin.create_user": {},
    "admin.load": {"kind": "institutions"},
    "admin.revoke_token": {"token_id": "{token}"},
    "admin.set_active": {"username": "hy09"},
    "admin.set_password": {"username": "hy09"},
    "audit.close": {"batch_id": "{batch}"},
    "audit.draw": {},
    "audit.verdict": {"batch_id": "{batch}"},
    "centre.bonus_paysheet": {"year": "2018"},
    "centre.bonus_pool": {"year": "2018"},
    "centre.upload_post": {},
    "finance.assessments_save": {},
    "finance.baselines_save": {},
    "finance.configure_save": {},
    "finance.configure_copy": {},
    "finance.prepayments_run": {},
    "finance.settlement_confirm": {},
    "finance.statements_zip_start": {},
    "finance.ledger_verify": {},
}


AFTER_SETTLEMENT = {
    "centre.bonus_paysheet",
    "centre.bonus_pool",
    "finance.assessments_save",
    "finance.statements_zip_start",
}
# Routes no page offers a form for (yet): the fields their view reads.
NO_FORM = {"admin.set_password": [("password", "password", "a-long-Passw0rd!")]}


def prepare(runner: FlaskCliRunner, endpoint: str) -> dict[str, str]:
    """A token; an open batch for the auditor's pages; 2018 settled and HY01 assessed for
    the forms that follow settlement."""
    import json

    def run(*args: str) -> str:
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return str(result.stdout)

    ids = {"token": str(json.loads(run("tokens", "create", "fuzz", "--json"))["id"]), "batch": ""}
    if endpoint.startswith("audit."):
        drawn = run("audit", "draw", "--year", "2018", "--institution", "HY01", "--item", "OP",
                    "--size", "2", "--seed", "fuzz", "--json")  # fmt: skip
        ids["batch"] = str(json.loads(drawn)["batch"])
    elif endpoint in AFTER_SETTLEMENT:
        run("prepay", "run", "--as-of", "2018-12-31")
        run("settle", "2018", "--as-of", "2019-01-15")
        run("assess", "set", "2018", "--institution", "HY01", "--score", "962.50",
            "--surplus", "100000.00")  # fmt: skip
    return ids


def discover(client: FlaskClient, role: str, ids: dict[str, str]) -> Forms:
    forms = Forms()
    for page in PAGES[role]:
        response = client.get(page.format(**ids))
        assert response.status_code == 200, (page, response.status_code)
        forms.feed(response.get_data(as_text=True))
    return forms


def send(client: FlaskClient, url: str, fields: list[tuple[str, str, str]], value: str | None,
         target: str | None) -> int:  # fmt: skip
    """POST the form with `target` set to `value` (every other field as the page offered it)."""
    token = csrf_token(client)
    data: dict[str, Any] = {"csrf_token": token}
    files = False
    for name, kind, offered in fields:
        text = value if name == target and value is not None else offered
        if kind == "file":
            files = True
            data[name] = (io.BytesIO(b"code,name\nHY01,x\n"), text or "f.csv")
        else:
            data[name] = text
    response = client.post(
        url,
        data=data,
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data" if files else None,
    )
    return response.status_code


@pytest.mark.parametrize("endpoint", sorted(FUZZED))
def test_no_hostile_value_in_any_field_is_a_server_error(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner, endpoint: str
) -> None:
    ids = prepare(runner, endpoint)
    rule = next(r for r in post_routes(app) if r.endpoint == endpoint)
    allowed = EXPECTED[(endpoint, "POST")]
    assert isinstance(allowed, tuple)
    role = allowed[0]
    client = signed_in(LOGINS[role])
    values = {name: v.format(**ids) for name, v in FUZZED[endpoint].items()}
    path = url_of(rule, values)
    found = discover(client, role, ids)
    fields = found.forms.get(path, NO_FORM.get(endpoint))
    assert fields is not None, f"no form on {PAGES[role]} posts to {path}"
    url = found.actions.get(path, path)
    errors = []
    if send(client, url, fields, None, None) >= 500:  # the form as the page offers it
        errors.append(f"{url} as offered")
    for name, _kind, _offered in fields:
        for value in HOSTILE:
            status = send(client, url, fields, value, name)
            if status >= 500:
                errors.append(f"{name}={value[:20]!r}: {status}")
    for name in values:
        for huge in HUGE_IDS:
            wrong = url.replace(path, url_of(rule, {**values, name: huge}))
            status = send(client, wrong, fields, None, None)
            if status >= 500:
                errors.append(f"{wrong[:60]}: {status}")
    assert errors == []


def url_of(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with these texts for its arguments (no converter: any text goes)."""
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
