"""`haiyan audit …` as a user runs it: JSON shapes, messages, exit status, one transaction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner

from tests.api.test_worked_example import load_example

DRAW = ["audit", "draw", "--year", "2018", "--institution", "HY01", "--item", "HTN"]


def run(runner: FlaskCliRunner, *args: str) -> Any:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def refused(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 1, result.output
    return result.stderr


def batches(runner: FlaskCliRunner) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = run(runner, "audit", "list", "--year", "2018", "--json")[
        "batches"
    ]
    return listed


def test_draw_verdict_close_as_in_the_contract(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    drawn = run(runner, *DRAW, "--size", "2", "--seed", "haiyan-2018", "--json")
    assert {k: drawn[k] for k in ("N", "U", "sample")} == {
        "N": 5,
        "U": "50.00",
        "sample": ["R0063", "R0062"],
    }
    batch = str(drawn["batch"])
    verdict = run(
        runner, "audit", "verdict", batch, "R0062", "--fail", "--reason", "no visit", "--json"
    )
    assert verdict == {
        "batch": drawn["batch"], "source_id": "R0062", "verdict": "fail", "reason": "no visit",
        "staff": "S1", "changed": True, "pending": 1,
    }  # fmt: skip
    text = run(runner, "audit", "verdict", batch, "R0063", "--pass", "--by", "auditor-2")
    assert "record R0063: pass, responsible S2 [recorded]; 0 sampled records" in text
    closed = run(runner, "audit", "close", batch, "--json")
    assert {k: closed[k] for k in ("batch", "failed", "n", "deduction")} == {
        "batch": drawn["batch"],
        "failed": 1,
        "n": 2,
        "deduction": "25.00",
    }
    shown = run(runner, "audit", "show", batch, "--json")
    assert [(s["source_id"], s["verdict"], s["responsible"]) for s in shown["sample"]] == [
        ("R0063", "pass", "S2"),
        ("R0062", "fail", "S1"),
    ]
    assert [c["changed_by"] for c in shown["trail"]][1] == "auditor-2"
    assert shown["trail"][0]["changed_by"].startswith("cli:")
    assert (shown["state"], shown["deduction"], shown["closed_by"][:4]) == (
        "closed",
        "25.00",
        "cli:",
    )


def test_human_output_names_the_numbers(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    text = run(runner, *DRAW, "--size", "2", "--seed", "haiyan-2018")
    assert "N = 5 records, U = 50.00 units; sample of 2 by seed 'haiyan-2018'" in text
    assert text.index("R0063") < text.index("R0062")
    batch = str(batches(runner)[0]["batch"])
    run(runner, "audit", "verdict", batch, "R0062", "--fail", "--reason", "no visit")
    run(runner, "audit", "verdict", batch, "R0063", "--pass")
    closed = run(runner, "audit", "close", batch)
    assert "1 of 2 sampled records failed; D = round(50.00 × 1 ÷ 2) = 25.00" in closed
    listed = run(runner, "audit", "list", "--year", "2018")
    assert "[closed: 1 of 2 failed, D = 25.00]" in listed
    shown = run(runner, "audit", "show", batch)
    assert "R0062" in shown and "no visit" in shown
    found = run(runner, "audit", "findings", "--year", "2018")
    assert "S1 张医生 (HY01): 1 failed, 25.00 units deducted" in found
    assert "HY01: 25.00 units deducted" in found
    flags = run(runner, "audit", "flags", "--year", "2018")
    assert "flags of 2018 per institution" in flags


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "0", "--seed", "s"], "sample size must be at least 1"),
        (["--size", "9", "--seed", "s"], "sample size 9 is larger than the population"),
        (["--size", "2", "--seed", ""], "seed must not be empty"),
        (["--size", "2", "--seed", "x" * 201], "201 characters"),
        (["--size", "2", "--seed", "s", "--from", "2017-12-01"], "not inside the year 2018"),
        (["--size", "2", "--seed", "s", "--from", "2018-05-01", "--to", "2018-04-01"], "reversed"),
        (["--size", "2", "--seed", "s", "--from", "2018-02-30"], "is not a date"),
    ],
)
def test_bad_draws_exit_1_and_leave_nothing(
    runner: FlaskCliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    load_example(runner, tmp_path)
    result = runner.invoke(args=[*DRAW, *args])
    assert result.exit_code != 0
    assert message in result.output
    assert batches(runner) == []


def test_unknown_institution_and_item(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    base = ["audit", "draw", "--year", "2018", "--size", "1", "--seed", "s"]
    assert "unknown institution 'HY99'" in refused(
        runner, *base, "--institution", "HY99", "--item", "HTN"
    )
    assert "unknown item 'XX' in the catalogue of 2018" in refused(
        runner, *base, "--institution", "HY01", "--item", "XX"
    )


def test_bad_verdicts_exit_1_and_leave_nothing(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    batch = str(run(runner, *DRAW, "--size", "2", "--seed", "haiyan-2018", "--json")["batch"])
    verdict = ["audit", "verdict", batch]
    assert "give the verdict: --pass, or --fail" in refused(runner, *verdict, "R0062")
    assert "needs a reason" in refused(runner, *verdict, "R0062", "--fail")
    assert "not in the sample of audit batch" in refused(runner, *verdict, "R0061", "--pass")
    assert "unknown audit batch 999" in refused(runner, "audit", "verdict", "999", "R1", "--pass")
    assert "belongs to HY02, not HY01" in refused(
        runner, *verdict, "R0062", "--pass", "--staff", "S3"
    )
    missing = refused(runner, "audit", "close", batch)
    assert "2 of 2 sampled records have no verdict yet (R0062, R0063)" in missing
    shown = run(runner, "audit", "show", batch, "--json")
    assert shown["trail"] == [] and shown["state"] == "open"


def test_closed_batch_refuses_everything(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    batch = str(run(runner, *DRAW, "--size", "1", "--seed", "haiyan-2018", "--json")["batch"])
    run(runner, "audit", "verdict", batch, "R0063", "--pass")
    run(runner, "audit", "close", batch)
    assert "already closed" in refused(runner, "audit", "close", batch)
    assert "is closed" in refused(
        runner, "audit", "verdict", batch, "R0063", "--fail", "--reason", "x"
    )
    assert "overlap audit batch" in refused(runner, *DRAW, "--size", "1", "--seed", "other")


def test_error_with_json_prints_the_error_document(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    run(runner, *DRAW, "--size", "1", "--seed", "s")
    result = runner.invoke(args=[*DRAW, "--size", "1", "--seed", "t", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"] == "batch_overlap"


def test_flags_and_findings_json(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    flags = run(runner, "audit", "flags", "--year", "2018", "--institution", "HY01", "--json")
    assert flags["totals"]["records"] == 0 and flags["institution"] == "HY01"
    found = run(runner, "audit", "findings", "--year", "2018", "--staff", "S1", "--json")
    assert found["staff"] == [] and found["staff_member"] == "S1"


def test_anyone_recomputes_the_sample_from_the_population(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    import csv
    import hashlib
    import io

    load_example(runner, tmp_path)
    drawn = run(runner, *DRAW, "--size", "3", "--seed", "公开的种子 2018", "--json")
    listed = run(runner, "audit", "population", str(drawn["batch"]))
    rows = list(csv.DictReader(io.StringIO(listed)))
    assert sorted((r["source_id"], r["purchasable"]) for r in rows) == [
        (f"R006{n}", "10.00") for n in range(5)
    ]
    keys = sorted(
        (
            hashlib.sha256(f"公开的种子 2018:HY01:{r['source_id']}".encode()).hexdigest(),
            r["source_id"],
        )
        for r in rows
    )
    assert drawn["sample"] == [source for _, source in keys[:3]]
    assert "unknown audit batch 99" in refused(runner, "audit", "population", "99")
