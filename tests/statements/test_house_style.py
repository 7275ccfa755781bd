"""Every document in house style (issue 17 §1, issue 15), on plain dataclasses: what a finance
office reads on the paper. The same documents from the books are in tests/api/test_statement.py."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from haiyan_comp.money import format_grouped
from haiyan_comp.statements.audit_report import AuditReportData, render_audit_report
from haiyan_comp.statements.capital import capital_rmb
from haiyan_comp.statements.fonts import CID_FONT, statement_font
from haiyan_comp.statements.house import MIN_SIZE, one_line
from haiyan_comp.statements.layout import pick_font, styles_for
from haiyan_comp.statements.notice import NoticeData, render_notice
from haiyan_comp.statements.render import render_settlement
from haiyan_comp.statements.slip import SlipData, render_slips
from tests.unit.test_statement_render import DATA, audit_of, notice_of, slips_of

FORMULA_LABELS = re.compile(r"(?<![A-Za-z0-9_])(V_bm|V_ph|P_bm|A|F|P|N|U|n|D)(?![A-Za-z0-9_])")
EXTRACTABLE = statement_font() != CID_FONT  # the built-in CID font's text is not extractable


def lines_of(pdf: bytes) -> list[str]:
    return [
        line
        for page in PdfReader(io.BytesIO(pdf)).pages
        for line in page.extract_text().splitlines()
    ]


def text_of(pdf: bytes) -> str:
    return "\n".join(lines_of(pdf))


def notice() -> NoticeData:
    return replace(notice_of("x"), county="海盐县", institution_name="于城镇卫生院")


def audit() -> AuditReportData:
    return replace(
        audit_of("x"), county="海盐县", institution_name="于城镇卫生院", item_name="高血压患者管理",
        staff_names={"S1": "张三"},
    )  # fmt: skip


def sheet(people: int = 10) -> SlipData:
    lines = [
        {"code": f"S{n:03d}", "incentive": f"{570 + n}.00", "efficiency_bonus": "150.00"}
        for n in range(people)
    ]
    incentive = sum(570 + n for n in range(people))
    figures = {**slips_of("x").sheet, "staff": lines, "basic": "3800.01",
               "incentive": f"{incentive}.00", "efficiency_bonus": f"{150 * people}.00",
               "performance_pay": f"{3800 + incentive}.01"}  # fmt: skip
    names = {f"S{n:03d}": f"员工{n}" for n in range(people)}
    return replace(slips_of("x"), county="海盐县", institution_name="于城镇卫生院",
                   sheet=figures, names=names)  # fmt: skip


DOCUMENTS = {
    "settlement": lambda: render_settlement(DATA),
    "notice": lambda: render_notice(notice()),
    "audit_report": lambda: render_audit_report(audit()),
    "bonus_sheet": lambda: render_slips(sheet()),
    "own_slip": lambda: render_slips(sheet().for_staff("S003")),
}


@pytest.mark.skipif(not EXTRACTABLE, reason="needs an embedded TrueType CJK font")
@pytest.mark.parametrize("document", DOCUMENTS)
def test_no_utc_no_formula_letters_and_the_county_time(document: str) -> None:
    text = text_of(DOCUMENTS[document]())
    assert "UTC" not in text and not FORMULA_LABELS.search(text), text
    assert "2019-01-16 17:30:00" in text  # generated 09:30 UTC: 17:30 in Asia/Shanghai
    assert "海盐县" in text


@pytest.mark.skipif(not EXTRACTABLE, reason="needs an embedded TrueType CJK font")
@pytest.mark.parametrize("document", ["settlement", "notice", "audit_report", "bonus_sheet"])
def test_signed_documents_carry_signature_lines_and_a_seal_area(document: str) -> None:
    text = text_of(DOCUMENTS[document]())
    for label in ("制表人", "审核人", "单位负责人", "盖章处", "日期"):
        assert label in text, label


@pytest.mark.skipif(not EXTRACTABLE, reason="needs an embedded TrueType CJK font")
@pytest.mark.parametrize(
    "fen", [10_000, 123_456_789, 123_450_000_000_000_00, 9_999_999_999_999_999, 10**16 + 7]
)
def test_capital_words_stay_on_one_line_however_large(fen: int) -> None:
    for pdf in (
        render_settlement(replace(DATA, balance=fen, final=DATA.prepaid + fen)),
        render_notice(replace(notice(), cash=fen)),
    ):
        lines = lines_of(pdf)
        assert capital_rmb(fen) in lines, [line for line in lines if "人民币" in line]
        assert format_grouped(fen) in lines


@pytest.mark.skipif(not EXTRACTABLE, reason="needs an embedded TrueType CJK font")
def test_the_settlement_statement_reads_in_plain_words() -> None:
    data = replace(
        DATA, budget=140_000_000, settled_at=datetime(2019, 1, 15, 2, 5, tzinfo=UTC),
        seal="0123456789abcdef" * 4, score=96250, bonus_cap=15_000_000,
    )  # fmt: skip
    text = text_of(render_settlement(data))
    for label in ("核定基本医疗当量", "核定公共卫生当量", "增长上限核减的基本医疗当量",
                  "购买基本医疗当量", "购买当量合计", "当量单价", "应得金额", "最终结算金额",
                  "已预付合计", "绩效考核得分", "效率奖励上限"):  # fmt: skip
        assert label in text, label
    assert "1,400,000.00" in text and "150,000.00" in text and "1400000.00" not in text
    assert "结算基准日：2019-01-15" in text and "结算办理时间：2019-01-15 10:05" in text
    assert "账本封印：0123456789abcdef…" in text and "普通门诊" in text and "OP" in text
    lines = text.splitlines()
    instalments = len(lines) - 1 - lines[::-1].index("合计")  # the last 合计: the instalments'
    assert lines[instalments + 1 : instalments + 4] == ["800.00", "0.00", "800.00"]
    assert data.figures()["seal"] == data.seal and "seal" not in DATA.figures()


def test_the_seal_is_part_of_the_fingerprint() -> None:
    sealed = replace(DATA, seal="ab" * 32)
    assert sealed.sha256 != DATA.sha256 != replace(sealed, seal="cd" * 32).sha256


@pytest.mark.skipif(not EXTRACTABLE, reason="needs an embedded TrueType CJK font")
def test_the_audit_report_names_its_scope_item_and_staff_in_words() -> None:
    text = text_of(render_audit_report(audit()))
    assert (
        "全年（2018-01-01 至 2018-12-31）" in text
        and "全部记录" in text
        and "高血压患者管理（HTN）" in text
        and "张三（S1）" in text
    )
    assert "all" not in text.split() and "分层" not in text
    part = replace(audit(), batch={**audit().batch, "from": "2018-03-01", "to": "2018-06-30",
                                   "stratum": "flagged"})  # fmt: skip
    partial = text_of(render_audit_report(part)).splitlines()
    assert "2018-03-01 至 2018-06-30" in partial and "系统标记的记录" in partial
    assert "2019-01-10 17:00" in text  # closed 09:00 UTC


def test_every_document_has_a_number_of_its_own_that_a_reprint_keeps() -> None:
    whole = sheet()
    numbers = [
        DATA.number, notice().number, audit().number, whole.number,
        whole.for_staff("S001").number, whole.for_staff("S002").number,
    ]  # fmt: skip
    assert numbers == [
        "HY-JS-2018-HY02", "HY-YF-20181001-HY02", "HY-CH-2018-HY01-7", "HY-JX-2018-HY01",
        "HY-JX-2018-HY01-S001", "HY-JX-2018-HY01-S002",
    ]  # fmt: skip
    later = replace(DATA, generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    assert later.number == DATA.number and later.figures()["number"] == DATA.number
    assert whole.figures()["number"] != whole.for_staff("S001").figures()["number"]


def test_the_bonus_sheet_shares_add_up_to_the_sheet() -> None:
    figures = sheet().figures()
    staff = figures["staff"]
    keys = ("basic", "incentive", "performance_pay", "efficiency_bonus", "total")
    cents = {key: [int(line[key].replace(".", "")) for line in staff] for key in keys}
    assert sum(cents["basic"]) == 380001 and max(cents["basic"]) - min(cents["basic"]) == 1
    assert sum(cents["performance_pay"]) == int(figures["performance_pay"].replace(".", ""))
    assert all(t == p + b for t, p, b in zip(cents["total"], cents["performance_pay"],
                                              cents["efficiency_bonus"], strict=True))  # fmt: skip
    own = sheet().for_staff("S000").figures()
    assert own["staff"] == [staff[0]]  # the whole sheet's share, not a share of one


@pytest.mark.skipif(not EXTRACTABLE, reason="needs an embedded TrueType CJK font")
def test_the_bonus_sheet_prints_column_totals_and_every_slip() -> None:
    text = text_of(render_slips(sheet()))
    lines = text.splitlines()
    at = lines.index("合计")
    assert lines[at + 1 : at + 6] == ["3,800.01", "5,745.00", "9,545.01", "1,500.00", "11,045.01"]
    assert all(f"HY-JX-2018-HY01-S{n:03d}" in text for n in range(10))
    own = text_of(render_slips(sheet().for_staff("S003")))
    assert "HY-JX-2018-HY01-S003" in own and "员工3" in own and "员工4" not in own
    assert "个人发放条" in own and "573.00" in own and "合计" not in own.splitlines()


def test_an_own_slip_of_nobody_on_the_sheet_prints_no_line() -> None:
    assert sheet().for_staff("NOBODY").figures()["staff"] == []


def test_a_sheet_without_staff_still_renders() -> None:
    empty = replace(sheet(), sheet={**sheet().sheet, "staff": []})  # T to share, nobody to get it
    assert render_slips(empty).startswith(b"%PDF") and empty.figures()["staff"] == []


def test_notice_dates_are_dates() -> None:
    assert notice().as_of == date(2018, 10, 1)


def test_one_line_shrinks_and_only_hostile_lengths_wrap() -> None:
    style = styles_for(pick_font(None))["body"]
    words = capital_rmb(9_999_999_999_999_999)
    fitted = one_line(words, style, 100 * mm)
    assert fitted.style.fontSize < style.fontSize and fitted.style.fontSize >= MIN_SIZE
    assert fitted.wrap(100 * mm, 1000)[1] < 2 * style.fontSize  # one line high
    assert one_line("人民币壹佰元整", style, 100 * mm).style.fontSize == style.fontSize
    hostile = one_line("X" * 2000, style, 30 * mm)
    assert hostile.style.fontSize == MIN_SIZE and hostile.wrap(30 * mm, 10_000)[0] <= 30 * mm
