"""One county, five ways of handing it over: CSV UTF-8, UTF-8 with BOM, GB18030, JSON Lines, .xlsx.

Each gives the same records with the same units (issue 16 §1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.records.services import ImportReport, import_records
from tests.services.helpers import AS_OF, setup_county
from tests.sheets.helpers import county_csv, county_rows, county_typed, workbook


@pytest.fixture(autouse=True)
def county(session: Session) -> None:
    setup_county(session)


def load(session: Session, data: bytes, filename: str, sheet: str | None = None) -> ImportReport:
    return import_records(
        session,
        io.BufferedReader(io.BytesIO(data)),  # type: ignore[arg-type]
        filename,
        as_of=AS_OF,
        imported_by="test",
        chunk_rows=7,
        sheet=sheet,
    )


def _jsonl() -> bytes:
    header, *rows = county_rows()
    lines = []
    for row in rows:
        obj: dict[str, object] = dict(zip(header, row, strict=True))
        obj["quantity"] = int(row[6])
        lines.append(json.dumps(obj, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


FILES: dict[str, Callable[[], tuple[bytes, str]]] = {
    "csv utf-8": lambda: (county_csv().encode(), "records.csv"),
    "csv utf-8 bom": lambda: (
        b"\xef\xbb\xbf" + county_csv().replace("\n", "\r\n").encode(),
        "records.csv",
    ),
    "csv gb18030": lambda: (county_csv().encode("gb18030"), "records.csv"),
    "json lines": lambda: (_jsonl(), "records.jsonl"),
    "xlsx": lambda: (workbook(county_typed()), "records.xlsx"),
    "xlsx without extension": lambda: (workbook(county_typed()), "records"),
}

# HY01: 60 OP (1.00), 6 HTN (10.00; r1's second is over the cap), 4 REC (2.50); HY02 likewise.
UNITS = {"HY01": (13_000, 12_000), "HY02": (7_500, 7_500)}


def units_by_institution(session: Session) -> dict[str, tuple[int, int]]:
    from haiyan_comp.institutions.models import Institution

    r = ServiceRecord
    rows = session.execute(
        select(Institution.code, func.sum(r.units), func.sum(r.purchasable))
        .join(Institution, Institution.id == r.institution_id)
        .group_by(Institution.code)
    )
    return {code: (int(units), int(purchasable)) for code, units, purchasable in rows}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_every_way_of_handing_over_the_county_gives_the_same_units(
    session: Session, kind: str
) -> None:
    data, filename = FILES[kind]()
    report = load(session, data, filename)
    assert (report.rows, report.imported, report.rejected_count) == (115, 115, 0)
    assert units_by_institution(session) == UNITS
    residents = set(session.scalars(select(ServiceRecord.resident_id)))
    assert "居民r1" in residents
    again = load(session, data, filename)  # the same file again changes nothing
    assert (again.imported, again.duplicates) == (0, 115)


def test_a_named_sheet_is_read_and_its_row_numbers_are_the_lines(session: Session) -> None:
    rows = county_typed()
    rows[3][3] = "NOPE"  # the third record, on spreadsheet row 3 + 3 (header on row 3)
    data = workbook(rows, "录入", first=2, others=["说明"])
    report = load(session, data, "records.xlsx", sheet="录入")
    assert (report.imported, report.rejected_count) == (114, 1)
    assert report.rejected[0].line == 6
    assert "unknown item" in report.rejected[0].reasons[0]


def test_the_first_sheet_is_read_when_none_is_named(session: Session) -> None:
    data = workbook(county_typed(), "records", others=["说明"])
    from haiyan_comp.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        load(session, data, "records.xlsx")  # 说明 comes first and is no record sheet
    assert refused.value.message.code == "header_wrong"


def test_an_unknown_sheet_is_refused_naming_the_sheets_there_are(session: Session) -> None:
    from haiyan_comp.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        load(session, workbook(county_typed(), "records"), "records.xlsx", sheet="Sheet9")
    assert refused.value.message.code == "sheet_not_found"
    assert "'records'" in refused.value.message


def test_a_file_neither_utf8_nor_gb18030_rejects_its_lines(session: Session) -> None:
    data = (county_csv().splitlines()[0] + "\nA1,HY01,S1,OP,2018-01-02,\xff\xfe,1\n").encode(
        "latin-1"
    )
    report = load(session, data, "records.csv")
    assert report.rejected_count == 1


@pytest.mark.parametrize("block", [64, 1 << 21])
def test_a_quoted_gb18030_file_takes_the_csv_module_path_and_still_reads(
    session: Session, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haiyan_comp.records import readers

    monkeypatch.setattr(readers, "BLOCK_BYTES", block)  # 64: the first block is all ASCII
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(county_rows())
    report = load(session, out.getvalue().encode("gb18030"), "records.csv")
    assert (report.imported, report.rejected_count) == (115, 0)
    assert units_by_institution(session) == UNITS
    assert "居民r1" in set(session.scalars(select(ServiceRecord.resident_id)))


def test_a_big_workbook_streams_through_openpyxl_with_the_same_result(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haiyan_comp import sheets

    monkeypatch.setattr(sheets, "CALAMINE_MOST_XML", 0)  # every workbook is "big"
    rows = county_typed()
    rows[3][3] = "NOPE"
    rows[4][0] = 4711.0  # an id made a number
    data = workbook(rows, "录入", first=2, others=["说明"])
    stream = io.BufferedReader(io.BytesIO(data))
    report = import_records(
        session, stream, "records.xlsx", as_of=AS_OF, imported_by="test",  # type: ignore[arg-type]
        chunk_rows=7, sheet="录入",
    )  # fmt: skip
    assert (report.imported, report.rejected_count) == (113, 2)
    assert [(r.line, r.reasons[0].code) for r in report.rejected] == [  # type: ignore[attr-defined]
        (6, "row_unknown_item"),
        (7, "id_is_number"),
    ]
    stream.seek(0)
    report.keep_originals(stream, sheet="录入")
    assert report.to_json()["rejected"][1]["cells"][:5] == ["4711", "HY01", "S1", "OP",
                                                           "2018-04-10"]  # fmt: skip
    assert units_by_institution(session)["HY02"] == UNITS["HY02"]
