"""Nothing outside a caller's scope can be told from nothing at all.

For every route that takes an id or a code, a centre of HY01 (signed in, and
through a centre token of HY01 for the API: pages take no tokens) asks for
(a) one that belongs to HY02, or to another user, and (b) one that does not
exist. The two answers must be the same: the same status and the same body,
once the requested value itself is blanked (and the page's CSRF token, which
is new on every page). An import names staff and institutions too: a row
naming another institution's is refused exactly as one naming nobody's.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from haiyan_comp.institutions.models import Institution
from haiyan_comp.records.models import ServiceRecord
from tests.web.conftest import SignIn, csrf_token, post_form, read
from tests.web.test_centre_pages import run, settle_and_assess
from tests.web.test_centre_upload import HEADER

NONE_BATCH = "987654"
NONE_STAFF = "HY01S999"
NONE_INSTITUTION = "HY99"
NONE_JOB = "Zq3xWm9KpL2vTn8R"
NONE_SOURCE = "NO-SUCH-RECORD-1"
NONE_USER = "nobody-at-all"


@dataclass(frozen=True)
class World:
    """What belongs to HY02 (or to another user) in the test's county."""

    batch: str  # a closed audit batch of HY02
    source_id: str  # a record of HY02
    job: str  # an import job of HY02's centre user
    token_id: str  # an API token of HY02
    app: Flask


def _draw_and_close(runner: FlaskCliRunner, institution: str) -> str:
    drawn = json.loads(
        run(runner, "audit", "draw", "--year", "2018", "--institution", institution,
            "--item", "OP", "--size", "2", "--seed", "oracle", "--json")
    )  # fmt: skip
    for source_id in drawn["sample"]:
        run(runner, "audit", "verdict", str(drawn["batch"]), source_id, "--fail",
            "--reason", "无签名")  # fmt: skip
    run(runner, "audit", "close", str(drawn["batch"]))
    return str(drawn["batch"])


def _token(runner: FlaskCliRunner, institution: str) -> dict[str, Any]:
    result = runner.invoke(
        args=["tokens", "create", f"oracle-{institution}", "--role", "centre",
              "--institution", institution, "--json"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    created: dict[str, Any] = json.loads(result.output)
    return created


def _upload_job(client: FlaskClient) -> str:
    lines = HEADER + "ORACLE-1,HY02,HY02S001,NOPE,2018-05-03,,1\n"
    form = {"file": (io.BytesIO(lines.encode()), "r.csv")}
    response = post_form(client, "/centre/upload", form, content_type="multipart/form-data")
    assert response.status_code == 302
    return str(response.headers["Location"]).rsplit("/", 1)[1]


def _hy02_record(session: Any) -> str:
    return str(
        session.scalar(
            select(ServiceRecord.source_id)
            .join(Institution, Institution.id == ServiceRecord.institution_id)
            .where(Institution.code == "HY02")
            .limit(1)
        )
    )


@pytest.fixture
def world(app: Flask, signed_in: SignIn, runner: FlaskCliRunner) -> World:
    """HY02 with a closed batch, a record, an import job and a token; HY01 with a pay sheet."""
    _draw_and_close(runner, "HY01")
    batch = _draw_and_close(runner, "HY02")
    settle_and_assess(runner)
    hy01 = signed_in("hy01")
    paid = post_form(hy01, "/centre/bonus/2018/paysheet", {"performance_pay": "200000.00"})
    assert paid.status_code == 302
    return World(
        batch=batch,
        source_id=read(app, _hy02_record),
        job=_upload_job(signed_in("hy02")),
        token_id=str(_token(runner, "HY02")["id"]),
        app=app,
    )


# (what, method, URL with {} for the value, theirs, none); `theirs` names a World field or a value.
Case = tuple[str, str, str, str, str]
API_CASES: list[Case] = [
    ("audit batch", "GET", "/api/v1/audits/{}", "batch", NONE_BATCH),
    ("findings of a staff member", "GET", "/api/v1/audits/findings?year=2018&staff={}",
     "HY02S001", NONE_STAFF),
    ("findings of an institution", "GET", "/api/v1/audits/findings?year=2018&institution={}",
     "HY02", NONE_INSTITUTION),
    ("batches of an institution", "GET", "/api/v1/audits?year=2018&institution={}",
     "HY02", NONE_INSTITUTION),
    ("flags of an institution", "GET", "/api/v1/audits/flags?year=2018&institution={}",
     "HY02", NONE_INSTITUTION),
    ("units of an institution", "GET", "/api/v1/units?year=2018&institution={}",
     "HY02", NONE_INSTITUTION),
    ("records of an institution", "GET", "/api/v1/records?institution={}",
     "HY02", NONE_INSTITUTION),
    ("a record by source id", "GET", "/api/v1/records?source_id={}", "source_id", NONE_SOURCE),
    ("bonus of an institution", "GET", "/api/v1/years/2018/bonus?institution={}",
     "HY02", NONE_INSTITUTION),
    ("pay sheet", "GET", "/api/v1/years/2018/paysheets/{}", "HY02", NONE_INSTITUTION),
    ("enter a pay sheet", "POST", "/api/v1/years/2018/paysheets/{}", "HY02", NONE_INSTITUTION),
    ("choose a pool", "PUT", "/api/v1/years/2018/bonus/{}/pool", "HY02", NONE_INSTITUTION),
    ("settlement statement", "GET", "/api/v1/statements/{}/settlement/2018",
     "HY02", NONE_INSTITUTION),
    ("notice", "GET", "/api/v1/statements/{}/notice/2018-12-31", "HY02", NONE_INSTITUTION),
    ("audit report", "GET", "/api/v1/statements/{}/audit/1", "HY02", NONE_INSTITUTION),
    ("audit report of another's batch", "GET", "/api/v1/statements/HY01/audit/{}",
     "batch", NONE_BATCH),
    ("slips", "GET", "/api/v1/statements/{}/slips/2018", "HY02", NONE_INSTITUTION),
    ("slip", "GET", "/api/v1/statements/{}/slips/2018/HY02S001", "HY02", NONE_INSTITUTION),
    ("slip of another's staff", "GET", "/api/v1/statements/HY01/slips/2018/{}",
     "HY02S001", NONE_STAFF),
]  # fmt: skip
PAGE_CASES: list[Case] = [
    ("job", "GET", "/jobs/{}", "job", NONE_JOB),
    ("job as JSON", "GET", "/jobs/{}.json", "job", NONE_JOB),
    ("import report", "GET", "/centre/imports/{}", "job", NONE_JOB),
    ("rejected rows", "GET", "/centre/imports/{}/rejected.csv", "job", NONE_JOB),
    ("rejected rows (xlsx)", "GET", "/centre/imports/{}/rejected.xlsx", "job", NONE_JOB),
    ("records of a staff member", "GET", "/centre/records?staff={}", "HY02S001", NONE_STAFF),
    ("a record by source id", "GET", "/centre/records?source_id={}", "source_id", NONE_SOURCE),
    ("settlement statement", "GET", "/documents/{}/statement/2018.pdf", "HY02", NONE_INSTITUTION),
    ("notice", "GET", "/documents/{}/notice/2018-12-31.pdf", "HY02", NONE_INSTITUTION),
    ("audit report", "GET", "/documents/{}/audit/1.pdf", "HY02", NONE_INSTITUTION),
    ("audit report of another's batch", "GET", "/documents/HY01/audit/{}.pdf",
     "batch", NONE_BATCH),
    ("slips", "GET", "/documents/{}/slips/2018.pdf", "HY02", NONE_INSTITUTION),
    ("slip", "GET", "/documents/{}/slips/2018/HY02S001.pdf", "HY02", NONE_INSTITUTION),
    ("slip of another's staff", "GET", "/documents/HY01/slips/2018/{}.pdf",
     "HY02S001", NONE_STAFF),
    ("an auditor's batch page", "GET", "/audit/batches/{}", "batch", NONE_BATCH),
    ("revoke a token", "POST", "/admin/tokens/{}/revoke", "token_id", NONE_BATCH),
    ("disable a user", "POST", "/admin/users/{}/active", "hy02", NONE_USER),
]  # fmt: skip
CSRF = re.compile(r'(name="csrf-token" content="|name="csrf_token"[^>]*value=")[^"]+"')


def _value(world: World, theirs: str) -> str:
    return str(getattr(world, theirs, theirs))


def _answer(
    send: Callable[[str, str], Any], method: str, url: str, value: str, blanks: tuple[str, str]
) -> tuple[int, str, str]:
    """Status, content type and body, with both requested values (and CSRF tokens) blanked.

    Both bodies blank both values alike, so that a short id ("1") blanked in one
    body is blanked wherever else it stands in the other too.
    """
    response = send(method, url.format(value))
    body = response.get_data(as_text=True)
    for blank in blanks:
        body = re.sub(rf"(?<![\w-]){re.escape(blank)}(?![\w-])", "<ID>", body)
    return response.status_code, response.mimetype, CSRF.sub(r"\1<CSRF>", body)


def _differences(send: Callable[[str, str], Any], world: World, cases: list[Case]) -> list[str]:
    found = []
    for what, method, url, theirs, none in cases:
        blanks = (_value(world, theirs), none)
        another = _answer(send, method, url, blanks[0], blanks)
        missing = _answer(send, method, url, none, blanks)
        if another != missing:
            found.append(f"{what} ({method} {url}):\n  another's: {another}\n  none: {missing}")
    return found


def _browser(client: FlaskClient) -> Callable[[str, str], Any]:
    def send(method: str, url: str) -> Any:
        if method == "GET":
            return client.get(url)
        token = csrf_token(client)
        body = {"performance_pay": "1.00", "amount": "1.00"}
        if url.startswith("/api/"):
            return client.open(url, method=method, json=body, headers={"X-CSRFToken": token})
        return client.open(url, method=method, data={"csrf_token": token, "active": "0"})

    return send


def _bearer(client: FlaskClient, token: str) -> Callable[[str, str], Any]:
    def send(method: str, url: str) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        body = {"performance_pay": "1.00", "amount": "1.00"}
        return client.open(url, method=method, json=body, headers=headers)

    return send


def test_the_cases_are_real(world: World, signed_in: SignIn) -> None:
    """What the cases call another's exists, and the centre's own counterparts answer."""
    hy01 = signed_in("hy01")
    assert signed_in("hy02").get(f"/api/v1/audits/{world.batch}").status_code == 200
    assert hy01.get("/api/v1/audits/findings?year=2018&staff=HY01S001").status_code == 200
    assert hy01.get("/api/v1/statements/HY01/slips/2018/HY01S002").status_code == 200
    own = hy01.get("/api/v1/audits?year=2018").get_json()["batches"]
    assert own and str(own[0]["batch"]) != world.batch
    assert signed_in("hy02").get(f"/jobs/{world.job}.json").status_code == 200


def test_a_centre_cannot_tell_anothers_from_none_in_the_api(
    world: World, signed_in: SignIn
) -> None:
    assert _differences(_browser(signed_in("hy01")), world, API_CASES) == []


def test_a_centre_cannot_tell_anothers_from_none_on_the_pages(
    world: World, signed_in: SignIn
) -> None:
    assert _differences(_browser(signed_in("hy01")), world, PAGE_CASES) == []


def test_a_centre_token_cannot_tell_anothers_from_none(
    world: World, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    token = str(_token(runner, "HY01")["token"])
    send = _bearer(client, token)
    assert _differences(send, world, API_CASES) == []


ANOTHERS_ROWS = ["X1,HY01,HY02S001,OP,2018-05-03,,1", "X2,HY02,HY02S001,OP,2018-05-03,,1"]
NOBODYS_ROWS = ["X1,HY01,HY01S999,OP,2018-05-03,,1", "X2,HY99,HY99S001,OP,2018-05-03,,1"]
ROW_VALUES = ("HY02S001", "HY01S999", "HY99S001", "HY02", "HY99")


def _blank(reasons: list[str]) -> list[str]:
    blanked = []
    for reason in reasons:
        for value in ROW_VALUES:
            reason = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", "<ID>", reason)
        blanked.append(reason)
    return blanked


def _rejected(report: dict[str, Any]) -> list[tuple[int, str, list[str]]]:
    assert report["imported"] == 0, report
    return [(r["line"], r["source_id"], _blank(r["reasons"])) for r in report["rejected"]]


def _api_import(client: FlaskClient, rows: list[str], headers: dict[str, str]) -> Any:
    body = HEADER + "\n".join(rows) + "\n"
    response = client.post(
        "/api/v1/records", data=body, headers={**headers, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return _rejected(response.get_json())


def test_an_import_names_anothers_staff_and_institution_as_nobodys(
    signed_in: SignIn, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    browser = signed_in("hy01")
    cookie = {"X-CSRFToken": csrf_token(browser)}
    bearer = {"Authorization": f"Bearer {_token(runner, 'HY01')['token']}"}
    for sender, headers in ((browser, cookie), (client, bearer)):
        anothers = _api_import(sender, ANOTHERS_ROWS, headers)
        assert anothers == _api_import(sender, NOBODYS_ROWS, headers)
        assert anothers[0][2] == ["staff_code: unknown staff '<ID>' at HY01"]
        assert "HY01" in anothers[1][2][0] and "<ID>" in anothers[1][2][0]


def test_the_county_wide_import_refuses_anothers_staff_as_unknown(
    county: Any, runner: FlaskCliRunner, tmp_path: Any
) -> None:
    """The operator may see every institution, but one rule is simpler and leaks nothing."""
    reports: list[list[tuple[int, str, list[str]]]] = []
    for rows in (ANOTHERS_ROWS[:1], NOBODYS_ROWS[:1]):
        path = tmp_path / f"rows-{len(reports)}.csv"
        path.write_text(HEADER + "\n".join(rows) + "\n")
        result = runner.invoke(args=["records", "import", str(path), "--json"])
        assert result.exit_code == 3, result.output
        reports.append(_rejected(json.loads(result.stdout)))
    assert reports[0] == reports[1] == [(2, "X1", ["staff_code: unknown staff '<ID>' at HY01"])]
