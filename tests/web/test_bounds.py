"""Out-of-range ids, years and amounts on pages and the API: 404, 400 or 422, never 500,
and nothing stored. The bounds the OpenAPI document shows are the ones enforced."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from haiyan_comp import bounds
from haiyan_comp.accounts.models import ApiToken
from haiyan_comp.bonus.models import Assessment
from haiyan_comp.budget.models import ConfigChange, YearConfig
from haiyan_comp.records.models import RecordImport
from tests.web.conftest import SignIn, post_form, read
from tests.web.test_api_helpers import API, call, token
from tests.web.test_finance_pages import GOOD_CONFIG

HUGE_AMOUNTS = ["1" * 30, "9" * 5000, "1e400", "-0", "１２３", "12.5.1", "1" + "0" * 13]
HUGE = "99999999999999999999"


def count(app: Flask, model: Any) -> int:
    return int(read(app, lambda s: s.scalar(select(func.count()).select_from(model))))


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# ---------------------------------------------------------------- ids and years in URLs


@pytest.mark.parametrize(
    ("login", "path", "status"),
    [
        ("auditor", f"/audit/batches/{HUGE}", 404),
        ("auditor", "/audit/batches/2147483648", 404),
        ("auditor", "/audit/batches/" + "9" * 5000, 404),
        ("auditor", "/audit/batches/１２", 404),
        ("auditor", f"/audit/?year={HUGE}", 400),
        ("auditor", f"/audit/flags?year=2018&limit={HUGE}", 400),
        ("auditor", "/audit/findings?year=99999", 400),
        ("hy01", "/centre/records?before=9223372036854775808", 400),
        ("hy01", "/centre/records?before=" + "9" * 5000, 400),
        ("hy01", f"/centre/bonus?year={HUGE}", 400),
        ("finance", "/documents/HY01/audit/2147483648.pdf", 404),
        ("finance", "/documents/HY01/statement/2147483648.pdf", 404),
        ("finance", "/documents/HY01/statement/99999.pdf", 404),
        ("finance", "/documents/HY01/slips/10000/HY01S001.pdf", 404),
        ("finance", f"/finance/?year={HUGE}", 400),
        ("finance", f"/finance/ledger?page={HUGE}", 400),
        ("finance", f"/finance/configure?year={HUGE}", 400),
    ],
)
def test_out_of_range_numbers_in_urls_are_not_found_or_bad(
    signed_in: SignIn, login: str, path: str, status: int
) -> None:
    response = signed_in(login).get(path)
    assert response.status_code == status, text(response)[:500]
    if status == 400:
        assert "之间的整数" in text(response)  # said in Chinese on the page


def test_the_largest_record_id_is_still_a_page(signed_in: SignIn) -> None:
    page = signed_in("hy01").get("/centre/records?before=9223372036854775807")
    assert page.status_code == 200


def test_revoking_a_token_that_cannot_exist_is_not_found(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    admin = signed_in("admin")
    for token_id in (HUGE, "2147483648", "0"):
        assert post_form(admin, f"/admin/tokens/{token_id}/revoke").status_code == 404


def test_api_ids_and_years_beyond_their_columns_are_not_found(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    for path in (
        f"/audits/{HUGE}",
        "/audits/2147483648",
        "/years/99999",
        "/years/1899",
        f"/years/{HUGE}/bonus",
        "/statements/HY01/audit/2147483648",
        "/statements/HY01/settlement/" + "9" * 5000,
    ):
        call(client, "GET", path, finance, 404)
    body = call(client, "GET", f"/records?after={2**63}", finance, 422)
    assert "after" in body["details"]["query"]


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize("budget", HUGE_AMOUNTS)
def test_api_refuses_huge_amounts_and_stores_nothing(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any], budget: str
) -> None:
    finance = token(runner, "finance")
    config = {"budget": budget, "unit_price": "10.00", "prepay_ratio": "0.80", "instalments": 4}
    body = call(client, "PUT", "/years/2019", finance, 422, json=config)
    assert "budget" in body["details"]["json"]
    call(client, "GET", "/years/2019", finance, 404)


def test_api_takes_exactly_what_its_pattern_says(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    config = {"unit_price": "10.00", "prepay_ratio": "0.80", "instalments": 4}
    spaced = call(client, "PUT", "/years/2019", finance, 422, json={**config, "budget": " 12.5 "})
    assert "digits only" in spaced["details"]["json"]["budget"][0]
    price = call(client, "PUT", "/years/2019", finance, 422,
                 json={**config, "budget": "1.00", "unit_price": "1000000.00"})  # fmt: skip
    assert "at most 6 digits" in price["details"]["json"]["unit_price"][0]
    largest = "9" * 13 + ".99"
    made = call(client, "PUT", "/years/2019", finance, json={**config, "budget": largest})
    assert made["budget"] == largest


def test_api_scores_are_bounded_before_the_service(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    for score in ("1000.01", "9" * 30, "9" * 5000):
        body = call(client, "PUT", "/years/2018/assessments/HY01", finance, 422,
                    json={"score": score, "surplus": "1.00"})  # fmt: skip
        assert "score" in body["details"]["json"]


def test_the_openapi_document_shows_the_enforced_bounds(app: Flask, county: Any) -> None:
    document = app.test_client().get(API + "/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    config = schemas["YearConfigInput"]["properties"]
    assert config["budget"]["pattern"] == bounds.AMOUNT.pattern()
    assert config["prepay_ratio"]["pattern"] == bounds.RATIO.pattern()
    assert bounds.PRICE.pattern() in config["unit_price"]["pattern"]
    assessment = schemas["AssessmentInput"]["properties"]
    assert assessment["score"]["pattern"] == bounds.SCORE.pattern()
    assert assessment["surplus"]["pattern"] == bounds.AMOUNT.pattern(signed=True)
    batch = document["paths"]["/api/v1/audits/{batch_id}"]["parameters"][0]["schema"]
    assert (batch["minimum"], batch["maximum"]) == (1, 2**31 - 1)
    year = document["paths"]["/api/v1/years/{year}"]["parameters"][0]["schema"]
    assert (year["minimum"], year["maximum"]) == (1900, 9998)


@pytest.mark.parametrize("budget", HUGE_AMOUNTS)
def test_the_configure_form_refuses_huge_amounts_in_chinese(
    app: Flask, signed_in: SignIn, budget: str
) -> None:
    changes = count(app, ConfigChange)
    stored = read(app, lambda s: s.get(YearConfig, 2018).budget)  # type: ignore[union-attr]
    response = post_form(
        signed_in("finance"), "/finance/configure?year=2018", {**GOOD_CONFIG, "budget": budget}
    )
    assert response.status_code == 422
    page = text(response)
    assert "购买预算（元）：" in page
    assert any(words in page for words in ("数值过大", "须为最多两位小数", "不能为负数"))
    if len(budget) > 100:  # what was typed stays in the form; the message quotes its start
        assert "…（共 5000 个字符）" in page
    assert count(app, ConfigChange) == changes
    assert read(app, lambda s: s.get(YearConfig, 2018).budget) == stored  # type: ignore[union-attr]


def test_the_configure_form_says_how_large_a_price_may_be(signed_in: SignIn) -> None:
    response = post_form(
        signed_in("finance"),
        "/finance/configure?year=2018",
        {**GOOD_CONFIG, "unit_price": "1" * 30},
    )
    assert response.status_code == 422
    assert "整数部分最多 6 位，最大 999999.99" in text(response)


def settle_and_assess(runner: FlaskCliRunner) -> None:
    for args in (
        ["prepay", "run", "--as-of", "2018-12-31"],
        ["settle", "2018", "--as-of", "2019-01-15"],
        ["assess", "set", "2018", "--institution", "HY01", "--score", "962.50",
         "--surplus", "100000.00"],
    ):  # fmt: skip
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("amount", HUGE_AMOUNTS)
def test_the_centre_bonus_forms_refuse_huge_amounts(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner, amount: str
) -> None:
    settle_and_assess(runner)
    client = signed_in("hy01")
    pool = post_form(client, "/centre/bonus/2018/pool", {"pool": amount})
    assert pool.status_code == 422
    assert "奖励总额：" in text(pool) and "must" not in text(pool)
    sheet = post_form(client, "/centre/bonus/2018/paysheet", {"performance_pay": amount})
    assert sheet.status_code == 422
    assessment = read(app, lambda s: s.scalars(select(Assessment)).one())
    assert assessment.pool is None


def test_the_assessment_form_keeps_the_rules_words_for_a_huge_score(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["settle", "2018", "--as-of", "2019-01-15"])
    assert result.exit_code == 0, result.output
    response = post_form(
        signed_in("finance"),
        "/finance/assessments?year=2018",
        {"score-HY01": "9" * 5000, "surplus-HY01": "1" * 30},
    )
    assert response.status_code == 422
    assert "考核得分须在 0–1000 之间（R16）" in text(response)
    assert "数值过大" in text(response)
    assert count(app, Assessment) == 0


# ---------------------------------------------------------------- upload names


HEADER = "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
ROW = "BOUND-1,HY01,HY01S001,OP,2018-05-02,R-B1,1\n"


def stored_names(app: Flask) -> list[str]:
    return list(read(app, lambda s: list(s.scalars(select(RecordImport.filename)))))


def test_a_page_upload_named_with_control_characters_is_kept_without_them(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("hy01")
    data = {"file": (io.BytesIO((HEADER + ROW).encode()), "re\x00cords\x1b\x7f.csv")}
    response = post_form(client, "/centre/upload", data, content_type="multipart/form-data")
    assert response.status_code == 302
    report = client.get(client.get(response.headers["Location"]).headers["Location"])
    assert report.status_code == 200
    assert "records.csv" in stored_names(app)


def test_an_api_upload_named_with_control_characters_is_kept_without_them(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    centre = token(runner, "centre", "HY01")
    data = {"file": (io.BytesIO((HEADER + ROW).encode()), "api\x00\x01.csv")}
    body = call(client, "POST", "/records", centre, data=data, content_type="multipart/form-data")
    assert body["imported"] == 1
    assert "api.csv" in stored_names(app)


def test_a_nul_in_a_page_form_or_query_is_refused_whole(app: Flask, signed_in: SignIn) -> None:
    auditor = signed_in("auditor")
    response = auditor.get("/audit/findings?year=2018&institution=HY%00")
    assert response.status_code == 400 and "空字符" in text(response)
    tokens = count(app, ApiToken)
    admin = signed_in("admin")
    refused = post_form(admin, "/admin/tokens", {"name": "a\x00b", "role": "platform"})
    assert refused.status_code == 400 and "空字符" in text(refused)
    assert count(app, ApiToken) == tokens
