"""RULES.md's worked example through /api/v1: the API's JSON equals the CLI's, figure for figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner

from tests.api.test_worked_example_money import by_code
from tests.web.test_api_helpers import call, cli, cli_json, token
from tests.worked_example import records_csv, write_files


def load_reference(runner: FlaskCliRunner, folder: Path) -> None:
    """The catalogue, institutions and staff (an administrator's CLI work)."""
    paths = write_files(folder)
    cli(runner, "catalog", "load", str(paths["catalogue"]), "--year", "2018")
    cli(runner, "institutions", "load", str(paths["institutions"]))
    cli(runner, "staff", "load", str(paths["staff"]))


def test_the_worked_example_through_the_api(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    load_reference(runner, tmp_path)
    platform, auditor, finance = (token(runner, r) for r in ("platform", "auditor", "finance"))

    report = call(client, "POST", "/records", platform, data=records_csv(), content_type="text/csv")
    assert (report["rows"], report["imported"], report["rejected"]) == (115, 115, [])
    units = call(client, "GET", "/units?year=2018", finance)
    assert units == cli_json(runner, "units", "--year", "2018")
    htn = {i["code"]: i for i in by_code(units)["HY01"]["items"]}["HTN"]
    assert (htn["gross"], htn["over_spec"], htn["purchasable"]) == ("60.00", "10.00", "50.00")

    # R5–R8: N = 5, U = 50.00, n = 2, one failure → D = 25.00
    drawn = call(client, "POST", "/audits", auditor, 201, json={
        "year": 2018, "institution": "HY01", "item": "HTN", "size": 2, "seed": "worked-example",
    })  # fmt: skip
    assert (drawn["N"], drawn["U"], drawn["n"]) == (5, "50.00", 2)
    batch = drawn["batch"]
    first, second = drawn["sample"]
    verdict = {"source_id": first, "verdict": "fail", "reason": "no follow-up on file"}
    call(client, "POST", f"/audits/{batch}/verdicts", finance, 403, json=verdict)
    decided = call(client, "POST", f"/audits/{batch}/verdicts", auditor, json=verdict)
    assert decided["pending"] == 1 and decided["changed"] is True
    call(client, "POST", f"/audits/{batch}/verdicts", auditor,
         json={"source_id": second, "verdict": "pass"})  # fmt: skip
    closed = call(client, "POST", f"/audits/{batch}/close", auditor)
    assert (closed["failed"], closed["n"], closed["deduction"]) == (1, 2, "25.00")

    # R9–R12 through the API
    config = {"budget": "2000", "unit_price": "10.00", "growth_cap": "0.10", "risk_fund": "100",
              "prepay_ratio": "0.80", "instalments": 4}  # fmt: skip
    call(client, "PUT", "/years/2018", auditor, 403, json=config)
    call(client, "PUT", "/years/2018", finance, json=config)
    call(client, "PUT", "/years/2018/baselines/HY01", finance,
         json={"basic_medical_units": "50.00"})  # fmt: skip
    units = call(client, "GET", "/units?year=2018", finance)
    assert units == cli_json(runner, "units", "--year", "2018")
    hy01 = by_code(units)["HY01"]
    assert (hy01["verified_basic_medical"], hy01["purchased_basic_medical"], hy01["purchased"]) == (
        "60.00",
        "55.00",
        "90.00",
    )
    paid = call(client, "POST", "/prepayments/run", finance, json={"as_of": "2018-10-01"})
    assert len(paid["instalments"]) == 8
    assert {p["cash"] for p in paid["instalments"]} == {"200.00"}

    # R13, R14: the API's preview and settlement equal the CLI's
    preview = call(client, "GET", "/years/2018/settlement/preview?as_of=2019-01-15", finance)
    assert preview == cli_json(runner, "settle", "2018", "--as-of", "2019-01-15", "--dry-run")
    settled = call(client, "POST", "/years/2018/settlement", finance, json={"as_of": "2019-01-15"})
    figures = {
        c: (i["purchased"], i["entitlement"], i["final"], i["prepaid"], i["balance"])
        for c, i in by_code(settled).items()
    }
    assert figures == {
        "HY01": ("90.00", "900.00", "900.00", "800.00", "100.00"),
        "HY02": ("75.00", "750.00", "750.00", "800.00", "-50.00"),
    }
    assert settled["institutions"] == preview["institutions"]
    assert (
        call(client, "GET", "/years/2018/settlement", finance)["institutions"]
        == (settled["institutions"])
    )


def test_units_of_one_institution_for_its_centre(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    load_reference(runner, tmp_path)
    call(client, "POST", "/records", token(runner, "platform"), data=records_csv(),
         content_type="text/csv")  # fmt: skip
    centre = token(runner, "centre", "HY02")
    mine: dict[str, Any] = call(client, "GET", "/units?year=2018", centre)
    assert mine == cli_json(runner, "units", "--year", "2018", "--institution", "HY02")
    call(client, "GET", "/units?year=2018&institution=HY01", centre, 404)
