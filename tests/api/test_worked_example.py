"""RULES.md's worked example, R1–R4, end to end through the command line (golden)."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.worked_example import write_files


def load_example(runner: FlaskCliRunner, folder: Path) -> dict[str, Path]:
    paths = write_files(folder)
    for args in (
        ["catalog", "load", str(paths["catalogue"]), "--year", "2018"],
        ["institutions", "load", str(paths["institutions"])],
        ["staff", "load", str(paths["staff"])],
        ["records", "import", str(paths["records"]), "--as-of", "2019-01-10"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    return paths


def test_units_of_the_worked_example(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    result = runner.invoke(args=["units", "--year", "2018", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["year"] == 2018
    by_code = {inst["code"]: inst for inst in document["institutions"]}
    items = {code: {i["code"]: i for i in inst["items"]} for code, inst in by_code.items()}

    assert (items["HY01"]["OP"]["gross"], items["HY01"]["OP"]["purchasable"]) == ("60.00", "60.00")
    htn = items["HY01"]["HTN"]
    assert (htn["gross"], htn["over_spec"], htn["purchasable"]) == ("60.00", "10.00", "50.00")
    assert items["HY01"]["REC"]["purchasable"] == "10.00"
    assert (items["HY02"]["OP"]["gross"], items["HY02"]["OP"]["purchasable"]) == ("40.00", "40.00")
    htn2 = items["HY02"]["HTN"]
    assert (htn2["gross"], htn2["over_spec"], htn2["purchasable"]) == ("30.00", "0.00", "30.00")
    assert items["HY02"]["REC"]["purchasable"] == "5.00"

    hy01 = by_code["HY01"]
    assert hy01["gross"] == "130.00" and hy01["over_spec"] == "10.00"
    # Before audits (R8) and purchase caps (R9), verified and purchased equal purchasable.
    assert hy01["deducted"] == "0.00"
    assert (hy01["verified_basic_medical"], hy01["verified_public_health"]) == ("60.00", "60.00")
    assert hy01["purchased"] == "120.00"


def test_importing_the_example_again_changes_nothing(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    paths = load_example(runner, tmp_path)
    before = runner.invoke(args=["units", "--year", "2018", "--json"]).output
    again = runner.invoke(
        args=["records", "import", str(paths["records"]), "--json", "--as-of", "2019-01-10"]
    )
    assert again.exit_code == 0, again.output
    report = json.loads(again.output)
    assert (report["rows"], report["imported"], report["duplicates"], report["rejected"]) == (
        115,
        0,
        115,
        [],
    )
    assert runner.invoke(args=["units", "--year", "2018", "--json"]).output == before


def test_audit_of_the_worked_example(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """R5–R8: HTN of HY01, N = 5, U = 50.00, n = 2, one failure → D = 25.00."""
    import hashlib

    load_example(runner, tmp_path)
    seed = "haiyan-2018"
    drawn = runner.invoke(
        args=["audit", "draw", "--year", "2018", "--institution", "HY01", "--item", "HTN",
              "--size", "2", "--seed", seed, "--json"]
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    batch = json.loads(drawn.output)
    assert (batch["N"], batch["U"]) == (5, "50.00")
    # R6 recomputed by hand: R0070 (r1's second HTN record) is over-spec, so not in N.
    population = [f"R006{n}" for n in range(5)]
    ranked = sorted(
        population, key=lambda s: hashlib.sha256(f"{seed}:HY01:{s}".encode()).hexdigest()
    )
    assert batch["sample"] == ranked[:2] == ["R0063", "R0062"]

    first, second = batch["sample"]
    for source, verdict in (
        (first, ["--fail", "--reason", "no follow-up visit on file"]),
        (second, ["--pass"]),
    ):
        result = runner.invoke(args=["audit", "verdict", str(batch["batch"]), source, *verdict])
        assert result.exit_code == 0, result.output
    closed = runner.invoke(args=["audit", "close", str(batch["batch"]), "--json"])
    assert closed.exit_code == 0, closed.output
    assert json.loads(closed.output) | {"U": "", "N": 0} == {
        "batch": batch["batch"], "failed": 1, "n": 2, "deduction": "25.00", "U": "", "N": 0
    }  # fmt: skip

    units = json.loads(runner.invoke(args=["units", "--year", "2018", "--json"]).output)
    by_code = {inst["code"]: inst for inst in units["institutions"]}
    hy01, hy02 = by_code["HY01"], by_code["HY02"]
    htn = {item["code"]: item for item in hy01["items"]}["HTN"]
    assert (htn["purchasable"], htn["deducted"], htn["verified"]) == ("50.00", "25.00", "25.00")
    assert hy01["deducted"] == "25.00"
    assert (hy01["verified_basic_medical"], hy01["verified_public_health"]) == ("60.00", "35.00")
    assert (hy02["verified_basic_medical"], hy02["verified_public_health"]) == ("40.00", "35.00")
