"""Descriptions, accounts and who, as the ledger stores and shows them (pure, no database)."""

from __future__ import annotations

import pytest

from haiyan_comp.ledger import messages as m
from haiyan_comp.ledger.chain import canonical_params
from haiyan_comp.ledger.descriptions import (
    account_name,
    amount_text,
    describe,
    description,
    english,
    who_name,
)
from haiyan_comp.messages import templates, text

NAMES = {"HY09": "通元镇卫生院"}


@pytest.mark.parametrize(
    ("sentence", "code", "params", "chinese"),
    [
        ("instalment 4 of 2018, due 2018-10-01", "ledger_instalment",
         {"number": 4, "year": 2018, "due": "2018-10-01"},
         "2018 年度第 4 期预付款（应付日 2018-10-01）"),
        ("instalment 1 of 2019, due 2019-01-01; 1234567.80 offsets debt",
         "ledger_instalment_offset",
         {"number": 1, "year": 2019, "due": "2019-01-01", "offset": 123456780},
         "2019 年度第 1 期预付款（应付日 2019-01-01），其中 1,234,567.80 元抵扣欠款"),
        ("settlement of 2018: prepayments count towards the final 900.00", "ledger_settlement",
         {"year": 2018, "final": 90000},
         "2018 年度结算：已付预付款转作结算款（结算金额 900.00 元）"),
        ("settlement of 2018: top-up of the balance", "ledger_top_up", {"year": 2018},
         "2018 年度结算：补付结算差额"),
        ("settlement of 2018: prepaid more than the final amount; cleared from later "
         "instalments (R14)", "ledger_debt", {"year": 2018},
         "2018 年度结算：预付款超过结算金额，差额记为欠款，从以后各期预付款中扣回"),
        ("settlement of 2018: shortfall from the risk fund", "ledger_risk_fund_draw",
         {"year": 2018}, "2018 年度结算：资金缺口由风险金弥补"),
        ("corrects 2018: late audit finding\nsecond line", "ledger_adjustment",
         {"corrects": 2018, "reason": "late audit finding\nsecond line"},
         "更正 2018 年度：late audit finding\nsecond line"),
    ],
)  # fmt: skip
def test_the_services_sentences_read_back_into_codes(
    sentence: str, code: str, params: dict[str, object], chinese: str
) -> None:
    assert describe(sentence) == (code, params)
    assert english(templates()[code], params) == sentence
    shown = description(code, canonical_params(params), sentence)
    assert text(shown, "zh") == chinese


@pytest.mark.parametrize(
    "sentence",
    [
        "instalment 01 of 2018, due 2018-10-01",  # would not read back the same
        "something a person typed",
        "<script>alert(1)</script>",
        "instalment 4 of 2018, due 2018-10-01; 1.5 offsets debt",
    ],
)
def test_anything_else_is_a_note_kept_as_it_is(sentence: str) -> None:
    assert describe(sentence) == ("ledger_note", {"text": sentence})
    assert (
        text(description("ledger_note", canonical_params({"text": sentence}), sentence), "zh")
        == sentence
    )


def test_a_message_is_stored_by_its_code_with_amounts_in_fen() -> None:
    assert describe(m.SETTLEMENT(year=2018, final="750.00")) == (
        "ledger_settlement",
        {"year": 2018, "final": 75000},
    )


def test_an_unknown_code_or_bad_parameters_show_the_stored_english() -> None:
    assert description("no_such_code", "{}", "as booked") == "as booked"
    assert description("ledger_instalment", "not json", "as booked") == "as booked"
    assert description("ledger_instalment", '{"year": 2018}', "as booked") == "as booked"


@pytest.mark.parametrize(
    ("account", "chinese"),
    [
        ("cash", "支付账户"),
        ("risk_fund", "风险金"),
        ("prepaid:HY09:2018", "预付款 · 通元镇卫生院 · 2018年度"),
        ("prepaid:HY99:2018", "预付款 · HY99 · 2018年度"),
        ("debt:HY09", "欠款 · 通元镇卫生院"),
        ("purchase:2018", "购买服务 · 2018年度"),
        ("adjustment:2017", "以前年度调整 · 2017年度"),
        ("strange:a:b:c", "strange:a:b:c"),
    ],
)
def test_accounts_by_name(account: str, chinese: str) -> None:
    assert text(account_name(account, NAMES), "zh") == chinese


@pytest.mark.parametrize(
    ("by", "chinese"),
    [
        ("web:finance", "王会计"),
        ("web:gone", "gone"),
        ("cli:root", "命令行（root）"),
        ("api:finance", "王会计（接口）"),
        ("token:platform", "接口令牌（platform）"),
        ("scheduler", "定时任务"),
        ("demo", "演示数据"),
        ("someone", "someone"),
    ],
)
def test_who_by_name(by: str, chinese: str) -> None:
    assert text(who_name(by, {"finance": "王会计"}), "zh") == chinese


def test_amounts_as_people_read_them() -> None:
    assert [amount_text(v) for v in (0, 5, 123456789, -100)] == [
        "0.00", "0.05", "1,234,567.89", "-1.00",
    ]  # fmt: skip
