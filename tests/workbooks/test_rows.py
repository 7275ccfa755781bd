"""The fast row writer: text from data comes back exactly as it was, never as markup or a
formula; numbers are exact; an empty cell stays empty."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from haiyan_comp.workbooks import Column, Sheet, write_workbook

HOSTILE = [
    "<r><t>rich</t></r>",
    "a & b < c > d",
    "_x0041_ stays",
    "  leading and trailing  ",
    "tab\there",
    "=SUM(A1:A9)",
    "混合 Chinese ＆ <script>",
    "x" * 40_000,
]


def test_hostile_text_round_trips(tmp_path: Path) -> None:
    rows = [{"text": text, "units": "-12345678901.25", "n": 7} for text in HOSTILE]
    rows.append({"text": "bell\x07", "units": 1, "n": None})
    path = tmp_path / "hostile.xlsx"
    columns = [Column("text", "文本"), Column("units", "当量", "units", total=True),
               Column("n", "数", "int", total=True)]  # fmt: skip
    written = write_workbook(str(path), county="海盐县", sheets=[Sheet("表", "测试", columns, rows,
                                                                     totals=True)])  # fmt: skip
    assert written == len(rows)
    sheet = openpyxl.load_workbook(path).active
    values = list(sheet.iter_rows(min_row=4, values_only=True))
    texts = [row[0] for row in values[: len(HOSTILE)]]
    # Excel's escape of a literal "_xHHHH_" (as XlsxWriter writes it); Excel reads it back as
    # the text, openpyxl leaves the escape in place.
    assert texts[:7] == [*HOSTILE[:2], "_x005F_x0041_ stays", *HOSTILE[3:7]]
    assert texts[7] == "x" * 32767  # Excel's longest cell
    assert values[len(HOSTILE)][0] in ("bell\x07", "bell_x0007_")  # a control character, escaped
    assert values[len(HOSTILE)][1] == 0.01
    assert values[len(HOSTILE)][2] is None
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    total = values[-1]
    assert total[0] == "合计" and total[2] == 7 * len(HOSTILE)
    assert f"{total[1]:.2f}" == f"{-12345678901.25 * len(HOSTILE) + 0.01:.2f}"


def test_rows_as_the_database_gives_them_make_the_same_cells(tmp_path: Path) -> None:
    """The records export reads tuples straight from the driver (on SQLite a date is its ISO
    text and a flag 0 or 1): the workbook reads exactly as from the API's mappings."""
    from datetime import date

    from haiyan_comp.workbooks.money import RECORD_COLUMNS
    from haiyan_comp.workbooks.records import FIELDS

    raw = [
        (7, "HY01-1", "HY01", "HY01S001", "名", "OP", "门诊", 2018, "2018-04-05", None, 1, 120,
         0, 0, 3, 9),
        (8, " <x> & _x0041_", "HY01", "S\t2", "名", "RX_WM", "门诊", 2018, date(2018, 12, 31),
         "R1", 2, -5, 7, True, 3, 10),
        (9, "é 混合", "HY02", "S3", "名", "DM", "项", 2018, "2018-01-01", "", 0, 0, 0, 1, 3, 11),
    ]  # fmt: skip
    mappings = [
        dict(zip(FIELDS, row, strict=True)) | {"service_date": str(row[8]), "capped": bool(row[13])}
        for row in raw
    ]
    books = []
    for name, rows, fields in (("tuples", raw, FIELDS), ("mappings", mappings, None)):
        path = tmp_path / f"{name}.xlsx"
        sheet = Sheet("表", "测试", RECORD_COLUMNS, rows, totals=True, fields=fields)
        assert write_workbook(str(path), county="海盐县", sheets=[sheet]) == len(raw)
        cells = openpyxl.load_workbook(path).active.iter_rows(min_row=4, values_only=True)
        books.append(list(cells))
    assert books[0] == books[1]
    first, second, third, total = books[0]
    assert first[:10] == ("HY01-1", "HY01", "HY01S001", "OP", first[4], None, 1, 1.2, 0, "否")
    assert first[4].date() == date(2018, 4, 5) and second[4].date() == date(2018, 12, 31)
    assert second[0] == " <x> & _x005F_x0041_" and second[2] == "S\t2" and second[7] == -0.05
    assert second[9] == "是" and third[0] == "é 混合" and third[5] is None and third[9] == "是"
    assert total[0] == "合计" and total[6] == 3 and f"{total[7]:.2f}" == "1.15"


def test_crc_of_joined_parts() -> None:
    import zlib

    from haiyan_comp.workbooks.deflate import crc32_combine

    for first, second in ((b"", b"abc"), (b"head", b""), (b"x" * 1000, bytes(range(256)) * 99)):
        assert crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(
            first + second
        )
