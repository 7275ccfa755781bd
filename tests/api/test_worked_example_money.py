"""RULES.md's worked example, R5–R14, through the command line (golden)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner

from tests.api.test_worked_example import load_example


def run(runner: FlaskCliRunner, *args: str) -> Any:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout) if "--json" in args else result.stdout


def audit_htn(runner: FlaskCliRunner) -> None:
    """N = 5, U = 50.00, n = 2, one failure → D = 25.00."""
    drawn = run(
        runner,
        "audit",
        "draw",
        "--year",
        "2018",
        "--institution",
        "HY01",
        "--item",
        "HTN",
        "--size",
        "2",
        "--seed",
        "worked-example",
        "--json",
    )
    assert (drawn["N"], drawn["U"]) == (5, "50.00")
    first, second = drawn["sample"]
    batch = str(drawn["batch"])
    run(runner, "audit", "verdict", batch, first, "--fail", "--reason", "no follow-up on file")
    run(runner, "audit", "verdict", batch, second, "--pass")
    closed = run(runner, "audit", "close", batch, "--json")
    assert (closed["failed"], closed["n"], closed["deduction"]) == (1, 2, "25.00")


def configure_2018(runner: FlaskCliRunner, budget: str = "2000", fund: str = "100") -> None:
    run(
        runner,
        "year",
        "configure",
        "2018",
        "--budget",
        budget,
        "--unit-price",
        "10.00",
        "--growth-cap",
        "0.10",
        "--risk-fund",
        fund,
        "--prepay-ratio",
        "0.80",
        "--instalments",
        "4",
    )
    run(
        runner, "baseline", "set", "2018", "--institution", "HY01", "--basic-medical-units", "50.00"
    )


def configure_2019(runner: FlaskCliRunner) -> None:
    """An open year after the example's: where debts are cleared and corrections booked."""
    run(runner, "year", "configure", "2019", "--budget", "2000", "--unit-price", "10.00",
        "--prepay-ratio", "0.80", "--instalments", "4")  # fmt: skip


def by_code(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for i in document["institutions"]}


def test_money_of_the_worked_example(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)

    units = by_code(run(runner, "units", "--year", "2018", "--json"))
    assert (units["HY01"]["verified_basic_medical"], units["HY01"]["verified_public_health"]) == (
        "60.00",
        "35.00",
    )
    assert (units["HY01"]["purchased_basic_medical"], units["HY01"]["purchased"]) == (
        "55.00",
        "90.00",
    )
    assert (units["HY02"]["purchased_basic_medical"], units["HY02"]["purchased"]) == (
        "40.00",
        "75.00",
    )

    paid = run(runner, "prepay", "run", "--as-of", "2018-10-01", "--json")["instalments"]
    assert [(p["institution"], p["due"], p["gross"], p["cash"]) for p in paid] == [
        (code, due, "200.00", "200.00")
        for code in ("HY01", "HY02")
        for due in ("2018-01-01", "2018-04-01", "2018-07-01", "2018-10-01")
    ]
    assert run(runner, "prepay", "run", "--as-of", "2018-12-31", "--json")["instalments"] == []

    settled = run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json")
    assert (settled["unit_price"], settled["budget"], settled["risk_fund_draw"]) == (
        "10.00",
        "2000.00",
        "0.00",
    )
    figures = {
        c: (i["purchased"], i["entitlement"], i["final"], i["prepaid"], i["balance"])
        for c, i in by_code(settled).items()
    }
    assert figures == {
        "HY01": ("90.00", "900.00", "900.00", "800.00", "100.00"),
        "HY02": ("75.00", "750.00", "750.00", "800.00", "-50.00"),
    }

    configure_2019(runner)
    first_2019 = run(runner, "prepay", "run", "--as-of", "2019-01-01", "--json")["instalments"]
    hy02 = next(p for p in first_2019 if p["institution"] == "HY02")
    assert hy02["offset"] == "50.00"
    assert Decimal(hy02["cash"]) == Decimal(hy02["gross"]) - Decimal("50.00")
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_budget_variant_draws_the_risk_fund(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner, budget="1600", fund="30")
    preview = run(runner, "settle", "2018", "--as-of", "2019-01-15", "--dry-run", "--json")
    assert preview["dry_run"] is True and preview["risk_fund_draw"] == "30.00"
    assert {c: i["final"] for c, i in by_code(preview).items()} == {
        "HY01": "889.09",
        "HY02": "740.91",
    }
    # the preview settled nothing: settling for real gives the same figures
    settled = run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json")
    assert settled["institutions"] == preview["institutions"]
