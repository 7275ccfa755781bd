"""Rejected rows keep the row as the user gave it, so it can be corrected and imported again."""

from __future__ import annotations

import io

import pytest
from sqlalchemy.orm import Session

from haiyan_comp.records.services import ImportReport, import_records
from tests.services.helpers import AS_OF, setup_county
from tests.sheets.helpers import workbook


@pytest.fixture(autouse=True)
def county(session: Session) -> None:
    setup_county(session)


def load(session: Session, data: bytes, filename: str) -> ImportReport:
    stream = io.BufferedReader(io.BytesIO(data))
    report = import_records(
        session, stream, filename, as_of=AS_OF, imported_by="test", chunk_rows=2,  # type: ignore[arg-type]
    )  # fmt: skip
    stream.seek(0)
    report.keep_originals(stream)
    return report


CSV = (
    "Item_Code, source_id ,service_date,staff_code,institution_code\n"
    "OP,A1,2018-01-02,S1,HY01\n"
    '"NOPE","A 2"," 2018-01-02 ",S1,HY01\n'
    "\n"
    "OP,=cmd|' /C calc'!A0,2018-13-01,S1,HY01\n"
    "OP,A4,2018-01-05,S9,HY01\n"
)


def test_every_original_cell_of_a_rejected_row_is_kept_unchanged(session: Session) -> None:
    report = load(session, CSV.encode(), "records.csv")
    assert (report.imported, report.rejected_count) == (1, 3)
    document = report.to_json()
    assert document["header"] == [
        "Item_Code",
        " source_id ",
        "service_date",
        "staff_code",
        "institution_code",
    ]
    assert [(row["line"], row["cells"]) for row in document["rejected"]] == [
        (3, ["NOPE", "A 2", " 2018-01-02 ", "S1", "HY01"]),
        (5, ["OP", "=cmd|' /C calc'!A0", "2018-13-01", "S1", "HY01"]),
        (6, ["OP", "A4", "2018-01-05", "S9", "HY01"]),
    ]


def test_gb18030_and_workbook_rows_are_kept_as_text(session: Session) -> None:
    gb = (
        "source_id,institution_code,staff_code,item_code,service_date,resident_id\n"
        "G1,HY01,S1,HTN,2018-01-02,\n"
    ).encode("gb18030")
    gb += "G2,HY01,S1,HTN,2018-01-02,居民甲\n".encode("gb18030")
    report = load(session, gb, "records.csv")
    assert [row["cells"] for row in report.to_json()["rejected"]] == [
        ["G1", "HY01", "S1", "HTN", "2018-01-02", ""]
    ]
    rows = [
        ["source_id", "institution_code", "staff_code", "item_code", "service_date", "quantity"],
        ["W1", "HY01", "S1", "OP", "2018-01-02", 1.5],
    ]
    report = load(session, workbook(rows), "records.xlsx")
    assert report.to_json()["rejected"][0]["cells"] == [
        "W1",
        "HY01",
        "S1",
        "OP",
        "2018-01-02",
        "1.5",
    ]
