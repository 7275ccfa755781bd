"""The centre's money: instalments received and due (overdue flagged), settlement, open debt."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskCliRunner

from tests.web.conftest import SignIn


def run(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return str(result.output)


def _statuses(html: str) -> list[str]:
    table = html[html.index('id="instalments"') :]
    table = table[: table.index("</tbody>")]
    return re.findall(r'<span class="badge[^"]*">([^<]+)</span>', table)


def test_the_centre_sees_its_instalments_and_the_overdue_ones(
    signed_in: SignIn, runner: FlaskCliRunner, county: Any
) -> None:
    browser = signed_in("hy01")
    assert 'href="/centre/money"' in browser.get("/centre/").get_data(as_text=True)
    before = browser.get("/centre/money?year=2018").get_data(as_text=True)
    assert _statuses(before) == ["逾期未付"] * 4  # 2018's four quarters, none paid
    assert 'id="overdue"' in before and "有 4 期预付已过到期日仍未支付" in before

    run(runner, "prepay", "run", "--as-of", "2018-06-30")
    page = browser.get("/centre/money?year=2018").get_data(as_text=True)
    assert _statuses(page) == ["已收到", "已收到", "逾期未付", "逾期未付"]
    schedule = run(runner, "prepay", "schedule", "--year", "2018", "--json")
    import json

    mine = [i for i in json.loads(schedule)["instalments"] if i["institution"] == "HY01"]
    received = sum(int(i["gross"].replace(".", "")) for i in mine[:2])
    from haiyan_comp.web.layout import amount

    assert amount(received) in page[page.index('id="received"') :][:400]
    assert "HY02" not in page and "卫生院" in page


def test_after_settlement_the_centre_sees_its_final_amount(
    signed_in: SignIn, runner: FlaskCliRunner, county: Any
) -> None:
    run(runner, "prepay", "run", "--as-of", "2018-12-31")
    settled = json_of(run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json"))
    line = next(i for i in settled["institutions"] if i["code"] == "HY01")
    browser = signed_in("hy01")
    page = browser.get("/centre/money?year=2018").get_data(as_text=True)
    from haiyan_comp.web.layout import decimal_text

    final = page[page.index('id="final"') :][:400]
    assert decimal_text(line["final"]) in final and "2019-01-15" in final
    assert decimal_text(line["balance"].lstrip("-")) in page[page.index('id="balance"') :][:500]
    assert 'id="overdue"' not in page and "逾期" not in page
    debt = page[page.index('id="debt"') :][:400]
    if line["balance"].startswith("-"):
        assert decimal_text(line["balance"].lstrip("-")) in debt
    home = browser.get("/centre/?year=2018").get_data(as_text=True)
    assert "预计购买金额" not in home
    assert "结算金额" in home and decimal_text(line["final"]) in home


def test_a_year_not_configured_says_so(signed_in: SignIn) -> None:
    page = signed_in("hy01").get("/centre/money?year=2030")
    assert page.status_code == 200
    assert "2030 年度尚未由财政部门配置" in page.get_data(as_text=True)


def json_of(text: str) -> Any:
    import json

    return json.loads(text)
