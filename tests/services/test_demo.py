"""`haiyan demo` on the test database: a county, idempotent, with a file of bad rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

RECORDS = 2000


@pytest.fixture
def demo_folder(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The instance folder points into tmp for the test (restored after)."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "demo"


def run_json(runner: FlaskCliRunner, *args: str, status: int = 0) -> Any:
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == status, result.output
    return json.loads(result.stdout)


def run_demo(runner: FlaskCliRunner) -> Any:
    return run_json(runner, "demo", "--records", str(RECORDS))


def test_demo_loads_a_county_with_over_spec_units(
    runner: FlaskCliRunner, demo_folder: Path
) -> None:
    report = run_demo(runner)
    assert (report["institutions"], report["items"]) == (9, 53)
    assert 9 * 15 <= report["staff"] <= 9 * 60
    assert report["records"] == {
        "rows": RECORDS,
        "imported": RECORDS,
        "duplicates": 0,
        "rejected": 0,
    }
    assert report["records_file"] == str(demo_folder / "records-2018.csv")
    assert report["bad_rows_file"] == str(demo_folder / "bad-rows-2018.csv")
    assert Path(report["bad_rows_file"]).is_file()

    units = run_json(runner, "units", "--year", "2018")
    institutions = units["institutions"]
    assert [i["code"] for i in institutions] == [f"HY0{n}" for n in range(1, 10)]
    assert all(float(i["gross"]) > 0 for i in institutions)
    assert any(float(i["over_spec"]) > 0 for i in institutions)
    assert report["over_spec"] != "0.00"


def test_the_summary_says_what_to_try_next(runner: FlaskCliRunner, demo_folder: Path) -> None:
    result = runner.invoke(args=["demo", "--records", "50"])
    assert result.exit_code == 0, result.output
    assert f"haiyan records import {demo_folder / 'bad-rows-2018.csv'}" in result.output
    assert "Demo logins (password for all: haiyan-demo" in result.output
    for login in ("finance", "auditor", "admin", "hy01", "hy09", "hy01s001"):
        assert f"\n  {login} " in result.output


def test_running_demo_again_changes_nothing(runner: FlaskCliRunner, demo_folder: Path) -> None:
    first = run_demo(runner)
    before = run_json(runner, "units", "--year", "2018")
    first_file = (demo_folder / "records-2018.csv").read_bytes()
    again = run_demo(runner)
    assert again["records"] == {
        "rows": RECORDS,
        "imported": 0,
        "duplicates": RECORDS,
        "rejected": 0,
    }
    assert (again["staff"], again["over_spec"]) == (first["staff"], first["over_spec"])
    assert (demo_folder / "records-2018.csv").read_bytes() == first_file
    assert run_json(runner, "units", "--year", "2018") == before


def test_more_records_add_to_the_fewer(runner: FlaskCliRunner, demo_folder: Path) -> None:
    run_json(runner, "demo", "--records", "300")
    report = run_json(runner, "demo", "--records", "500")
    assert report["records"] == {"rows": 500, "imported": 200, "duplicates": 300, "rejected": 0}


def test_another_seed_is_refused_whole(runner: FlaskCliRunner, demo_folder: Path) -> None:
    run_json(runner, "demo", "--records", "300")
    before = run_json(runner, "units", "--year", "2018")
    result = runner.invoke(args=["demo", "--records", "300", "--seed", "7"])
    assert result.exit_code == 1
    assert "were rejected" in result.stderr and "another --seed" in result.stderr
    assert run_json(runner, "units", "--year", "2018") == before


EXPECTED_REASONS = {
    "BAD-2018-004": "unknown institution",
    "BAD-2018-005": "unknown item",
    "BAD-2018-006": "unknown staff",
    "BAD-2018-007": "unknown staff 'HY02S001' at HY01",
    "BAD-2018-008": "is not a calendar date",
    "BAD-2018-009": "is in the future",
    "BAD-2018-010": "must be a whole number",
    "BAD-2018-011": "must be a whole number",
    "BAD-2018-012": "must be a whole number",
    "BAD-2018-013": "resident_id: required",
}


def test_the_bad_rows_file_shows_every_rejection(runner: FlaskCliRunner, demo_folder: Path) -> None:
    run_json(runner, "demo", "--records", "100")
    path = demo_folder / "bad-rows-2018.csv"
    report = run_json(runner, "records", "import", str(path), "--as-of", "2019-01-15", status=3)
    reasons = {r["source_id"]: " ".join(r["reasons"]) for r in report["rejected"]}
    assert set(reasons) == set(EXPECTED_REASONS)
    for source_id, fragment in EXPECTED_REASONS.items():
        assert fragment in reasons[source_id], (source_id, reasons[source_id])
    assert (report["rows"], report["imported"], report["duplicates"]) == (13, 3, 0)
