"""What reading a spreadsheet or a text file says, by code (Chinese in messages/zh/sheets.po)."""

from __future__ import annotations

from haiyan_comp.messages import define

NOT_TEXT = define(
    "file_not_text",
    "{filename}: the file is neither UTF-8 nor GB18030 text (byte {byte}); "
    "save it as CSV (UTF-8) or as an .xlsx workbook",
)
NOT_WORKBOOK = define(
    "file_not_workbook", "{filename}: cannot read the file as an .xlsx workbook ({error})"
)
NO_SUCH_SHEET = define(
    "sheet_not_found", "{filename}: the workbook has no sheet {sheet}; its sheets are {sheets}"
)
SHEET_EMPTY = define("sheet_empty", "{filename}: the sheet {sheet} is empty")
ID_IS_NUMBER = define(
    "id_is_number",
    "{value} is a number in the spreadsheet, not text: a spreadsheet drops an id's leading "
    "zeros and writes a long one as 1.23E+11; format the column as text and type the id again",
)
CELL_PROBLEM = define("cell_problem", "{filename}: line {line}: {problem}")
