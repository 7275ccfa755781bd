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


YEARS = ["demo", "--since", "2016", "--year", "2019", "--records", "3000"]


def units_of(runner: FlaskCliRunner, year: int) -> dict[str, Any]:
    document = run_json(runner, "units", "--year", str(year))
    return {i["code"]: i for i in document["institutions"]}


def test_the_demo_county_has_years_that_grow_as_the_county_reported(
    runner: FlaskCliRunner, demo_folder: Path
) -> None:
    report = run_json(runner, *YEARS)
    assert report["year"] == 2019 and report["records"]["imported"] == 3000
    assert [y["year"] for y in report["years"]] == [2016, 2017, 2018]
    assert all(y["batches"] == 9 and y["final"] != "0.00" for y in report["years"])
    gross = {
        year: sum(float(i["gross"]) for i in units_of(runner, year).values())
        for year in (2016, 2017, 2018, 2019)
    }
    assert gross[2016] < gross[2017] < gross[2018] < gross[2019]
    assert 1.17 < gross[2018] / gross[2016] < 1.25  # the county reported +20.7%
    # 望海 grows beyond the growth cap: its purchased basic-medical units are capped
    hy03 = units_of(runner, 2018)["HY03"]
    assert float(hy03["purchased_basic_medical"]) < float(hy03["verified_basic_medical"])
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_earlier_years_are_settled_audited_assessed_and_paid(
    runner: FlaskCliRunner, demo_folder: Path
) -> None:
    run_json(runner, *YEARS)
    for year in (2016, 2017, 2018):
        refused = runner.invoke(args=["settle", str(year), "--as-of", f"{year + 1}-01-15"])
        assert refused.exit_code != 0 and "already settled" in refused.output
        bonus = run_json(runner, "bonus", str(year))["institutions"]
        assert len(bonus) == 9 and all(i["score"] for i in bonus)
        assert any(float(i["pool"]) > 0 for i in bonus)
        batches = run_json(runner, "audit", "list", "--year", str(year))["batches"]
        assert len(batches) == 9 and all(b["deduction"] is not None for b in batches)
    below = {
        i["code"] for i in run_json(runner, "bonus", "2017")["institutions"] if i["cap"] == "0.00"
    }
    assert "HY08" in below  # 澉浦 scored 945 in 2017
    # 2019 is open: three of four instalments paid, 于城's 2018 debt offset from the first
    schedule = run_json(runner, "prepay", "schedule", "--year", "2019")["instalments"]
    assert sum(1 for i in schedule if i["paid"]) == 27 and len(schedule) == 36
    hy07 = next(i for i in schedule if i["institution"] == "HY07" and i["number"] == 1)
    assert float(hy07["offset"]) > 0


def test_loading_the_years_again_changes_nothing(runner: FlaskCliRunner, demo_folder: Path) -> None:
    run_json(runner, *YEARS)
    before = {year: units_of(runner, year) for year in (2016, 2019)}
    again = run_json(runner, *YEARS)
    assert again["records"]["imported"] == 0 and again["records"]["duplicates"] == 3000
    assert {year: units_of(runner, year) for year in (2016, 2019)} == before


def test_the_demo_loads_again_after_its_year_was_settled(
    runner: FlaskCliRunner, demo_folder: Path
) -> None:
    """The dead end of issue 15: `make demo` after the tour settled the year."""
    run_json(runner, "demo", "--records", "300")
    run_json(runner, "prepay", "run", "--as-of", "2018-12-31")
    run_json(runner, "settle", "2018", "--as-of", "2019-01-15")
    result = runner.invoke(args=["demo", "--records", "300"])
    assert result.exit_code == 0, result.output
    assert "year 2018 is settled: nothing was loaded into it" in result.output


def test_a_year_starts_from_the_previous_ones_configuration_and_catalogue(
    runner: FlaskCliRunner, demo_folder: Path
) -> None:
    run_json(runner, "demo", "--records", "300")
    copied = runner.invoke(args=["year", "copy", "2019"])
    assert copied.exit_code == 0, copied.output
    assert "copied configuration and catalogue (53 items) from 2018" in copied.output
    again = runner.invoke(args=["year", "copy", "2019"])
    assert (
        again.exit_code == 1 and "already has its configuration and its catalogue" in again.output
    )
    nothing = runner.invoke(args=["year", "copy", "2031"])
    assert nothing.exit_code == 1 and "neither a configuration nor a catalogue" in nothing.output


def test_a_copied_year_is_edited_by_naming_only_what_changes(
    runner: FlaskCliRunner, demo_folder: Path
) -> None:
    run_json(runner, "demo", "--records", "300")
    assert runner.invoke(args=["year", "copy", "2019"]).exit_code == 0
    edited = run_json(runner, "year", "configure", "2019", "--budget", "123456")
    before = run_json(runner, "year", "configure", "2018", "--budget", "123456")
    assert edited["budget"] == "123456.00"
    assert {k: v for k, v in edited.items() if k not in ("year", "budget")} == {
        k: v for k, v in before.items() if k not in ("year", "budget")
    }
    new = runner.invoke(args=["year", "configure", "2031", "--budget", "5", "--unit-price", "10"])
    assert new.exit_code == 2 and "--prepay-ratio, --instalments required" in new.output
