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
