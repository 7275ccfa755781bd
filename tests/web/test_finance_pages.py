"""The finance officer's pages: figures equal the services', forms refuse bad input
whole, payments and settlement happen once, and only finance may use them."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from haiyan_comp.budget.models import ConfigChange, Instalment, YearConfig
from haiyan_comp.institutions.models import Institution
from haiyan_comp.ledger.models import LedgerEntry
from haiyan_comp.ledger.services import debt_of
from haiyan_comp.operations.budget import schedule
from haiyan_comp.settlement.models import Settlement, YearSettlement
from haiyan_comp.settlement.queries import purchased_units
from haiyan_comp.web.layout import amount, decimal_text
from tests.web.conftest import SignIn, post_form, read

GOOD_CONFIG = {
    "budget": "290000.00",
    "price_mode": "fixed",
    "unit_price": "10.00",
    "growth_cap": "0.10",
    "risk_fund": "5000000.00",
    "prepay_ratio": "0.80",
    "instalments": "4",
    "basic_share": "0.40",
}


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def row(page: str, code: str) -> str:
    """The table row of institution `code` on the settlement page."""
    match = re.search(rf'<tr data-code="{code}">(.*?)</tr>', page, re.S)
    assert match, f"no row of {code}"
    return match.group(1)


def count(app: Flask, model: Any) -> int:
    return int(read(app, lambda s: s.scalar(select(func.count()).select_from(model))))


def settle_cli(runner: FlaskCliRunner, *extra: str) -> Any:
    result = runner.invoke(args=["settle", "2018", "--as-of", "2019-01-15", "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------- the year at a glance


def test_the_year_page_shows_the_services_figures(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["prepay", "run", "--as-of", "2018-04-01"])
    page = text(signed_in("finance").get("/finance/?year=2018"))

    def figures(session: Any) -> dict[str, Any]:
        plan = schedule(session, 2018)
        units = purchased_units(session, 2018).institutions
        config = session.get(YearConfig, 2018)
        return {
            "paid": sum(i.gross for i in plan if i.paid),
            "due": sum(i.gross for i in plan if not i.paid),
            "purchased": {i.code: i.purchased for i in units},
            "price": config.unit_price,
            "budget": config.budget,
            "debts": {i.code: debt_of(session, i.code) for i in units},
        }

    expected = read(app, figures)
    assert expected["paid"] > 0 and expected["due"] > 0
    for value in (expected["budget"], expected["price"], expected["paid"], expected["due"]):
        assert amount(value) in page
    for code, purchased in expected["purchased"].items():
        line = re.search(rf"<strong>{code}</strong>.*?</tr>", page, re.S)
        assert line, code
        assert amount(purchased) in line.group(0)
        entitlement = (purchased * expected["price"] + 50) // 100  # R10: round(P × p)
        assert amount(entitlement) in line.group(0)
    assert "未结算" in page


def test_an_unconfigured_year_says_how_to_configure_it(signed_in: SignIn) -> None:
    page = text(signed_in("finance").get("/finance/?year=2030"))
    assert "尚未配置" in page and "/finance/configure?year=2030" in page


# ---------------------------------------------------------------- configure


def test_bad_configuration_names_every_field_and_stores_nothing(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("finance")
    before = read(app, lambda s: s.get(YearConfig, 2018).budget)
    changes = count(app, ConfigChange)
    bad = {**GOOD_CONFIG, "budget": "12.345", "prepay_ratio": "150%", "risk_fund": "-1"}
    response = post_form(client, "/finance/configure?year=2018", bad)
    assert response.status_code == 422
    page = text(response)
    assert re.search(r"购买预算（元）：须为最多两位小数的数.*12\.345", page)
    assert "预付比例：须大于 0 且不超过 100%，收到 150%" in page
    assert "改革风险金（元）：" in page
    assert 'value="12.345"' in page  # what was typed stays in the form
    assert read(app, lambda s: s.get(YearConfig, 2018).budget) == before
    assert count(app, ConfigChange) == changes


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("instalments", "5", "分期数：须为 1、2、3、4、6 或 12"),
        ("unit_price", "", "单价（元/当量）：必填"),
        ("unit_price", "0", "单价（元/当量）：须大于 0"),
        ("growth_cap", "0.12345", "基本医疗当量增长上限：须为最多两位小数的百分数"),
        ("prepay_ratio", "0", "预付比例：须大于 0"),
    ],
)
def test_each_bad_field_is_refused(
    app: Flask, signed_in: SignIn, field: str, value: str, message: str
) -> None:
    changes = count(app, ConfigChange)
    response = post_form(
        signed_in("finance"), "/finance/configure?year=2018", {**GOOD_CONFIG, field: value}
    )
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, ConfigChange) == changes


def test_a_good_configuration_is_stored_exactly_and_shown_in_the_trail(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("finance")
    data = {**GOOD_CONFIG, "budget": "300,000.05", "prepay_ratio": "0.75", "growth_cap": ""}
    response = post_form(client, "/finance/configure?year=2019", data)
    assert response.status_code == 302
    stored = read(app, lambda s: s.get(YearConfig, 2019))
    assert (stored.budget, stored.unit_price, stored.prepay_ratio) == (30_000_005, 1000, 7500)
    assert stored.growth_cap is None
    page = text(client.get(response.headers["Location"]))
    assert "2019 年度配置已保存" in page
    assert "300,000.05" in page and "75%" in page  # the change trail
    assert 'value="300,000.05"' in page and 'value="75%"' in page


def test_floating_price_needs_no_unit_price(app: Flask, signed_in: SignIn) -> None:
    data = {**GOOD_CONFIG, "price_mode": "floating", "unit_price": ""}
    response = post_form(signed_in("finance"), "/finance/configure?year=2019", data)
    assert response.status_code == 302
    stored = read(app, lambda s: s.get(YearConfig, 2019))
    assert (stored.price_mode, stored.unit_price) == ("floating", None)


def test_paid_instalments_fix_the_budget(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["prepay", "run", "--as-of", "2018-01-01"])
    before = read(app, lambda s: s.get(YearConfig, 2018).budget)
    response = post_form(
        signed_in("finance"),
        "/finance/configure?year=2018",
        {**GOOD_CONFIG, "budget": "1.00"},
    )
    assert response.status_code == 409
    assert "2018 年度已有已付分期，预算不能再改（它们决定预付计划）" in text(response)
    assert read(app, lambda s: s.get(YearConfig, 2018).budget) == before


def test_baselines_are_set_all_or_nothing(app: Flask, signed_in: SignIn) -> None:
    from haiyan_comp.budget.models import Baseline

    client = signed_in("finance")
    bad = post_form(
        client, "/finance/configure/baselines?year=2018",
        {"baseline-HY01": "50.00", "baseline-HY02": "abc"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "HY02：须为最多两位小数的数" in text(bad)
    assert count(app, Baseline) == 0
    good = post_form(
        client, "/finance/configure/baselines?year=2018",
        {"baseline-HY01": "50.00", "baseline-HY02": ""},
    )  # fmt: skip
    assert good.status_code == 302
    stored = read(
        app,
        lambda s: s.execute(
            select(Institution.code, Baseline.basic_medical_units).join(
                Institution, Institution.id == Baseline.institution_id
            )
        ).all(),
    )
    assert [tuple(r) for r in stored] == [("HY01", 5000)]


# ---------------------------------------------------------------- prepayments


def test_a_prepayment_run_pays_once(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("finance")
    first = post_form(client, "/finance/prepayments/run?year=2018", {"as_of": "2018-04-01"})
    assert first.status_code == 200
    page = text(first)
    paid = read(app, lambda s: s.scalars(select(Instalment)).all())
    assert len(paid) == 18  # 9 institutions × instalments of 1 Jan and 1 Apr
    assert f"本次支付 18 笔分期，合计 {amount(sum(i.gross for i in paid))} 元" in page
    assert "/documents/HY01/notice/2018-04-01.pdf" in page
    again = text(post_form(client, "/finance/prepayments/run?year=2018", {"as_of": "2018-04-01"}))
    assert "本次未支付任何款项" in again
    assert count(app, Instalment) == 18
    schedule_page = text(client.get("/finance/prepayments?year=2018"))
    # the other 18 are due in July and October 2018: long past, so flagged overdue
    assert schedule_page.count("已付 ✓") == 18 and schedule_page.count("逾期未付<") == 18


def test_a_bad_date_pays_nothing(app: Flask, signed_in: SignIn) -> None:
    response = post_form(
        signed_in("finance"), "/finance/prepayments/run?year=2018", {"as_of": "2018-13-01"}
    )
    assert response.status_code == 422
    assert "日期须为 YYYY-MM-DD" in text(response)
    assert count(app, Instalment) == 0


# ---------------------------------------------------------------- settlement


def test_the_preview_equals_settle_dry_run(signed_in: SignIn, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["prepay", "run", "--as-of", "2018-10-01"])
    expected = settle_cli(runner, "--dry-run")
    page = text(signed_in("finance").get("/finance/settlement?year=2018&as_of=2019-01-15"))
    assert "以下为预览" in page
    assert decimal_text(expected["unit_price"]) in page
    assert decimal_text(expected["risk_fund_draw"]) in page
    for inst in expected["institutions"]:
        line = row(page, inst["code"])
        for key in ("purchased", "entitlement", "final", "prepaid", "balance"):
            assert decimal_text(inst[key]).lstrip("-") in line, (inst["code"], key)


def test_confirming_settles_once_and_a_second_confirm_is_refused(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["prepay", "run", "--as-of", "2018-10-01"])
    expected = settle_cli(runner, "--dry-run")
    client = signed_in("finance")
    started = post_form(client, "/finance/settlement/confirm?year=2018", {"as_of": "2019-01-15"})
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    result = client.get(started.headers["Location"], follow_redirects=True)
    page = text(result)
    assert "结算完成" in page and "已结算" in page
    stored = read(app, lambda s: {x.institution_id: x.final for x in s.scalars(select(Settlement))})
    assert sorted(stored.values()) == sorted(
        int(i["final"].replace(".", "")) for i in expected["institutions"]
    )
    for inst in expected["institutions"]:
        assert decimal_text(inst["final"]) in row(page, inst["code"])

    entries = count(app, LedgerEntry)
    again = post_form(client, "/finance/settlement/confirm?year=2018", {"as_of": "2019-02-01"})
    assert again.status_code == 409
    assert "2018 年度已结算（" in text(again) and "不能再次结算" in text(again)
    assert "already settled" not in text(again)
    assert count(app, LedgerEntry) == entries
    assert read(app, lambda s: s.get(YearSettlement, 2018).as_of.isoformat()) == "2019-01-15"


def test_the_preview_says_why_a_year_cannot_settle_yet(signed_in: SignIn) -> None:
    page = text(signed_in("finance").get("/finance/settlement?year=2018&as_of=2018-12-31"))
    assert "暂不能结算" in page and "2019-01-01" in page
    assert "settlement/confirm" not in page


# ---------------------------------------------------------------- ledger, assessments, statements


def test_the_ledger_lists_entries_and_verifies(signed_in: SignIn, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["prepay", "run", "--as-of", "2018-10-01"])
    settle_cli(runner)
    client = signed_in("finance")
    assert "尚未核对" in text(client.get("/finance/ledger"))  # a view does not recompute
    checked = post_form(client, "/finance/ledger/verify")  # 核对台账 (the ledger's own tests)
    assert checked.status_code == 303 and checked.headers["Location"].endswith("checked=1")
    page = text(client.get("/finance/ledger?year=2018&institution=HY02"))
    assert "核对通过" in page
    assert "2018 年度第 4 期预付款" in page and "instalment" not in page  # the ledger's own tests
    assert "HY01" not in re.sub(r"<option.*?</option>", "", page)
    assert text(client.get("/finance/ledger")).count("<tr>") > 36


def test_assessments_give_the_bonus_caps(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    settle_cli(runner)
    client = signed_in("finance")
    bad = post_form(
        client, "/finance/assessments?year=2018",
        {"score-HY01": "1000.01", "surplus-HY01": "300000.00", "score-HY02": "949.99",
         "surplus-HY02": ""},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "考核得分须在 0–1000 之间" in text(bad) and "收支结余：必填" in text(bad)
    from haiyan_comp.bonus.models import Assessment

    assert count(app, Assessment) == 0
    good = post_form(
        client, "/finance/assessments?year=2018",
        {"score-HY01": "962.50", "surplus-HY01": "300000.00", "score-HY02": "949.99",
         "surplus-HY02": "80000.00"},
    )  # fmt: skip
    assert good.status_code == 302
    page = text(client.get("/finance/assessments?year=2018"))
    assert "150,000.00" in page and "达标" in page and "未达 950" in page
    assert count(app, Assessment) == 2


def test_assessments_wait_for_settlement(signed_in: SignIn) -> None:
    page = text(signed_in("finance").get("/finance/assessments?year=2018"))
    assert "尚未结算" in page and "score-HY01" not in page


def test_statements_for_every_institution_as_a_zip(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["prepay", "run", "--as-of", "2018-10-01"])
    settle_cli(runner)
    client = signed_in("finance")
    page = text(client.get("/finance/statements?year=2018"))
    assert "/documents/HY05/statement/2018.pdf" in page
    assert "/documents/HY05/notice/2018-10-01.pdf" in page
    started = post_form(client, "/finance/statements/zip?year=2018")
    assert started.status_code == 302
    result = client.get(started.headers["Location"], follow_redirects=True)
    assert "已生成 9 份结算单" in text(result)
    link = re.search(r'href="(/finance/statements/zip/[^"]+/download)"', text(result))
    assert link
    download = client.get(link.group(1))
    assert download.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    download.close()  # a server closes the file after sending it
    assert names == [f"statement-2018-HY0{n}.pdf" for n in range(1, 10)]
    assert client.get("/finance/statements/zip/../../secret_key").status_code == 404


def test_no_zip_for_an_unsettled_year(signed_in: SignIn) -> None:
    response = post_form(signed_in("finance"), "/finance/statements/zip?year=2018")
    assert response.status_code == 404


# ---------------------------------------------------------------- who may


def finance_urls(app: Flask) -> list[tuple[str, str]]:
    """Every finance page and form, with sample values for its URL variables."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("finance."):
            continue
        path = rule.rule.replace("<name>", "statements-2018-abcdefghij.zip")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            urls.append((method, path + "?year=2018"))
    return urls


@pytest.mark.parametrize("username", ["auditor", "hy01", "hy01s001", "admin"])
def test_only_finance_may_use_the_finance_pages(
    app: Flask, signed_in: SignIn, username: str
) -> None:
    client = signed_in(username)
    urls = finance_urls(app)
    assert len(urls) >= 14
    for method, url in urls:
        if method == "GET":
            response = client.get(url)
        else:
            response = post_form(client, url, {**GOOD_CONFIG, "as_of": "2018-12-31"})
        assert response.status_code == 403, (username, method, url)
    assert count(app, Instalment) == 0


def test_signed_out_people_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/finance/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
