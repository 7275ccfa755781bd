"""Cells typed by the spreadsheet are read as people mean them; ids made numbers are refused."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.messages import text
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.services import ImportReport, import_records
from haiyan_comp.sheets import cell_text
from tests.services.helpers import AS_OF, setup_county
from tests.sheets.helpers import workbook

HEADER = [
    "source_id",
    "institution_code",
    "staff_code",
    "item_code",
    "service_date",
    "resident_id",
    "quantity",
]


@pytest.fixture(autouse=True)
def county(session: Session) -> None:
    setup_county(session)


def load(session: Session, *rows: list[Any]) -> ImportReport:
    data = workbook([HEADER, *rows])
    return import_records(
        session, io.BufferedReader(io.BytesIO(data)), "cells.xlsx",  # type: ignore[arg-type]
        as_of=AS_OF, imported_by="test",
    )  # fmt: skip


def codes(report: ImportReport) -> dict[int, list[str | None]]:
    return {r.line: [m.code for m in r.reasons] for r in report.rejected}  # type: ignore[attr-defined]


def test_a_whole_number_cell_is_a_quantity_and_a_date_cell_a_date(session: Session) -> None:
    report = load(
        session,
        ["A1", "HY01", "S1", "OP", date(2018, 1, 2), None, 3],
        ["A2", "HY01", "S1", "OP", datetime(2018, 1, 3), "", 3.0],
        ["A3", "HY01", "S1", "OP", "2018-01-04", "", "2"],
    )
    assert (report.imported, report.rejected_count) == (3, 0)
    stored = session.execute(
        select(
            ServiceRecord.source_id, ServiceRecord.service_date, ServiceRecord.quantity
        ).order_by(ServiceRecord.source_id)
    ).all()
    assert stored == [
        ("A1", date(2018, 1, 2), 3),
        ("A2", date(2018, 1, 3), 3),
        ("A3", date(2018, 1, 4), 2),
    ]


def test_fractions_times_and_giant_numbers_are_refused_by_the_same_checks(
    session: Session,
) -> None:
    report = load(
        session,
        ["B1", "HY01", "S1", "OP", date(2018, 1, 2), None, 1.5],
        ["B2", "HY01", "S1", "OP", datetime(2018, 1, 2, 9, 30), None, 1],
        ["B3", "HY01", "S1", "OP", date(2018, 1, 2), None, 1e300],
        ["B4", "HY01", "S1", "OP", 43101, None, 1],  # a date typed as a bare number
    )
    assert report.imported == 0
    assert codes(report) == {
        2: ["quantity_not_whole"],
        3: ["date_not_calendar"],
        4: ["quantity_not_whole"],
        5: ["date_not_calendar"],
    }


def test_an_id_the_spreadsheet_made_a_number_is_refused_saying_so(session: Session) -> None:
    report = load(
        session,
        [123000000000.0, "HY01", "S1", "OP", date(2018, 1, 2), None, 1],  # 1.23E+11
        ["C2", "HY01", "S1", "HTN", date(2018, 1, 2), 1234, 1],  # was 001234
        ["C3", "HY01", "S1", "HTN", date(2018, 1, 2), 12.5, 1],  # a float id
        ["C4", "HY01", "S1", "HTN", date(2018, 1, 2), "001234", 1],  # text: kept as it is
    )
    assert report.imported == 1
    assert codes(report)[2][0] == "id_is_number"
    assert codes(report)[3] == ["id_is_number"]
    assert codes(report)[4] == ["id_is_number"]
    first = report.rejected[0]
    assert "'123000000000' is a number in the spreadsheet" in first.reasons[0]
    assert "电子表格中是数字" in text(first.reasons[0], "zh")
    assert session.scalar(select(ServiceRecord.resident_id)) == "001234"


def test_hostile_cells_are_data_never_formulas_nor_errors(session: Session) -> None:
    report = load(
        session,
        ['=HYPERLINK("http://x")', "HY01", "S1", "OP", date(2018, 1, 2), None, 1],
        ["<script>alert(1)</script>", "HY01", "S1", "OP", date(2018, 1, 2), None, 1],
        ["D3", "HY01", "S1", "OP", date(2018, 1, 2), None, 10**30],
        ["D4", "HY02", "S1", "OP", date(2018, 1, 2), "x" * 5000, 1],
        ["D5", True, "S1", "OP", date(2018, 1, 2), None, 1],
    )
    assert report.rows == 5
    assert report.imported + report.rejected_count == 5
    assert 4 in codes(report) and 5 in codes(report) and 6 in codes(report)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        (3.0, "3"),
        (1.5, "1.5"),
        (7, "7"),
        (date(2018, 1, 2), "2018-01-02"),
        (datetime(2018, 1, 2), "2018-01-02"),
        (None, ""),
        ("  x ", "  x "),
        (True, "TRUE"),
        (1.23e11, "123000000000"),
    ],
)
def test_cell_text(cell: Any, shown: str) -> None:
    assert cell_text(cell) == shown


def test_a_file_that_is_no_workbook_or_lies_about_its_size_is_refused(session: Session) -> None:
    import zipfile

    from haiyan_comp.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        import_records(
            session, io.BufferedReader(io.BytesIO(b"PK\x03\x04 not really")), "x.xlsx",  # type: ignore[arg-type]
            as_of=AS_OF, imported_by="test",
        )  # fmt: skip
    assert refused.value.message.code == "file_not_workbook"
    data = bytearray(workbook([HEADER, ["A1", "HY01", "S1", "OP", date(2018, 1, 2), None, 1]]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # The central directory's entry for the sheet claims half its real size.
    directory = bytes(data).find(b"PK\x01\x02")
    at = bytes(data).find(b"xl/worksheets/sheet1.xml", directory)
    size_at = at - 46 + 24  # the entry's uncompressed size: 24 bytes into its 46-byte header
    data[size_at : size_at + 4] = (info.file_size // 2).to_bytes(4, "little")
    with pytest.raises(InvalidInput) as refused:
        import_records(
            session, io.BufferedReader(io.BytesIO(bytes(data))), "x.xlsx",  # type: ignore[arg-type]
            as_of=AS_OF, imported_by="test",
        )  # fmt: skip
    assert refused.value.message.code == "file_not_workbook"
