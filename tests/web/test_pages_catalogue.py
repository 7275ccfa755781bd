"""The catalogue page: every role reads a year's items, their rules and what changed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskCliRunner

from tests.web.conftest import SignIn

CATALOGUE = Path(__file__).parents[2] / "catalog" / "haiyan-2018.yaml"


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr id="item-{code}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {code}"
    return match.group(1)


@pytest.mark.parametrize("login", ["finance", "auditor", "hy01", "hy01s001", "admin"])
def test_every_role_reads_the_catalogue_with_chinese_units(signed_in: SignIn, login: str) -> None:
    browser = signed_in(login)
    home = browser.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/catalogue"' in home  # in the menu
    page = browser.get("/catalogue?year=2018")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    op = _row(html, "OP")
    assert "普通门诊诊疗" in op and "1.00" in op and "人次" in op
    assert "床日" in _row(html, "IP_BED")
    assert "不限" in op and ">4<" in _row(html, "HTN_FU").replace(" ", "")
    assert "取数标准" in op and "有据可查" in op and "浙江省卫生健康委员会" in op
    assert "本项目测算" in _row(html, "ER") and "标准工时约 24 分钟" in _row(html, "ER")
    start = html.index(">", html.index('id="catalogue"')) + 1
    table = re.sub(r"<[^>]+>", " ", html[start : html.index("</table>", start)])
    assert re.findall(r"\b[a-z]{4,}\b", table) == []  # no English words in what people read
    for english in (">visit<", ">bed-day<", ">follow-up<", ">test<"):
        assert english not in html


def test_the_catalogue_says_what_changed_since_the_year_before(
    signed_in: SignIn, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    document = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    items = document["items"]
    by_code = {item["code"]: item for item in items}
    by_code["OP"]["value"] = "0.80"  # 2017: OP was worth less
    by_code["HTN_FU"]["cap"] = 6  # and follow-ups had a higher cap
    items.remove(by_code["FD_CONTRACT"])  # the contract is new in 2018
    items.append({**by_code["ER"], "code": "OLD_ITEM", "name": "已取消的项目"})
    for item in items:
        item["value"] = str(item["value"])
    earlier = tmp_path / "2017.yaml"
    earlier.write_text(yaml.safe_dump({"items": items}, allow_unicode=True), encoding="utf-8")
    loaded = runner.invoke(args=["catalog", "load", str(earlier), "--year", "2017"])
    assert loaded.exit_code == 0, loaded.output

    html = signed_in("hy01").get("/catalogue?year=2018").get_data(as_text=True)
    op = _row(html, "OP")
    assert "当量调整" in op and "0.80" in op and "1.00" in op
    assert "上限调整" in _row(html, "HTN_FU")
    assert "新增" in _row(html, "FD_CONTRACT")
    assert "不变" in _row(html, "ER")
    removed = html[html.index('id="removed"') :]
    assert "OLD_ITEM" in removed and "已取消的项目" in removed
    assert "新增 1 项" in html and "调整 2 项" in html and "取消 1 项" in html

    years = signed_in("finance").get("/catalogue").get_data(as_text=True)
    assert "2018 年度服务项目目录" in years and '<option value="2017"' in years


def test_a_year_without_a_catalogue_says_so(signed_in: SignIn) -> None:
    page = signed_in("auditor").get("/catalogue?year=2030")
    assert page.status_code == 200
    assert "2030 年度还没有服务项目目录" in page.get_data(as_text=True)
    assert signed_in("auditor").get("/catalogue?year=99999").status_code in (400, 404)


def test_nobody_signed_in_is_sent_to_sign_in(client: Any, county: Any) -> None:
    response = client.get("/catalogue")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
