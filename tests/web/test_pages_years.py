"""Year on year: finance sees every institution and the county against the previous year,
a centre its own; units per category and settled money."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask.testing import FlaskCliRunner

from haiyan_comp.web.layout import amount
from tests.web.conftest import SignIn

CATALOGUE = Path(__file__).parents[2] / "catalog" / "haiyan-2018.yaml"


def run(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def _with_2017(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """A year before the demo's: HY01 recorded 10 bed-days (70 units), HY02 one visit (1)."""
    run(runner, "catalog", "load", str(CATALOGUE), "--year", "2017")
    records = tmp_path / "2017.csv"
    records.write_text(
        "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
        "Y2017-1,HY01,HY01S001,IP_BED,2017-07-01,,10\n"
        "Y2017-2,HY02,HY02S001,OP,2017-03-01,,1\n",
        encoding="utf-8",
    )
    run(runner, "records", "import", str(records), "--as-of", "2018-01-10")


def _units(runner: FlaskCliRunner, year: int) -> dict[str, dict[str, str]]:
    document = json.loads(run(runner, "units", "--year", str(year), "--json"))
    return {i["code"]: i for i in document["institutions"]}


def _row(page: str, marker: str) -> str:
    match = re.search(rf"<tr {marker}>(.*?)</tr>", page, re.S)
    assert match, marker
    return match.group(1)


def test_finance_compares_each_institution_and_the_county_with_the_year_before(
    signed_in: SignIn, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _with_2017(runner, tmp_path)
    page = signed_in("finance").get("/finance/years?year=2018").get_data(as_text=True)
    assert "2018 年度各机构与 2017 年度对比" in page
    hy01 = _row(page, 'data-code="HY01"')
    assert "70.00" in hy01  # 2017's basic-medical units of HY01
    county_2017 = _row(page, 'data-year="2017"')
    assert "71.00" in county_2017 and "2" in county_2017
    county_2018 = _row(page, 'data-year="2018"')
    assert "%" in county_2018 and "未结算" in county_2018
    assert 'id="county-growth"' in page and "全县毛当量 2017—2018 年" in page
    units = _units(runner, 2018)
    gross = sum(int(u["gross"].replace(".", "")) for u in units.values())
    assert amount(gross) in county_2018


def test_settled_money_is_compared_too(signed_in: SignIn, runner: FlaskCliRunner) -> None:
    run(runner, "prepay", "run", "--as-of", "2018-12-31")
    settled = json.loads(run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json"))
    page = signed_in("finance").get("/finance/years?year=2018").get_data(as_text=True)
    hy01 = next(i for i in settled["institutions"] if i["code"] == "HY01")
    from haiyan_comp.web.layout import decimal_text

    assert decimal_text(hy01["final"]) in _row(page, 'data-code="HY01"')
    assert "未结算" not in _row(page, 'data-year="2018"')


def test_a_centre_sees_only_its_own_years(
    signed_in: SignIn, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _with_2017(runner, tmp_path)
    browser = signed_in("hy01")
    assert 'href="/centre/years"' in browser.get("/centre/").get_data(as_text=True)
    page = browser.get("/centre/years").get_data(as_text=True)
    assert "70.00" in _row(page, 'data-year="2017"')
    assert "HY02" not in page and 'data-code="' not in page
    ours = _units(runner, 2018)["HY01"]["gross"]
    from haiyan_comp.web.layout import decimal_text

    assert decimal_text(ours) in _row(page, 'data-year="2018"')
    assert browser.get("/finance/years").status_code == 403
