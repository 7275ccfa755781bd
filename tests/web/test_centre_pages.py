"""The centre's pages: figures equal the services', everything scoped to its institution."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from haiyan_comp.api.schemas_finance import units_document
from haiyan_comp.bonus.models import Assessment
from haiyan_comp.bonus.services import recorded_performance_pay
from haiyan_comp.institutions.models import Institution
from haiyan_comp.records.models import ServiceRecord
from haiyan_comp.units.services import year_units
from haiyan_comp.web.layout import decimal_text
from tests.web.conftest import SignIn, post_form, read

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


def rows_of(page: str, table_id: str) -> list[str]:
    """The body rows of the table with this id, as HTML."""
    if f'id="{table_id}"' not in page:
        return []
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return ROW.findall(body)


def cells(row: str) -> list[str]:
    """The text of a row's cells."""
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def run(runner: FlaskCliRunner, *args: str, input: str | None = None) -> str:
    result = runner.invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return str(result.output)


def close_an_audit(runner: FlaskCliRunner) -> dict[str, Any]:
    """Draw 3 OP records of HY01, fail one, close the batch."""
    drawn = json.loads(
        run(
            runner,
            "audit",
            "draw",
            "--year",
            "2018",
            "--institution",
            "HY01",
            "--item",
            "OP",
            "--size",
            "3",
            "--seed",
            "web-test",
            "--json",
        )
    )
    first, *rest = drawn["sample"]
    run(runner, "audit", "verdict", str(drawn["batch"]), first, "--fail", "--reason", "无签名")
    for source_id in rest:
        run(runner, "audit", "verdict", str(drawn["batch"]), source_id, "--pass")
    closed = json.loads(run(runner, "audit", "close", str(drawn["batch"]), "--json"))
    return {**drawn, **closed, "failed_source": first}


def pool_of(app: Flask, code: str) -> int | None:
    """The chosen bonus pool of an institution's 2018 assessment."""
    row = read(
        app,
        lambda s: s.scalar(
            select(Assessment)
            .join(Institution, Institution.id == Assessment.institution_id)
            .where(Assessment.year == 2018, Institution.code == code)
        ),
    )
    assert row is not None
    return row.pool  # type: ignore[no-any-return]


def settle_and_assess(runner: FlaskCliRunner) -> None:
    run(runner, "prepay", "run", "--as-of", "2018-12-31")
    run(runner, "settle", "2018", "--as-of", "2019-01-15")
    run(runner, "assess", "set", "2018", "--institution", "HY01", "--score", "962.50",
        "--surplus", "100000.00")  # fmt: skip


def test_the_dashboard_shows_the_units_service_figures(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hy01")
    page = client.get("/centre/").get_data(as_text=True)
    units = read(app, lambda s: units_document(year_units(s, 2018, "HY01")))["institutions"][0]
    assert "2018 年度累计工作当量" in page  # the latest year with records by default
    assert decimal_text(units["gross"]) in page
    shown = {cells(r)[0].split()[0]: cells(r) for r in rows_of(page, "items")}
    assert len(shown) == len(units["items"])
    for item in units["items"]:
        row = shown[item["code"]]
        assert row[2] == f"{item['records']:,}"
        assert row[3:8] == [
            decimal_text(item[k])
            for k in ("gross", "over_spec", "purchasable", "deducted", "verified")
        ]
    assert '<svg class="chart"' in page and "2017年" in page
    assert "1,000.00" in page or "预计购买金额" in page  # price 10.00 is configured
    value = int(units["purchased"].replace(".", "")) * 10  # units × 10.00 yuan, in fen
    assert decimal_text(f"{value // 100}.{value % 100:02d}") in page


def test_the_dashboard_counts_deductions_and_takes_a_year(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    batch = close_an_audit(runner)
    client = signed_in("hy01")
    page = client.get("/centre/").get_data(as_text=True)
    row = next(cells(r) for r in rows_of(page, "items") if cells(r)[0].startswith("OP "))
    assert row[6] == decimal_text(batch["deduction"])
    empty = client.get("/centre/?year=2016").get_data(as_text=True)
    assert "2016 年度还没有服务记录" in empty


def test_records_are_paged_by_id_newest_first_and_searchable(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hy01")
    first = client.get("/centre/records").get_data(as_text=True)
    rows = rows_of(first, "records")
    assert len(rows) == 50
    newest = read(
        app,
        lambda s: list(
            s.scalars(
                select(ServiceRecord.source_id)
                .join(Institution, Institution.id == ServiceRecord.institution_id)
                .where(Institution.code == "HY01")
                .order_by(ServiceRecord.id.desc())
                .limit(100)
            )
        ),
    )
    assert [cells(r)[0] for r in rows] == newest[:50]
    next_url = re.search(r'href="([^"]+)" rel="next"', first)
    assert next_url
    second = client.get(next_url.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert [cells(r)[0] for r in rows_of(second, "records")] == newest[50:100]
    one = client.get(f"/centre/records?source_id={newest[7]}").get_data(as_text=True)
    assert [cells(r)[0] for r in rows_of(one, "records")] == [newest[7]]
    resident = cells(rows[3])[4]
    by_resident = client.get(f"/centre/records?resident_id={resident}").get_data(as_text=True)
    assert all(cells(r)[4] == resident for r in rows_of(by_resident, "records"))
    day, item, staff = (
        cells(rows[5])[1],
        cells(rows[5])[2].split()[-1],
        cells(rows[5])[3].split()[-1],
    )
    dated = client.get(f"/centre/records?from={day}&to={day}&item={item}&staff={staff}")
    found = [cells(r) for r in rows_of(dated.get_data(as_text=True), "records")]
    assert cells(rows[5]) in found
    assert all(r[1] == day and r[2].endswith(item) and r[3].endswith(staff) for r in found)
    bad = client.get("/centre/records?from=03/01/2018").get_data(as_text=True)
    assert "YYYY-MM-DD" in bad


def test_a_centre_never_sees_another_institutions_records(app: Flask, signed_in: SignIn) -> None:
    other = read(
        app,
        lambda s: s.scalar(
            select(ServiceRecord.source_id)
            .join(Institution, Institution.id == ServiceRecord.institution_id)
            .where(Institution.code == "HY02")
        ),
    )
    page = signed_in("hy01").get(f"/centre/records?source_id={other}").get_data(as_text=True)
    assert "没有符合条件的记录" in page


def test_deductions_list_closed_batches_with_failed_records_and_reasons(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    batch = close_an_audit(runner)
    page = signed_in("hy01").get("/centre/deductions").get_data(as_text=True)
    row = cells(rows_of(page, "batches")[0])
    assert row[0] == f"#{batch['batch']}" and row[6:9] == [
        "3",
        "1",
        decimal_text(batch["deduction"]),
    ]
    assert batch["failed_source"] in page and "无签名" in page
    assert signed_in("hy02").get("/centre/deductions").get_data(as_text=True).count("#1") == 0


def test_statements_list_what_the_centre_may_download(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    batch = close_an_audit(runner)
    settle_and_assess(runner)
    page = signed_in("hy01").get("/centre/statements").get_data(as_text=True)
    assert "/documents/HY01/statement/2018.pdf" in page
    assert "/documents/HY01/notice/2018-12-31.pdf" in page
    assert f"/documents/HY01/audit/{batch['batch']}.pdf" in page
    assert "/slips/" not in page  # no pay sheet yet
    other = signed_in("hy02").get("/centre/statements").get_data(as_text=True)
    assert "/audit/" not in other and "HY01" not in other


def test_bonus_waits_for_settlement_and_assessment(
    signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    client = signed_in("hy01")
    assert "尚未结算" in client.get("/centre/bonus?year=2018").get_data(as_text=True)
    run(runner, "settle", "2018", "--as-of", "2019-01-15")
    assert "尚未录入本院的考核" in client.get("/centre/bonus?year=2018").get_data(as_text=True)
    refused = post_form(client, "/centre/bonus/2018/paysheet", {"performance_pay": "100000.00"})
    assert refused.status_code == 422


def test_a_centre_chooses_its_pool_and_enters_its_pay_sheet(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    settle_and_assess(runner)
    client = signed_in("hy01")
    page = client.get("/centre/bonus?year=2018").get_data(as_text=True)
    assert "50,000.00" in page  # R17 cap: min(surplus × 50%, …) for 962.50 points
    too_much = post_form(client, "/centre/bonus/2018/pool", {"pool": "60000.00"})
    assert too_much.status_code == 422 and "上限" in too_much.get_data(as_text=True)
    assert post_form(client, "/centre/bonus/2018/pool", {"pool": "30000.00"}).status_code == 302
    assert (
        post_form(client, "/centre/bonus/2018/paysheet", {"performance_pay": "1.2.3"}).status_code
        == 422
    )
    saved = post_form(client, "/centre/bonus/2018/paysheet", {"performance_pay": "200000.00"})
    assert saved.status_code == 302
    assert pool_of(app, "HY01") == 3_000_000
    assert read(app, lambda s: recorded_performance_pay(s, 2018, "HY01")) == 20_000_000
    page = client.get("/centre/bonus?year=2018").get_data(as_text=True)
    assert "200,000.00" in page and "80,000.00" in page  # basic = 40%
    assert sum(1 for _ in rows_of(page, "paysheet")) > 1
    assert "/documents/HY01/slips/2018.pdf" in client.get("/centre/statements").get_data(
        as_text=True
    )


def test_a_centre_cannot_set_another_institutions_pool(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    settle_and_assess(runner)
    client = signed_in("hy02")
    response = post_form(client, "/centre/bonus/2018/pool", {"pool": "1.00"})
    assert response.status_code == 404  # HY02 has no assessment; HY01's is out of its reach
    assert pool_of(app, "HY01") is None


def test_centre_pages_refuse_other_roles(signed_in: SignIn) -> None:
    for user in ("finance", "auditor", "hy01s001"):
        assert signed_in(user).get("/centre/").status_code == 403


def test_the_dashboard_reads_no_service_records(app: Flask, signed_in: SignIn) -> None:
    from sqlalchemy import event

    client = signed_in("hy01")
    seen: list[str] = []
    engine = read(app, lambda s: s.get_bind().engine)

    def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        assert client.get("/centre/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert seen and not [s for s in seen if "service_records" in s]
    assert read(app, lambda s: s.scalar(select(func.count()).select_from(ServiceRecord))) > 0
