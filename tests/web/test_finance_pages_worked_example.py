"""RULES.md's worked example settled through the finance pages gives the golden figures."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from haiyan_comp.institutions.models import Institution
from haiyan_comp.settlement.models import Settlement, YearSettlement
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn
from tests.web.conftest import post_form, read, sign_in

PASSWORD = "worked-example-finance"
CONFIG = {
    "budget": "2000",
    "price_mode": "fixed",
    "unit_price": "10.00",
    "growth_cap": "0.10",
    "risk_fund": "100",
    "prepay_ratio": "0.80",
    "instalments": "4",
    "basic_share": "0.40",
}
# RULES.md: purchased, entitlement, final, prepaid, balance.
GOLDEN = {
    "HY01": ("90.00", "900.00", "900.00", "800.00", "+100.00"),
    "HY02": ("75.00", "750.00", "750.00", "800.00", "-50.00"),
}


def cells(page: str, code: str) -> list[str]:
    """The numbers of an institution's row on the settlement page, in order."""
    match = re.search(rf'<tr data-code="{code}">(.*?)</tr>', page, re.S)
    assert match, f"no row of {code}"
    numbers = re.findall(r'<td class="num">(.*?)</td>', match.group(1), re.S)
    return [re.sub(r"<[^>]+>|\s", "", n) for n in numbers]


def finance_client(client: FlaskClient, runner: FlaskCliRunner) -> FlaskClient:
    created = runner.invoke(
        args=["users", "create", "fin", "--role", "finance", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0, created.output
    sign_in(client, "fin", PASSWORD)
    return client


def test_the_worked_example_settled_through_the_pages(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)  # the auditor's part: D = 25.00 of HY01's HTN
    web = finance_client(client, runner)

    assert post_form(web, "/finance/configure?year=2018", CONFIG).status_code == 302
    baseline = post_form(web, "/finance/configure/baselines?year=2018", {"baseline-HY01": "50.00"})
    assert baseline.status_code == 302
    run = post_form(web, "/finance/prepayments/run?year=2018", {"as_of": "2018-10-01"})
    assert "本次支付 8 笔分期，合计 1,600.00 元" in run.get_data(as_text=True)

    preview = web.get("/finance/settlement?year=2018&as_of=2019-01-15").get_data(as_text=True)
    for code, (purchased, entitlement, final, prepaid, balance) in GOLDEN.items():
        assert cells(preview, code)[3:8] == [purchased, entitlement, final, prepaid, balance]

    started = post_form(web, "/finance/settlement/confirm?year=2018", {"as_of": "2019-01-15"})
    settled = web.get(started.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "结算完成" in settled
    for code, (purchased, entitlement, final, prepaid, balance) in GOLDEN.items():
        assert cells(settled, code)[3:8] == [purchased, entitlement, final, prepaid, balance]
    assert "应补付 / 应收回" in settled and "100.00" in settled and "50.00" in settled

    stored = read(
        app,
        lambda s: {
            code: (x.purchased, x.entitlement, x.final, x.prepaid, x.balance)
            for code, x in s.execute(
                select(Institution.code, Settlement).join(
                    Settlement, Settlement.institution_id == Institution.id
                )
            )
        },
    )
    assert stored == {
        "HY01": (9000, 90000, 90000, 80000, 10000),
        "HY02": (7500, 75000, 75000, 80000, -5000),
    }
    assert read(app, lambda s: s.get(YearSettlement, 2018).risk_fund_draw) == 0
    assert post_form(web, "/finance/ledger/verify").status_code == 303  # 核对台账
    ledger = web.get("/finance/ledger?year=2018").get_data(as_text=True)
    assert "核对通过" in ledger
    home = web.get("/finance/?year=2018").get_data(as_text=True)
    assert "已结算" in home and "50.00" in home  # HY02's debt is carried


def test_the_budget_variant_draws_the_risk_fund_through_the_pages(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)
    web = finance_client(client, runner)
    variant = {**CONFIG, "budget": "1600", "risk_fund": "30"}
    assert post_form(web, "/finance/configure?year=2018", variant).status_code == 302
    post_form(web, "/finance/configure/baselines?year=2018", {"baseline-HY01": "50.00"})
    preview = web.get("/finance/settlement?year=2018&as_of=2019-01-15").get_data(as_text=True)
    assert [cells(preview, code)[5] for code in GOLDEN] == ["889.09", "740.91"]
    assert re.search(r"动用风险金</div><div class=\"value\">30.00", preview)
