"""/api/v1/audits: only auditors draw, decide and close; finance reads; a centre reads its own."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner

from tests.web.test_api_helpers import call, cli_json, token

DRAW = {"year": 2018, "institution": "HY01", "item": "OP", "size": 2, "seed": "api-test"}


def draw(client: FlaskClient, auditor: str, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = call(
        client, "POST", "/audits", auditor, 201, json={**DRAW, **changes}
    )
    return document


def test_draw_decide_close_and_read_like_the_cli(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    auditor, finance = token(runner, "auditor"), token(runner, "finance")
    drawn = draw(client, auditor)
    assert drawn["n"] == 2 and len(drawn["sample"]) == 2 and drawn["N"] >= 2
    batch = drawn["batch"]
    same = cli_json(runner, "audit", "show", str(batch))
    assert call(client, "GET", f"/audits/{batch}", finance) == same
    assert drawn["sample"] == [s["source_id"] for s in same["sample"]]

    first, second = drawn["sample"]
    early = call(client, "POST", f"/audits/{batch}/close", auditor, 409)
    assert "verdict" in early["message"]
    call(client, "POST", f"/audits/{batch}/verdicts", auditor,
         json={"source_id": first, "verdict": "fail", "reason": "no signature"})  # fmt: skip
    no_reason = call(client, "POST", f"/audits/{batch}/verdicts", auditor, 422,
                     json={"source_id": second, "verdict": "fail"})  # fmt: skip
    assert "reason" in no_reason["message"]
    call(client, "POST", f"/audits/{batch}/verdicts", auditor, 404,
         json={"source_id": "NOT-SAMPLED", "verdict": "pass"})  # fmt: skip
    call(client, "POST", f"/audits/{batch}/verdicts", auditor, 422,
         json={"source_id": second, "verdict": "maybe"})  # fmt: skip
    call(client, "POST", f"/audits/{batch}/verdicts", auditor,
         json={"source_id": second, "verdict": "pass"})  # fmt: skip
    closed = call(client, "POST", f"/audits/{batch}/close", auditor)
    assert closed["failed"] == 1 and closed["n"] == 2
    assert closed["deduction"] == cli_json(runner, "audit", "show", str(batch))["deduction"]

    assert call(client, "GET", "/audits?year=2018", finance) == cli_json(
        runner, "audit", "list", "--year", "2018"
    )
    assert call(client, "GET", "/audits/findings?year=2018", auditor) == cli_json(
        runner, "audit", "findings", "--year", "2018"
    )
    flags = call(client, "GET", "/audits/flags?year=2018&limit=50", finance)
    assert flags == cli_json(runner, "audit", "flags", "--year", "2018", "--limit", "50")
    call(client, "POST", f"/audits/{batch}/verdicts", auditor, 409,
         json={"source_id": second, "verdict": "fail", "reason": "late"})  # fmt: skip


def test_segregation_of_duties(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    auditor = token(runner, "auditor")
    batch = draw(client, auditor)["batch"]
    for role, institution in (("finance", None), ("centre", "HY01"), ("platform", None)):
        secret = token(runner, role, institution)
        call(client, "POST", "/audits", secret, 403, json=DRAW)
        call(client, "POST", f"/audits/{batch}/verdicts", secret, 403,
             json={"source_id": "x", "verdict": "pass"})  # fmt: skip
        call(client, "POST", f"/audits/{batch}/close", secret, 403)
    for path in ("/years/2018", "/years/2018/prepayments", "/ledger", "/years/2018/bonus",
                 "/years/2018/settlement/preview?as_of=2019-01-15"):  # fmt: skip
        assert call(client, "GET", path, auditor, 403)["error"] == "forbidden"
    call(client, "POST", "/prepayments/run", auditor, 403, json={"as_of": "2018-01-01"})


def test_a_centre_reads_its_own_batches_only(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    auditor = token(runner, "auditor")
    hy01 = draw(client, auditor)["batch"]
    hy02 = draw(client, auditor, institution="HY02")["batch"]
    centre = token(runner, "centre", "HY02")
    assert call(client, "GET", f"/audits/{hy02}", centre)["institution"] == "HY02"
    assert call(client, "GET", f"/audits/{hy01}", centre, 404)["error"] == "not_found"
    listed = call(client, "GET", "/audits?year=2018", centre)
    assert [b["batch"] for b in listed["batches"]] == [hy02]
    call(client, "GET", "/audits?year=2018&institution=HY01", centre, 404)
    call(client, "GET", "/audits/findings?year=2018&institution=HY01", centre, 404)
    flags = call(client, "GET", "/audits/flags?year=2018", centre)
    assert {f["institution"] for f in flags["flags"]} <= {"HY02"}
    call(client, "GET", "/audits/99999999999", centre, 404)


def test_draw_input_errors(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    auditor = token(runner, "auditor")
    missing = call(client, "POST", "/audits", auditor, 422, json={"year": 2018})
    assert {"institution", "item", "size", "seed"} <= set(missing["details"]["json"])
    call(client, "POST", "/audits", auditor, 404, json={**DRAW, "institution": "HY99"})
    too_big = call(client, "POST", "/audits", auditor, 422, json={**DRAW, "size": 10**9})
    assert too_big["error"] == "invalid_input"
    draw(client, auditor)
    overlap = call(client, "POST", "/audits", auditor, 409, json=DRAW)
    assert overlap["error"] == "batch_overlap"
