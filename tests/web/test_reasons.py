"""The upload report gives every reason in Chinese; the CLI and the API keep English."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from haiyan_comp.messages import Message
from tests.web.conftest import SignIn, post_form
from tests.web.test_centre_upload import HEADER, rejected

CSV_ROWS = [
    "WEB-0001,HY01,HY01S001,OP,2018-05-02,R-W1,1",
    ",HY01,HY01S001,OP,2018-05-02,,1",
    "X" * 65 + ",HY01,HY01S001,OP,2018-05-02,,1",
    "B03,HY02,HY02S001,OP,2018-05-02,,1",
    "B04,HY99,HY01S001,OP,2018-05-02,,1",
    "B05,HY01,HY01S999,OP,2018-05-02,,1",
    "B06,HY01,HY02S001,OP,2018-05-02,,1",
    "B07,HY01,HY01S001,NOPE,2018-05-02,,1",
    "B08,HY01,HY01S001,OP,2018-02-30,,1",
    "B09,HY01,HY01S001,OP,2030-01-01,,1",
    "B10,HY01,HY01S001,OP,2018-05-02,,1.5",
    "B11,HY01,HY01S001,HTN,2018-05-02,,1",
    "B12,HY01,HY01S001,OP,2018-05-02,,1,extra",
    "WEB-0001,HY01,HY01S001,OP,2018-05-02,R-W1,2",
    "B14,,,,,,",
]
JSONL_LINES = [
    b'{"source_id": "J1", "institution_code": "HY01"',
    b"[1, 2]",
    b'{"source_id": "J3", "institution_code": "HY01", "staff_code": "HY01S001",'
    b' "item_code": "OP", "service_date": "2018-05-02", "colour": "red", "quantity": true}',
]
ENGLISH = re.compile(
    r"required|unknown|must be|is not|belongs|differs|fields, the header|longer than|"
    r"another institution|in the future|no catalogue|already stored|UTF-8 text|JSON object"
)


def upload_bytes(client: FlaskClient, data: bytes, name: str) -> str:
    form: dict[str, Any] = {"file": (io.BytesIO(data), name)}
    response = post_form(client, "/centre/upload", form, content_type="multipart/form-data")
    job = client.get(response.headers["Location"])
    return str(client.get(job.headers["Location"]).get_data(as_text=True))


def reasons_of(page: str) -> list[str]:
    table = page.split('id="rejected"', 1)[1].split("</table>", 1)[0]
    return [html.unescape(reason) for reason in re.findall(r"<li>(.*?)</li>", table, re.S)]


def test_every_reason_for_a_bad_csv_row_is_in_chinese(app: Flask, signed_in: SignIn) -> None:
    # Bytes neither UTF-8 nor GB18030 (a GB18030 file is read as such: tests/sheets/).
    gbk_line = b"B15,HY01,HY01S001,OP,2018-05-02,\xff\xfe,1\n"
    data = (HEADER + "\n".join(CSV_ROWS) + "\n").encode() + gbk_line
    page = upload_bytes(signed_in("hy01"), data, "bad.csv")
    reasons = reasons_of(page)
    assert len(rejected(page)) == len(CSV_ROWS)  # every row but the first, and the GBK line
    assert reasons and not [r for r in reasons if ENGLISH.search(r)], reasons
    assert "服务日期：'2018-02-30' 不是按年-月-日（如 2018-05-02）书写的有效日期" in reasons
    assert "数量：应为 1 至 10000 的整数，实际为 '1.5'" in reasons
    assert any("本文件第 2 行出现，内容不同（数量不同）" in r for r in reasons)


def test_every_reason_for_a_bad_json_line_is_in_chinese(app: Flask, signed_in: SignIn) -> None:
    page = upload_bytes(signed_in("hy01"), b"\n".join(JSONL_LINES) + b"\n", "bad.jsonl")
    reasons = reasons_of(page)
    assert len(rejected(page)) == 3
    assert reasons and not [r for r in reasons if ENGLISH.search(r)], reasons
    assert "colour：未知字段" in reasons and "数量：应为文本，实际为 true" in reasons


def test_a_file_refused_whole_says_why_in_chinese(app: Flask, signed_in: SignIn) -> None:
    page = upload_bytes(signed_in("hy01"), b"source_id,colour\nA,b\n", "odd.csv")
    assert "第 1 行：表头有误（未知列 'colour'；缺少列" in html.unescape(page)


def test_a_plain_text_is_shown_as_it_is_and_a_message_in_chinese() -> None:
    from haiyan_comp.records import messages as m
    from haiyan_comp.web.layout import reason

    assert reason("说明：已由财务科核对") == "说明：已由财务科核对"
    assert reason(m.TEXT_HAS_NUL.on("resident_id")) == "居民编号：含有空字符（NUL）"


def _rarely_met() -> list[tuple[Message, str, str]]:
    """Import reasons the upload tests above do not meet: (message, its English, its Chinese)."""
    from haiyan_comp.records import messages as m
    from haiyan_comp.records.rules import conflict_reason

    return [
        (
            m.ROW_YEAR_SETTLED.on("service_date", year=2017, settled_on="2018-01-20"),
            "service_date: year 2017 is settled (2018-01-20); its records can no longer be added"
            " (R15)",
            "服务日期：2017 年度已结算（2018-01-20 办理），不能再补充该年度的记录",
        ),
        (
            conflict_reason("A1", "HY01", 9, 4, ["staff_id", "quantity"]),
            "source_id: A1 of HY01 was already stored by import #4 (line 9) with different content"
            " (staff_id differs, quantity differs); a stored record is never changed by importing"
            " it again",
            "记录编号：HY01 的 A1 已由第 4 次导入（第 9 行）保存，"
            "内容不同（职工不同、数量不同）；已保存的记录不会因再次导入而改变",
        ),
        (
            m.TEXT_HAS_NUL.on("resident_id"),
            "resident_id: contains a NUL character",
            "居民编号：含有空字符（NUL）",
        ),
        (
            m.EMPTY_CSV(header="source_id,institution_code"),
            "the file is empty: expected a header line source_id,institution_code",
            "文件是空的：应有表头行 source_id,institution_code",
        ),
        (
            m.FILE_NOT_CSV(line=7, error="unexpected end of data"),
            "line 7: the file is not valid CSV (unexpected end of data)",
            "第 7 行：文件不是有效的 CSV（unexpected end of data）",
        ),
        (
            m.FILE_NOT_UTF8(),
            "line 1: the file is not UTF-8 text; save it as UTF-8 (a BOM is fine)",
            "第 1 行：文件不是 UTF-8 文本；请另存为 UTF-8 编码（可带 BOM）",
        ),
    ]


def test_reasons_the_pages_rarely_meet_are_in_chinese_too() -> None:
    for message, english, chinese in _rarely_met():
        assert (message, message.text("zh")) == (english, chinese)


def test_the_rejected_rows_csv_has_the_row_and_its_reasons_in_chinese(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("hy01")
    form: dict[str, Any] = {"file": (io.BytesIO((HEADER + CSV_ROWS[7] + "\n").encode()), "r.csv")}
    response = post_form(client, "/centre/upload", form, content_type="multipart/form-data")
    report_url = client.get(response.headers["Location"]).headers["Location"]
    download = client.get(report_url.rstrip("/") + "/rejected.csv").get_data(as_text=True)
    assert download.splitlines()[:2] == [  # the row as given, between its line and reasons
        "\ufeff行号," + HEADER.strip() + ",原因",
        "2," + CSV_ROWS[7] + ",项目编码：2018 年度目录中没有服务项目 'NOPE'",
    ]


def test_the_finance_pages_refusals_are_in_chinese() -> None:
    from haiyan_comp.budget.messages import (
        CONFIGURATION_FIXED,
        FROZEN_FIELDS,
        SCHEDULE_FIXED,
        YEAR_NOT_CONFIGURED,
    )
    from haiyan_comp.settlement.messages import AUDITS_OPEN
    from haiyan_comp.years.messages import YEAR_SETTLED

    cases = [
        (
            YEAR_NOT_CONFIGURED(year=2019),
            "year 2019 is not configured: run 'haiyan year configure 2019 --budget B"
            " --unit-price P --prepay-ratio RHO --instalments N' (R10)",
            "2019 年度尚未配置：请先在“年度配置”中填写预算、单价、预付比例和期数",
        ),
        (
            YEAR_SETTLED(year=2018, settled_on="2019-01-15", what=CONFIGURATION_FIXED()),
            "year 2018 is settled (2019-01-15): its configuration can no longer change (R15)",
            "2018 年度已结算（2019-01-15 办理）：年度配置不能再改",
        ),
        (
            AUDITS_OPEN(year=2018, batches="3, 4"),
            "year 2018 has open audit batches (3, 4); close them first (R13)",
            "2018 年度还有未关闭的审计批次（3, 4），请先关闭",
        ),
        (
            SCHEDULE_FIXED(
                year=2018, fields=[FROZEN_FIELDS["budget"](), FROZEN_FIELDS["instalments"]()]
            ),
            "year 2018 has paid instalments, so budget, instalments can no longer change (they"
            " fix the prepayment schedule); price, growth cap and risk fund still can",
            "2018 年度已有已付分期，预算、期数不能再改（它们决定预付计划）；"
            "单价、增长上限和风险金仍可修改",
        ),
    ]
    for message, english, chinese in cases:
        assert (message, message.text("zh")) == (english, chinese)


def test_the_auditors_refusals_are_in_chinese() -> None:
    from datetime import date

    from haiyan_comp.audit.messages import FLAGGED_STRATUM, NO_RECORDS_LEFT

    stratum = FLAGGED_STRATUM(
        institution="HY01", item="HTN", start=date(2018, 1, 1), end=date(2018, 6, 30)
    )
    message = NO_RECORDS_LEFT(stratum=stratum, batches="2")
    assert message == (
        "no records left in flagged records of HY01 HTN from 2018-01-01 to 2018-06-30: they"
        " are frozen in the population of audit batch 2 (a record belongs to one population)"
    )
    assert message.text("zh") == (
        "HY01 HTN 2018-01-01 至 2018-06-30 的标记记录 已无可抽的记录：它们已冻结在审计批次 2"
        " 的总体中（一条记录只属于一个总体）"
    )


def test_the_auditors_refusals_by_code_are_in_chinese_without_rule_numbers() -> None:
    from datetime import date

    from haiyan_comp.audit.messages import BATCH_OVERLAP, SEED_TOO_LONG, STAFF_OF_OTHER_INSTITUTION

    overlap = BATCH_OVERLAP(
        start=date(2018, 6, 1), end=date(2018, 12, 31), batch=1, institution="HY01", item="OP",
        year=2018, other_start=date(2018, 1, 1), other_end=date(2018, 6, 30),
    )  # fmt: skip
    assert overlap == (
        "the dates 2018-06-01 to 2018-12-31 overlap audit batch 1 of HY01 OP 2018 (2018-01-01"
        " to 2018-06-30); batches of one institution, item and year must not overlap (R5):"
        " choose dates outside it"
    )
    assert overlap.text("zh") == (
        "日期 2018-06-01 至 2018-12-31 与审计批次 1（HY01 OP 2018，2018-01-01 至 2018-06-30）"
        "重叠；同一机构、项目和年度的批次日期不能重叠，请选择其外的日期"
    )
    other = STAFF_OF_OTHER_INSTITUTION(staff="HY02S001", owner="HY02", institution="HY01")
    assert other.text("zh") == "人员 HY02S001 属于 HY02，不属于 HY01；责任人必须是被审计机构的人员"
    assert SEED_TOO_LONG(length=300, most=200).text("zh") == "种子有 300 个字符，最多 200 个"


def test_the_bonus_pages_refusals_are_in_chinese() -> None:
    from haiyan_comp.bonus.messages import POOL_ABOVE_CAP, SCORE_OUT_OF_RANGE
    from haiyan_comp.statements.messages import NO_SLIP

    score = SCORE_OUT_OF_RANGE.on("score", score="1000.01")
    assert score == "score: must be 0.00–1000.00, got 1000.01 (R16)"
    assert score.text("zh") == "考核分：应在 0.00 至 1000.00 之间，实际为 1000.01"
    pool = POOL_ABOVE_CAP(cap="86842.11")
    assert pool == "the bonus pool must be between 0.00 and the cap 86842.11 (R17)"
    assert pool.text("zh") == "奖励总额须在 0.00 至上限 86842.11 元之间"
    slip = NO_SLIP(institution="HY01", year=2018)
    assert slip == "HY01 has not entered its 2018 pay sheet; there is no slip"
    assert slip.text("zh") == "HY01 尚未填报 2018 年度发放单，因此没有发放明细"
