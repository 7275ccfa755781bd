"""`haiyan records import` as a user runs it: exit status, report, one transaction."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.services.helpers import HEADER
from tests.worked_example import write_files


def setup(runner: FlaskCliRunner, tmp_path: Path) -> None:
    paths = write_files(tmp_path)
    for args in (
        ["catalog", "load", str(paths["catalogue"]), "--year", "2018"],
        ["institutions", "load", str(paths["institutions"])],
        ["staff", "load", str(paths["staff"])],
    ):
        assert runner.invoke(args=args).exit_code == 0


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def units_json(runner: FlaskCliRunner) -> dict[str, object]:
    return json.loads(runner.invoke(args=["units", "--year", "2018", "--json"]).output)  # type: ignore[no-any-return]


def test_rejected_rows_exit_3_with_the_report(runner: FlaskCliRunner, tmp_path: Path) -> None:
    setup(runner, tmp_path)
    path = write(
        tmp_path, "r.csv", HEADER + "A1,HY01,S1,OP,2018-01-02,,1\nA2,HY01,S1,OP,2018-01-02,,1.5\n"
    )
    result = runner.invoke(args=["records", "import", path, "--json", "--as-of", "2019-01-10"])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert (report["rows"], report["imported"], report["duplicates"]) == (2, 1, 0)
    assert report["rejected"][0]["line"] == 3 and report["rejected"][0]["source_id"] == "A2"


def test_human_report_names_line_source_and_reason(runner: FlaskCliRunner, tmp_path: Path) -> None:
    setup(runner, tmp_path)
    path = write(tmp_path, "r.csv", HEADER + "A2,HY01,S9,OP,2018-01-02,,1\n")
    result = runner.invoke(args=["records", "import", path, "--as-of", "2019-01-10"])
    assert "r.csv: 1 rows, 0 imported, 0 duplicates, 1 rejected" in result.stdout
    assert "line 2 (A2): staff_code: unknown staff 'S9'" in result.stderr


def test_strict_refusal_leaves_nothing(runner: FlaskCliRunner, tmp_path: Path) -> None:
    setup(runner, tmp_path)
    before = units_json(runner)
    path = write(
        tmp_path, "r.csv", HEADER + "A1,HY01,S1,OP,2018-01-02,,1\nA2,HY01,S1,OP,2018-02-30,,1\n"
    )
    result = runner.invoke(
        args=["records", "import", path, "--strict", "--json", "--as-of", "2019-01-10"]
    )
    assert result.exit_code == 1
    assert "with --strict nothing was imported" in result.stderr
    error = json.loads(result.stdout)
    assert error["error"] == "import_refused"
    assert error["details"]["rejected"][0]["line"] == 3
    assert units_json(runner) == before


def test_a_bad_header_is_an_error_naming_the_column(runner: FlaskCliRunner, tmp_path: Path) -> None:
    setup(runner, tmp_path)
    path = write(
        tmp_path, "r.csv", HEADER.replace("quantity", "quantiy") + "A1,HY01,S1,OP,2018-01-02,,1\n"
    )
    result = runner.invoke(args=["records", "import", path])
    assert result.exit_code == 1
    assert "line 1: the header has unknown column(s) 'quantiy'" in result.stderr


def test_units_of_an_unknown_institution(runner: FlaskCliRunner, tmp_path: Path) -> None:
    setup(runner, tmp_path)
    result = runner.invoke(args=["units", "--year", "2018", "--institution", "HY77"])
    assert result.exit_code == 1
    assert "unknown institution 'HY77'" in result.stderr
