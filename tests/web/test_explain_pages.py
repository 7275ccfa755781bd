"""The 怎么算的 page and GET /api/v1/years/<y>/explain/<k>: the statement's numbers, in
Chinese, scoped to what the signed-in user may see."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from haiyan_comp.money import format_hundredths as fmt
from haiyan_comp.operations.explain import Node, explanation
from haiyan_comp.operations.statements import settlement_statement
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn, configure_2018, run
from tests.web.conftest import sign_in

PASSWORD = "explain-test-password-1"


def settled_example(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)
    run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json")
    for name, role, institution in (("fin", "finance", None), ("c2", "centre", "HY02")):
        extra = ["--institution", institution] if institution else []
        created = runner.invoke(
            args=["users", "create", name, "--role", role, *extra, "--password-stdin"],
            input=PASSWORD + "\n",
        )
        assert created.exit_code == 0, created.output


def values(tree: Node) -> dict[str, str]:
    return {node.name: node.value for node in tree.walk()}


def test_the_explanation_is_the_statement(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """Every figure the explanation shares with the settlement statement is the same figure."""
    settled_example(runner, tmp_path)
    with app.app_context():
        for code in ("HY01", "HY02"):
            statement = settlement_statement(2018, code, "海盐县", datetime.now(UTC))
            tree = values(explanation(2018, code))
            shared = {
                "final": statement.final,
                "entitlement": statement.entitlement,
                "purchased": statement.purchased,
                "purchased_basic_medical": statement.purchased_basic_medical,
                "verified_basic_medical": statement.verified_basic_medical,
                "verified_public_health": statement.verified_public_health,
            }
            assert {name: tree[name] for name in shared} == {
                name: fmt(v) for name, v in shared.items()
            }
            for item in statement.items:
                assert tree[f"item:{item.code}"] == fmt(item.verified)


def test_the_page_in_chinese_and_its_links(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    settled_example(runner, tmp_path)
    sign_in(client, "fin", PASSWORD)
    page = client.get("/explain/2018/HY01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    assert "最终金额" in text and "900.00 元" in text
    assert "50.00 × (1 + 10%) = 55.00" in text
    assert "核定基本医疗当量" in text and "审计批次 #" in text
    assert not re.search(r"\bR\d+\b|V_bm|P_bm", text)
    assert re.search(r'href="/documents/[^"]*audit[^"]*"', html), "a batch opens its report"


def test_a_centre_sees_only_its_own(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    settled_example(runner, tmp_path)
    sign_in(client, "c2", PASSWORD)
    assert client.get("/explain/2018/HY01").status_code == 404
    assert client.get("/api/v1/years/2018/explain/HY01").status_code == 404
    own = client.get("/api/v1/years/2018/explain/HY02")
    assert own.status_code == 200
    assert own.get_json()["value"] == "750.00"
    page = client.get("/explain/2018/HY02").get_data(as_text=True)
    assert "750.00 元" in page
    assert client.get("/explain/2017/HY02").status_code == 404  # not configured


def test_the_api_answers_as_the_command_line(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    settled_example(runner, tmp_path)
    sign_in(client, "fin", PASSWORD)
    answer = client.get("/api/v1/years/2018/explain/HY01")
    assert answer.status_code == 200
    assert answer.get_json() == run(runner, "explain", "2018", "--institution", "HY01", "--json")
