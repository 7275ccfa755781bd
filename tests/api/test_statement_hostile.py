"""Hostile data through the loaders, the audit and every document's command, page and API.

Each string of tests/hostile.py is loaded the way a county would load it (catalogue,
institutions, staff, records, verdict reasons, the county's name) and every
document must render it literally: exit 0 from `haiyan statement ...`, HTTP 200
from /documents and /api/v1/statements, and the string in the PDF's text.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.api.test_worked_example_money import audit_htn, configure_2018, run
from tests.hostile import HOSTILE, links_and_images, pdf_text, squeezed
from tests.web.conftest import sign_in
from tests.web.test_api_helpers import API, bearer, token
from tests.worked_example import write_files

PASSWORD = "hostile-data-finance-1"


def csv_text(*rows: Sequence[str]) -> str:
    """Rows as CSV, quoted where a field needs it (as a spreadsheet would save them)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def load(runner: FlaskCliRunner, folder: Path, extra_records: Sequence[Sequence[str]]) -> None:
    """The worked example, one item per hostile name, item AUD, and `extra_records`."""
    paths = write_files(folder)
    items = [
        (
            f"HX{n:02d}",
            f"项目[{value}]",
            "public_health",
            "次",
            "1.00",
            "",
            "规范",
            "规则",
            "issue 12",
        )
        for n, value in enumerate(HOSTILE)
    ]
    items.append(("AUD", "抽查项目", "basic_medical", "次", "1.00", "", "规范", "规则", "issue 12"))
    with paths["catalogue"].open("a", encoding="utf-8") as catalogue:
        catalogue.write(csv_text(*items))
    records = [
        (f"ITEM{n:02d}", "HY01", "S1", f"HX{n:02d}", "2018-06-01", f"x{n}", "1")
        for n in range(len(HOSTILE))
    ]
    with paths["records"].open("a", encoding="utf-8") as file:
        file.write(csv_text(*records, *extra_records))
    for args in (
        ["catalog", "load", str(paths["catalogue"]), "--year", "2018"],
        ["institutions", "load", str(paths["institutions"])],
        ["staff", "load", str(paths["staff"])],
    ):
        run(runner, *args)
    imported = run(runner, "records", "import", str(paths["records"]), "--as-of", "2019-01-10",
                   "--json")  # fmt: skip
    assert imported["rejected"] == [], imported["rejected"]


def judge_all(
    runner: FlaskCliRunner, item: str, institution: str, seed: str, size: int
) -> dict[str, Any]:
    """Draw all `size` records of `item`, fail each with a reason naming its source id, close."""
    drawn = run(runner, "audit", "draw", "--year", "2018", "--institution", institution,
                "--item", item, "--size", str(size), "--seed", seed, "--json")  # fmt: skip
    batch = str(drawn["batch"])
    for source in drawn["sample"]:
        run(runner, "audit", "verdict", batch, source, "--fail", "--reason", f"理由[{source}]")
    run(runner, "audit", "close", batch)
    return dict(drawn)


def settle(runner: FlaskCliRunner) -> None:
    configure_2018(runner, budget="100000")
    run(runner, "prepay", "run", "--as-of", "2018-10-01")
    run(runner, "settle", "2018", "--as-of", "2019-01-15")
    run(runner, "assess", "set", "2018", "--institution", "HY01", "--score", "962.50",
        "--surplus", "100000.00")  # fmt: skip


@pytest.fixture
def hostile(runner: FlaskCliRunner, tmp_path: Path) -> dict[str, Any]:
    """HY01 with the hostile item names, and a closed batch of the hostile source ids (of AUD)."""
    sources = [
        (value, "HY01", "S2", "AUD", "2018-06-02", f"y{n}", "1") for n, value in enumerate(HOSTILE)
    ]
    load(runner, tmp_path, sources)
    audit_htn(runner)
    seed = '<img src="/etc/passwd"/>'
    drawn = judge_all(runner, "AUD", "HY01", seed, len(HOSTILE))
    assert sorted(drawn["sample"]) == sorted(HOSTILE)
    settle(runner)
    return {"batch": drawn["batch"], "seed": seed}


def rename(runner: FlaskCliRunner, folder: Path, value: str) -> dict[str, str]:
    """HY01, its staff S1 and the county get `value` in their names; the names, by field."""
    names = {"institution": f"机构[{value}]", "staff": f"员工[{value}]", "county": f"县[{value}]"}
    institutions, staff = folder / "rename-institutions.csv", folder / "rename-staff.csv"
    institutions.write_text(csv_text(("code", "name"), ("HY01", names["institution"])), "utf-8")
    staff.write_text(
        csv_text(("code", "institution_code", "name"), ("S1", "HY01", names["staff"])), "utf-8"
    )
    run(runner, "institutions", "load", str(institutions))
    run(runner, "staff", "load", str(staff))
    return names


def missing(pdf: bytes, *values: str) -> list[str]:
    """The values the document does not show literally, and any link or image it holds."""
    text = squeezed(pdf_text(pdf))
    return [v for v in values if squeezed(v) not in text] + links_and_images(pdf)


ITEM_NAMES = tuple(f"项目[{value}]" for value in HOSTILE)
REASONS = tuple(f"理由[{value}]" for value in HOSTILE)


@pytest.mark.slow
def test_every_command_prints_every_hostile_string(
    app: Flask,
    runner: FlaskCliRunner,
    hostile: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    for n, value in enumerate(HOSTILE):
        names = rename(runner, tmp_path, value)
        monkeypatch.setitem(app.config, "COUNTY_NAME", names["county"])
        run(runner, "statement", "2018", "--institution", "HY01", "--out", str(out / f"s{n}.pdf"))
        run(runner, "statement", "notice", "--as-of", "2018-10-01", "--institution", "HY01",
            "--out", str(out / f"n{n}.pdf"))  # fmt: skip
        run(runner, "statement", "audit", str(hostile["batch"]), "--out", str(out / f"a{n}.pdf"))
        run(runner, "statement", "slip", "2018", "--institution", "HY01", "--performance-pay",
            "9500", "--out", str(out / f"b{n}.pdf"))  # fmt: skip
        common = (names["county"], names["institution"])
        statement = (out / f"s{n}.pdf").read_bytes()
        assert missing(statement, *common, *ITEM_NAMES) == [], value
        assert missing((out / f"n{n}.pdf").read_bytes(), *common) == [], value
        report = (out / f"a{n}.pdf").read_bytes()
        assert missing(report, *common, *HOSTILE, *REASONS, hostile["seed"]) == [], value
        assert missing((out / f"b{n}.pdf").read_bytes(), *common, names["staff"]) == [], value
    for path in sorted(out.glob("*.pdf")):
        verified = runner.invoke(args=["statement", "verify", str(path)])
        assert verified.exit_code == 0, (path.name, verified.output)


@pytest.mark.slow
def test_pages_and_api_answer_every_document_with_hostile_data(
    app: Flask,
    runner: FlaskCliRunner,
    hostile: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    centre = bearer(token(runner, "centre", "HY01"))
    finance = bearer(token(runner, "finance"))
    created = runner.invoke(
        args=["users", "create", "fin", "--role", "finance", "--password-stdin"], input=PASSWORD
    )
    assert created.exit_code == 0, created.output
    client = app.test_client()
    entered = client.post(
        API + "/years/2018/paysheets/HY01", headers=centre, json={"performance_pay": "9500"}
    )
    assert entered.status_code == 200, entered.get_data(as_text=True)
    documents = {
        "statement/2018": ("settlement/2018", ITEM_NAMES),
        "notice/2018-10-01": ("notice/2018-10-01", ()),
        f"audit/{hostile['batch']}": (f"audit/{hostile['batch']}", (*HOSTILE, *REASONS)),
        "slips/2018": ("slips/2018", ("staff",)),
        "slips/2018/S1": ("slips/2018/S1", ("staff",)),
    }
    page_client = app.test_client()
    sign_in(page_client, "fin", PASSWORD)
    for n, value in enumerate(HOSTILE):  # the pages and the API take turns: one code serves both
        names = rename(runner, tmp_path, value)
        monkeypatch.setitem(app.config, "COUNTY_NAME", names["county"])
        for page, (api, shown) in documents.items():
            expected = [names.get(s, s) for s in ("county", "institution", *shown)]
            response = (
                page_client.get(f"/documents/HY01/{page}.pdf")
                if n % 2 == 0
                else client.get(f"{API}/statements/HY01/{api}", headers=finance)
            )
            assert response.status_code == 200, (value, page, response.get_data()[:300])
            assert missing(response.data, *expected) == [], (value, page)


def test_a_closed_batch_with_source_id_lt_a_still_has_its_report(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """The reproduction of issue 12: a closed batch never changes, so its report must render."""
    load(runner, tmp_path, [("<a", "HY02", "S3", "REC", "2018-05-02", "t9", "1")])
    drawn = judge_all(runner, "REC", "HY02", "issue-12", 3)
    assert "<a" in drawn["sample"]
    one = tmp_path / "one.pdf"
    run(runner, "statement", "audit", str(drawn["batch"]), "--out", str(one))
    assert missing(one.read_bytes(), "<a", "理由[<a]") == []
    assert runner.invoke(args=["statement", "verify", str(one)]).exit_code == 0

    every = tmp_path / "every"
    result = runner.invoke(
        args=["statement", "audit", "--year", "2018", "--all", "--out", str(every)]
    )
    assert result.exit_code == 0, result.output
    name = f"audit-report-2018-{drawn['batch']}.pdf"
    with zipfile.ZipFile(every / "audit-report-2018.zip") as zipped:
        assert zipped.namelist() == [name]
        assert missing(zipped.read(name), "<a", "理由[<a]") == []

    finance = bearer(token(runner, "finance"))
    response = app.test_client().get(
        f"{API}/statements/HY02/audit/{drawn['batch']}", headers=finance
    )
    assert response.status_code == 200 and missing(response.data, "<a") == []
    listed = json.loads(runner.invoke(args=["audit", "show", str(drawn["batch"]), "--json"]).stdout)
    assert listed["state"] == "closed"


@pytest.mark.parametrize(
    "figures",
    [
        "[" * 5000 + "]" * 5000,  # nested past what the json module can recurse into
        "not json at all",
        '{"document": "settlement"}',  # no number: not one of our documents
        '{"document": "drop tables", "number": "X"}',
        '{"document": "audit_report", "number": "X"}',  # names a batch it does not carry
        '{"document": "settlement", "number": "X", "year": "9' + "9" * 5000 + '"}',
    ],
)
def test_verify_refuses_a_forged_file_with_a_message_not_a_traceback(
    runner: FlaskCliRunner, tmp_path: Path, figures: str
) -> None:
    """Anyone can compute a SHA-256: a forged file's figures are checked, never trusted."""
    import base64
    import hashlib

    digest = hashlib.sha256(figures.encode()).hexdigest()
    mark = f"haiyan-statement:v1:{digest}:{base64.b64encode(figures.encode()).decode()}"
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(b"%PDF-1.4\n1 0 obj << /Subject (" + mark.encode() + b") >> endobj\n")
    result = runner.invoke(args=["statement", "verify", str(forged)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "not a haiyan statement" in result.output
