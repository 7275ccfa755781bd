"""Finance: fixed fields read-only with the reason, confirmations that state the amount and
the number of instalments, and overdue instalments flagged."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from haiyan_comp.budget.models import Instalment
from haiyan_comp.web.layout import amount
from tests.web.conftest import SignIn, post_form, read


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _input(page: str, name: str) -> str:
    match = re.search(rf'<input id="f-{name}"[^>]*>', page, re.S)
    assert match, name
    return match.group(0)


def test_fields_fixed_by_paid_instalments_are_read_only_with_the_reason(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    finance = signed_in("finance")
    open_page = text(finance.get("/finance/configure?year=2018"))
    assert "readonly" not in _input(open_page, "budget")
    runner.invoke(args=["prepay", "run", "--as-of", "2018-01-01"])
    page = text(finance.get("/finance/configure?year=2018"))
    for name in ("budget", "prepay_ratio"):
        assert "readonly" in _input(page, name), name
    assert "readonly" not in _input(page, "unit_price")  # the price still can change
    assert re.search(r'<select id="f-instalments"[^>]*disabled', page)
    assert "已支付 9 笔分期，预付计划已按此固定，不能再改" in page

    form = dict(re.findall(r'<input id="f-(\w+)" name="\w+" type="text" value="([^"]*)"', page))
    mode = re.search(r'name="price_mode" value="(\w+)" checked', page)
    hidden = re.search(r'<input type="hidden" name="instalments" value="(\d+)">', page)
    assert mode and hidden
    form = {k: html.unescape(v) for k, v in form.items()}
    form |= {"price_mode": mode.group(1), "instalments": hidden.group(1), "unit_price": "9.50"}
    saved = post_form(finance, "/finance/configure?year=2018", form)
    assert saved.status_code == 302, text(saved)[:2000]  # the form as shown saves: no 409


def test_the_prepayment_run_states_its_amount_and_count_before_paying(
    app: Flask, signed_in: SignIn
) -> None:
    finance = signed_in("finance")
    page = text(finance.get("/finance/prepayments?year=2018&as_of=2018-04-01"))
    preview = re.search(r'id="run-preview">(.*?)</p>', page, re.S)
    assert preview
    found = re.search(r"(\d+) 期分期（(\d+) 家机构），合计 ([\d,.]+) 元", preview.group(1))
    assert found, preview.group(1)
    count, gross = int(found.group(1)), found.group(3)
    confirm = re.search(r'data-confirm="([^"]*)"', page[page.index('id="run-preview"') :])
    assert confirm and f"确认支付 {count} 期分期，合计 {gross} 元" in html.unescape(
        confirm.group(1)
    )
    assert read(app, lambda s: s.scalars(select(Instalment)).all()) == []  # a preview pays nothing

    ran = text(post_form(finance, "/finance/prepayments/run?year=2018", {"as_of": "2018-04-01"}))
    paid = read(app, lambda s: s.scalars(select(Instalment)).all())
    assert len(paid) == count and amount(sum(i.gross for i in paid)) == gross
    assert f"本次支付 {count} 笔分期，合计 {gross} 元" in ran
    after = text(finance.get("/finance/prepayments?year=2018&as_of=2018-04-01"))
    assert "截至 2018-04-01 没有到期未付的分期" in after


def test_a_bad_preview_date_is_refused(signed_in: SignIn) -> None:
    response = signed_in("finance").get("/finance/prepayments?year=2018&as_of=2018-13-01")
    assert response.status_code == 422


def test_overdue_instalments_are_flagged(signed_in: SignIn, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["prepay", "run", "--as-of", "2018-04-01"])
    page = text(signed_in("finance").get("/finance/prepayments?year=2018"))
    rounds = page[: page.index('id="schedule"')]
    waiting = rounds.count('<span class="badge">待支付<')
    assert waiting > 0 and rounds.count(">逾期<") == waiting  # their due dates are long past
    matrix = page[page.index('id="schedule"') :]
    assert matrix.count("逾期未付<") > 0 and matrix.count(">待付<") == 0


def test_the_settlement_confirmation_states_the_amounts(signed_in: SignIn) -> None:
    page = text(signed_in("finance").get("/finance/settlement?year=2018&as_of=2019-01-15"))
    confirm = re.search(r'class="confirm"\s+data-confirm="([^"]*)"', page)
    assert confirm, "no confirmation"
    said = html.unescape(confirm.group(1))
    total = re.search(r"结算总额</div><div class=\"value\">([\d,.]+)<", page)
    assert total and f"9 家机构结算总额 {total.group(1)} 元" in said
    assert "应补付" in said and "应收回欠款" in said and 'id="confirm-summary"' in page
