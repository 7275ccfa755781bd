"""What asking for a workbook can be told (the Chinese: messages/zh/workbooks.po)."""

from __future__ import annotations

from haiyan_comp.messages import define

UNKNOWN_FORMAT = define("unknown_format", "format must be json or xlsx, not {format!r}")
NOT_A_TABLE = define("not_a_table", "this answer is not a table, so it has no workbook")
