"""Year to year on the configure page (issue 15 §6): 从上年复制, and where each figure comes from.

The demo county's years (2016–2018 settled, 2019 open) in the test's transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.web.conftest import csrf_token, post_form, sign_in


@pytest.fixture
def finance(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FlaskClient:
    """A finance officer signed in on the demo county's years."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    args = ["demo", "--since", "2016", "--year", "2019", "--records", "1500"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    client = app.test_client()
    sign_in(client, "finance")
    return client


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return str(response.get_data(as_text=True))


def test_the_open_year_says_where_its_figures_come_from(finance: FlaskClient) -> None:
    text = page(finance, "/finance/configure?year=2019")
    assert "复制自 2018 年度" in text
    assert "2018 年度结算时各机构购买的基本医疗当量（自动采用，无需录入）" in text
    assert "按 2018 年度各机构的结算金额分配（上年已在系统中结算）" in text
    assert "configure/copy" not in text  # nothing left to copy: no 从上年复制
    first = page(finance, "/finance/configure?year=2016")
    assert "本年录入的基数（9 家机构）" in first
    assert "按本年录入的权重分配" in first


def test_a_new_year_starts_from_the_previous_one(finance: FlaskClient, app: Flask) -> None:
    before = page(finance, "/finance/configure?year=2020")
    assert "从上年复制" in before and "尚未配置" in before
    assert "复制 2019 年度的配置、服务项目目录" in before
    response = post_form(finance, "/finance/configure/copy?year=2020")
    assert response.status_code == 302
    after = page(finance, "/finance/configure?year=2020")
    assert "已从 2019 年度复制年度配置、服务项目目录（53 项），请按本年情况修改。" in after
    assert "复制自 2019 年度" in after and "53 项" in after
    assert "复制自年度" in after and "复制的服务项目（项）" in after  # the trail, in words
    # copied, then edited: the form holds 2019's figures and saves as any configuration
    again = post_form(finance, "/finance/configure/copy?year=2020", follow_redirects=True)
    assert "已有配置和服务项目目录，未复制任何内容" in again.get_data(as_text=True)


def test_a_settled_year_offers_no_copy(finance: FlaskClient) -> None:
    text = page(finance, "/finance/configure?year=2018")
    assert "configure/copy" not in text
    response = post_form(finance, "/finance/configure/copy?year=2018", follow_redirects=True)
    assert "2018 年度已" in response.get_data(as_text=True)  # settled: nothing copied


def test_the_copy_is_the_finance_officers_alone(app: Flask, finance: Any) -> None:
    auditor = app.test_client()
    sign_in(auditor, "auditor")
    assert post_form(auditor, "/finance/configure/copy?year=2020").status_code == 403


def test_the_api_copies_a_year_as_the_command_does(finance: FlaskClient) -> None:
    headers = {"X-CSRFToken": csrf_token(finance)}  # signed in by the session cookie
    response = finance.post("/api/v1/years/2020/copy", json={}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"year": 2020, "from": 2019, "configuration": True, "items": 53}
    again = finance.post("/api/v1/years/2020/copy", json={"from": 2019}, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]


def test_a_settled_years_trail_reads_in_words(finance: FlaskClient) -> None:
    """The assessments, bonus pools, pay sheets and prepayment weights the demo's years
    entered are in the configure page's trail in words, with amounts in yuan."""
    text = page(finance, "/finance/configure?year=2017")
    for words in ("考核得分", "收支结余（元）", "效益奖励池（元）", "绩效工资总额（元）"):
        assert words in text
    for english in ("score ", "surplus", "pay sheet", "bonus pool"):
        assert english not in text
    first = page(finance, "/finance/configure?year=2016")
    assert "预付权重" in first and "weight" not in first
