"""R2 record import: formats, bad input, duplicates, conflicts, one transaction."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from haiyan_comp.errors import InvalidInput
from haiyan_comp.records import behind, services
from haiyan_comp.records.models import RecordImport, ServiceRecord
from haiyan_comp.records.services import ImportRefused
from haiyan_comp.records.totals import (
    counted_from_records,
    counted_staff,
    stored_staff,
    stored_totals,
)
from tests.services.helpers import HEADER, import_text, setup_county


@pytest.fixture(autouse=True)
def county(session: Session) -> None:
    setup_county(session)


def stored(session: Session) -> list[tuple[str, int, int, int]]:
    r = ServiceRecord
    return list(
        session.execute(
            select(r.source_id, r.quantity, r.units, r.purchasable).order_by(r.source_id)
        ).all()
    )


def test_csv_with_a_bom_and_crlf_is_read(session: Session) -> None:
    text = "\ufeff" + (HEADER + "A1,HY01,S1,OP,2018-01-02,,2\n").replace("\n", "\r\n")
    report = import_text(session, text)
    assert (report.rows, report.imported, report.rejected_count) == (1, 1, 0)
    assert stored(session) == [("A1", 2, 200, 200)]


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(session: Session) -> None:
    report = import_text(
        session,
        "item_code,source_id,service_date,staff_code,institution_code\nOP,A1,2018-01-02,S1,HY01\n",
    )
    assert report.imported == 1
    assert stored(session) == [("A1", 1, 100, 100)]


def test_json_lines_with_the_same_keys(session: Session) -> None:
    lines = [
        {
            "source_id": "J1",
            "institution_code": "HY01",
            "staff_code": "S1",
            "item_code": "HTN",
            "service_date": "2018-02-01",
            "resident_id": "r1",
            "quantity": 1,
        },
        {
            "source_id": "J2",
            "institution_code": "HY01",
            "staff_code": "S1",
            "item_code": "OP",
            "service_date": "2018-02-01",
        },
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    text += (
        '{"source_id": "J3", "institution_code": "HY01", "staff_code": "S1",'
        ' "item_code": "OP", "service_date": "2018-02-01", "quantity": 1.5}\n'
    )
    text += '{"source_id": "J4", "colour": "red"}\n'
    text += "[1, 2]\n{not json\n"
    report = import_text(session, text, "push.jsonl")
    assert (report.rows, report.imported, report.rejected_count) == (6, 2, 4)
    by_line = {r.line: r.reasons for r in report.rejected}
    assert any("quantity: must be a whole number" in r and "'1.5'" in r for r in by_line[3])
    assert "colour: unknown field" in by_line[4]
    assert by_line[5] == ["the line must be a JSON object with the record's fields"]
    assert by_line[6][0].startswith("the line is not valid JSON")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("source_id,institution_code,staff_code,item_code\n", "missing column(s) service_date"),
        (HEADER.strip() + ",colour\n", "unknown column(s) 'colour'"),
        (
            "source_id,source_id,institution_code,staff_code,item_code,service_date\n",
            "repeated column(s) source_id",
        ),
    ],
)
def test_a_bad_file_is_refused_whole(session: Session, content: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_text(session, content)
    assert stored(session) == []


def test_utf16_is_refused_with_a_hint(session: Session) -> None:
    with pytest.raises(InvalidInput, match="UTF-8"):
        import_text(session, (HEADER + "A1,HY01,S1,OP,2018-01-02,,1\n").encode("utf-16"))


def test_a_line_in_another_encoding_is_rejected_alone(session: Session) -> None:
    # The first line that is not ASCII is UTF-8: the file is UTF-8 (a file whose
    # first such line is GB18030 is read as GB18030: tests/sheets/).
    data = (
        HEADER + "A1,HY01,S1,OP,2018-01-02,居民乙,1\n"
    ).encode() + "A2,HY01,S1,HTN,2018-01-02,居民甲,1\n".encode("gbk")
    report = import_text(session, data)
    assert report.imported == 1
    assert [(r.line, r.reasons) for r in report.rejected] == [
        (3, ["the line is not valid UTF-8 text; save the file as UTF-8"])
    ]


def test_a_row_with_too_many_fields(session: Session) -> None:
    report = import_text(session, HEADER + "A1,HY01,S1,OP,2018-01-02,,1,extra\n")
    assert report.rejected[0].reasons == ["the row has 8 fields, the header has 7"]
    assert report.rejected[0].source_id == "A1"


def test_every_bad_row_is_listed_and_good_rows_are_kept(session: Session) -> None:
    text = HEADER + (
        "B1,HY01,S1,OP,2018-02-30,,1\n"
        "B2,HY01,S1,OP,2018-03-01,,1.5\n"
        "G1,HY01,S1,OP,2018-03-01,,1\n"
        "B3,HY01,S1,OP,2018-03-01,,-1\n"
        "B4,HY01,S1,OP,2018-03-01,,1e3\n"
        "B5,HY09,S1,ZZ,2018-03-01,,1\n"
        "B6,HY01,S1,HTN,2018-03-01,,1\n"
    )
    report = import_text(session, text)
    assert (report.rows, report.imported, report.rejected_count) == (7, 1, 6)
    assert [(r.line, r.source_id) for r in report.rejected] == [
        (2, "B1"),
        (3, "B2"),
        (5, "B3"),
        (6, "B4"),
        (7, "B5"),
        (8, "B6"),
    ]
    assert stored(session) == [("G1", 1, 100, 100)]


def test_strict_imports_nothing_when_one_row_is_bad(session: Session) -> None:
    text = HEADER + "G1,HY01,S1,OP,2018-03-01,,1\nB1,HY01,S1,OP,2018-03-01,,0\n"
    with pytest.raises(ImportRefused) as refused:
        import_text(session, text, strict=True)
    assert refused.value.report.rejected_count == 1
    assert refused.value.details["rejected"][0]["line"] == 3


def test_the_same_file_twice_changes_nothing(session: Session) -> None:
    text = HEADER + "".join(
        f"A{n},HY01,S1,HTN,2018-0{1 + n % 9}-01,r{n % 3},1\n" for n in range(20)
    )
    first = import_text(session, text)
    before = stored(session)
    second = import_text(session, text)
    assert (first.imported, first.duplicates) == (20, 0)
    assert (second.imported, second.duplicates, second.rejected_count) == (0, 20, 0)
    assert stored(session) == before


def test_same_source_id_with_other_content_is_a_conflict(session: Session) -> None:
    import_text(session, HEADER + "A1,HY01,S1,OP,2018-01-02,,1\n")
    report = import_text(
        session, HEADER + "A1,HY01,S1,OP,2018-01-02,,2\nA1,HY02,S3,OP,2018-01-02,,2\n"
    )
    assert report.imported == 1  # the same source id at another institution is another record
    [conflict] = report.rejected
    assert conflict.line == 2
    assert "A1 of HY01 was already stored by import #" in conflict.reasons[0]
    assert "quantity differs" in conflict.reasons[0]
    assert ("A1", 1, 100, 100) in stored(session)


def test_a_conflict_in_the_resident_alone_is_named(session: Session) -> None:
    import_text(session, HEADER + "A1,HY01,S1,OP,2018-01-02,,1\n")
    report = import_text(session, HEADER + "A1,HY01,S1,OP,2018-01-02,r7,1\n")
    assert (report.imported, report.duplicates, report.rejected_count) == (0, 0, 1)
    assert "(resident_id differs)" in report.rejected[0].reasons[0]


def test_running_totals_always_equal_a_recount(session: Session) -> None:
    first = HEADER + "".join(
        f"A{n},HY01,S{1 + n % 2},HTN,2018-0{1 + n % 9}-01,r{n % 4},1\n" for n in range(30)
    )
    second = HEADER + "".join(
        f"A{n},HY01,S{1 + n % 2},HTN,2018-0{1 + n % 9}-01,r{n % 4},1\n" for n in range(20, 45)
    )
    for text in (first, second, second.replace(",1\n", ",2\n")):
        import_text(session, text, chunk_rows=4)
        assert stored_totals(session, 2018) == counted_from_records(session, 2018)
        assert stored_staff(session, 2018) == counted_staff(session, 2018)
    assert len(stored_staff(session, 2018)) == 2  # S1 and S2


def test_repeats_within_one_file_across_chunks(session: Session) -> None:
    rows = [f"A{n},HY01,S1,OP,2018-01-02,,1" for n in range(10)]
    rows += [
        "A3,HY01,S1,OP,2018-01-02,,1",
        "A4,HY01,S1,OP,2018-01-03,,1",
        "A9,HY01,S1,OP,2018-01-02,,1",
    ]
    report = import_text(session, HEADER + "\n".join(rows) + "\n", chunk_rows=4)
    assert (report.imported, report.duplicates, report.rejected_count) == (10, 2, 1)
    assert "on line 6 of this file" in report.rejected[0].reasons[0]


def test_each_import_is_recorded_with_its_counts(session: Session) -> None:
    import_text(session, HEADER + "A1,HY01,S1,OP,2018-01-02,,1\nA2,HY01,S1,OP,2018-01-02,,x\n")
    batch = session.scalars(select(RecordImport)).one()
    assert (batch.rows, batch.imported, batch.rejected, batch.imported_by) == (2, 1, 1, "test")


def test_a_later_import_of_an_earlier_record_moves_the_cap(session: Session) -> None:
    import_text(session, HEADER + "L,HY01,S1,HTN,2018-09-01,r1,1\n")
    assert stored(session) == [("L", 1, 1000, 1000)]
    import_text(session, HEADER + "E,HY01,S1,HTN,2018-03-01,r1,1\n")
    # R3 orders by service date: the March record is the purchasable one now.
    assert stored(session) == [("E", 1, 1000, 1000), ("L", 1, 1000, 0)]


def test_count_is_unchanged_after_a_refused_file(session: Session) -> None:
    import_text(session, HEADER + "A1,HY01,S1,OP,2018-01-02,,1\n")
    with pytest.raises(InvalidInput):
        import_text(session, "")
    assert session.scalar(select(func.count()).select_from(ServiceRecord)) == 1


def test_a_csv_line_of_megabytes_refuses_the_file_without_reading_it_whole(
    session: Session,
) -> None:
    content = (
        HEADER + "A1,HY01,S1,OP,2018-01-02,,1\n"
    ).encode() + b"x," * 4_000_000  # short fields: only the length of the line is wrong
    with pytest.raises(InvalidInput, match=r"line 3: longer than 1,048,576 bytes"):
        import_text(session, content)
    assert stored(session) == []


def test_a_json_line_of_megabytes_is_rejected_alone(session: Session) -> None:
    good = (
        '{"source_id": "J%d", "institution_code": "HY01", "staff_code": "S1",'
        ' "item_code": "OP", "service_date": "2018-01-02"}\n'
    )
    content = (
        (good % 1).encode() + b'{"source_id": "' + b"y" * 8_000_000 + b'"}\n' + (good % 3).encode()
    )
    report = import_text(session, content, filename="big.jsonl")
    assert (report.imported, report.rejected_count) == (2, 1)
    [rejection] = report.rejected
    assert rejection.line == 2
    assert rejection.reasons[0].startswith("longer than 1,048,576 bytes without a line break")


def wrap_writer(
    monkeypatch: pytest.MonkeyPatch, method: str, around: Callable[[Callable[[Any], Any], Any], Any]
) -> None:
    """Make every import's writer call `around(its own method, argument)` for `method`."""
    real = services.make_writer

    def wrapped_writer(writer_session: Session, load: Any) -> Any:
        writer = real(writer_session, load)
        own = getattr(writer, method)
        setattr(writer, method, lambda argument: around(own, argument))
        return writer

    monkeypatch.setattr(services, "make_writer", wrapped_writer)


def test_a_write_that_fails_midway_raises_and_the_import_leaves_nothing(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error while a later chunk is written (on PostgreSQL in the writing
    thread, while the reading thread encodes the next) reaches the caller as it was,
    and rolling back leaves the records and their totals as they were."""
    import_text(session, HEADER + "A0,HY01,S1,OP,2018-01-02,,1\n")
    before = stored(session), stored_totals(session, 2018)
    written: list[int] = []

    def insert_then_fail(insert: Callable[[Any], int], chunk: Any) -> int:
        if written:
            raise OperationalError("INSERT", {}, Exception("disk full"))
        written.append(insert(chunk))
        return written[-1]

    wrap_writer(monkeypatch, "insert", insert_then_fail)
    text = HEADER + "".join(f"B{n},HY01,S1,OP,2018-02-0{1 + n % 9},,1\n" for n in range(40))
    switching = sys.getswitchinterval()
    with pytest.raises(OperationalError, match="disk full"), session.begin_nested():
        import_text(session, text, chunk_rows=7)
    assert written == [7]  # the first chunk went in before the second failed
    assert (stored(session), stored_totals(session, 2018)) == before
    assert sys.getswitchinterval() == switching  # the process's, put back


def test_the_threads_switch_promptly_while_rows_are_read_and_as_before_after(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the writing thread must get the GIL back soon after the server has
    read its data (behind.prompt_switches); the process's interval is put back once
    the file is read. SQLite, with no second thread, leaves it alone."""
    seen: list[float] = []

    def encode_and_look(encode: Callable[[Any], Any], rows: Any) -> Any:
        seen.append(sys.getswitchinterval())
        return encode(rows)

    wrap_writer(monkeypatch, "encode", encode_and_look)
    switching = sys.getswitchinterval()
    text = HEADER + "".join(f"B{n},HY01,S1,OP,2018-02-0{1 + n % 9},,1\n" for n in range(20))
    assert import_text(session, text, chunk_rows=7).imported == 20
    postgres = session.get_bind().dialect.name == "postgresql"
    assert seen == [behind.SWITCH_INTERVAL if postgres else switching] * 3
    assert sys.getswitchinterval() == switching
