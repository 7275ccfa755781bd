"""Ids that look like spreadsheet formulas come out of every CSV as text, never as formulas."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from flask.testing import FlaskCliRunner

from haiyan_comp.tabular import original_cell
from tests.api.test_worked_example import load_example
from tests.web.conftest import SignIn, post_form
from tests.web.test_centre_upload import HEADER

# As a hostile export would write them; the importer strips the tab off the last.
HOSTILE_IDS = ['=HYPERLINK("http://x","click")', "+1+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1"]


def csv_line(*cells: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


def test_the_rejected_rows_csv_quotes_every_formula(signed_in: SignIn) -> None:
    client = signed_in("hy01")
    lines = [
        csv_line(source, "HY01", "HY01S001", "NOPE", "2018-05-03", source, "1")
        for source in HOSTILE_IDS
    ]
    data = (HEADER + "\n".join(lines) + "\n").encode()
    form = {"file": (io.BytesIO(data), "hostile.csv")}
    response = post_form(client, "/centre/upload", form, content_type="multipart/form-data")
    report_url = client.get(response.headers["Location"]).headers["Location"]
    download = client.get(report_url + "/rejected.csv").get_data(as_text=True)
    header, *rows = csv.reader(io.StringIO(download.removeprefix("\ufeff")))
    assert header == ["行号", *HEADER.strip().split(","), "原因"]  # the file's own columns
    assert [row[0] for row in rows] == ["2", "3", "4", "5", "6"]  # line numbers stay numbers
    for column in (1, 6):  # source_id and resident_id as the file gave them, made safe
        assert [row[column] for row in rows] == ["'" + source for source in HOSTILE_IDS]
        assert [original_cell(row[column]) for row in rows] == HOSTILE_IDS
    assert all(row[-1].startswith("项目编码：2018 年度目录中没有服务项目") for row in rows)


def test_the_audit_population_quotes_formulas_and_still_recomputes_the_sample(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    load_example(runner, tmp_path)
    path = tmp_path / "hostile.csv"
    lines = [csv_line(source, "HY02", "S3", "OP", "2018-06-01", "", "1") for source in HOSTILE_IDS]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    imported = runner.invoke(args=["records", "import", str(path), "--as-of", "2019-01-10"])
    assert imported.exit_code == 0, imported.output
    draw = ["audit", "draw", "--year", "2018", "--institution", "HY02", "--item", "OP"]
    result = runner.invoke(args=[*draw, "--size", "5", "--seed", "s", "--json"])
    assert result.exit_code == 0, result.output
    drawn = json.loads(result.stdout)

    listed = runner.invoke(args=["audit", "population", str(drawn["batch"])])
    assert listed.exit_code == 0, listed.output
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert len(rows) == 45  # the example's 40 OP records of HY02, and ours
    hostile = {source.strip() for source in HOSTILE_IDS}
    ours = [row["source_id"] for row in rows if original_cell(row["source_id"]) in hostile]
    assert sorted(ours) == sorted("'" + source for source in hostile)
    assert {row["purchasable"] for row in rows} == {"1.00"}  # a number, not quoted

    # Anyone recomputes the sample (R6) from the CSV, after taking off the quote.
    sources = [original_cell(row["source_id"]) for row in rows]
    keys = sorted((hashlib.sha256(f"s:HY02:{s}".encode()).hexdigest(), s) for s in sources)
    assert drawn["sample"] == [source for _, source in keys[:5]]
