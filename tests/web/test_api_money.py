"""Years, prepayments, settlement and the ledger through /api/v1 (finance only for money)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner

from tests.web.test_api_helpers import call, cli_json, money_fields_are_strings, token

CONFIG_2019 = {
    "budget": "2000000",
    "unit_price": "10.00",
    "growth_cap": "0.10",
    "risk_fund": "50000.5",
    "prepay_ratio": "0.80",
    "instalments": 4,
}


def test_a_year_is_read_and_configured(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    year = call(client, "GET", "/years/2018", finance)
    assert year["unit_price"] == "10.00" and year["instalments"] == 4 and not year["settled"]
    assert money_fields_are_strings(year, ("budget", "risk_fund")) == 2
    assert call(client, "GET", "/years/2018", token(runner, "centre", "HY01"))["year"] == 2018
    call(client, "GET", "/years/2030", finance, 404)

    made = call(client, "PUT", "/years/2019", finance, json=CONFIG_2019)
    assert (made["budget"], made["risk_fund"], made["growth_cap"]) == (
        "2000000.00",
        "50000.50",
        "0.1000",
    )
    assert made["prepay_ratio"] == "0.8000" and made["basic_share"] == "0.4000"
    assert made["updated_by"].startswith("token:hy_")
    assert call(client, "GET", "/years/2019", finance)["budget"] == "2000000.00"
    floating = call(client, "PUT", "/years/2019", finance,
                    json={**CONFIG_2019, "unit_price": "floating"})  # fmt: skip
    assert floating["unit_price"] == "floating"


def test_year_input_is_validated_like_the_cli(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    as_float = call(client, "PUT", "/years/2019", finance, 422,
                    json={**CONFIG_2019, "budget": 2000.5})  # fmt: skip
    assert "budget" in as_float["details"]["json"]
    missing = call(client, "PUT", "/years/2019", finance, 422, json={"budget": "1"})
    assert {"unit_price", "prepay_ratio", "instalments"} <= set(missing["details"]["json"])
    too_many = call(client, "PUT", "/years/2019", finance, 422,
                    json={**CONFIG_2019, "budget": "1.001"})  # fmt: skip
    assert "2 decimal places" in too_many["details"]["json"]["budget"][0]
    rule = call(client, "PUT", "/years/2019", finance, 422,
                json={**CONFIG_2019, "instalments": 5})  # fmt: skip
    assert rule["error"] == "invalid_input" and "instalments" in rule["message"]
    call(client, "PUT", "/years/2019", token(runner, "auditor"), 403, json=CONFIG_2019)
    call(client, "PUT", "/years/2019", token(runner, "centre", "HY01"), 403, json=CONFIG_2019)


def test_baselines_and_prepayment_plans(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    set_ = call(client, "PUT", "/years/2018/baselines/HY01", finance,
                json={"basic_medical_units": "1234.5"})  # fmt: skip
    assert set_ == {"year": 2018, "institution": "HY01", "basic_medical_units": "1234.50"}
    call(client, "PUT", "/years/2018/baselines/HY99", finance, 404,
         json={"basic_medical_units": "1"})  # fmt: skip
    plan = call(client, "PUT", "/years/2018/prepayment-plans/HY02", finance, json={"weight": "2"})
    assert plan == {"year": 2018, "institution": "HY02", "weight": "2.00", "total": None}
    both = call(client, "PUT", "/years/2018/prepayment-plans/HY02", finance, 422,
                json={"weight": "2", "total": "5"})  # fmt: skip
    assert "either" in both["message"]


def test_prepayments_run_and_schedule_equal_the_cli(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    before = call(client, "GET", "/years/2018/prepayments", finance)
    assert before == cli_json(runner, "prepay", "schedule", "--year", "2018")
    assert not any(i["paid"] for i in before["instalments"])

    call(client, "POST", "/prepayments/run", token(runner, "auditor"), 403,
         json={"as_of": "2018-04-01"})  # fmt: skip
    paid = call(client, "POST", "/prepayments/run", finance, json={"as_of": "2018-04-01"})
    assert paid["as_of"] == "2018-04-01"
    assert {(i["institution"], i["number"]) for i in paid["instalments"]} == {
        (f"HY0{n}", k) for n in range(1, 10) for k in (1, 2)
    }
    assert money_fields_are_strings(paid, ("gross", "offset", "cash")) == 3 * 18
    again = call(client, "POST", "/prepayments/run", finance, json={"as_of": "2018-04-01"})
    assert again["instalments"] == []
    after = call(client, "GET", "/years/2018/prepayments", finance)
    assert after == cli_json(runner, "prepay", "schedule", "--year", "2018")

    mine = call(client, "GET", "/years/2018/prepayments", token(runner, "centre", "HY03"))
    assert {i["institution"] for i in mine["instalments"]} == {"HY03"}
    call(client, "POST", "/prepayments/run", finance, 422, json={"as_of": "2018-13-01"})


def test_settlement_preview_settle_and_409(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    call(client, "POST", "/prepayments/run", finance, json={"as_of": "2018-12-31"})
    call(client, "GET", "/years/2018/settlement", finance, 404)
    preview = call(client, "GET", "/years/2018/settlement/preview?as_of=2019-01-15", finance)
    cli_preview = cli_json(runner, "settle", "2018", "--as-of", "2019-01-15", "--dry-run")
    assert preview == cli_preview and preview["dry_run"] is True
    money = ("budget", "risk_fund_draw", "final", "prepaid", "balance", "entitlement", "purchased")
    assert money_fields_are_strings(preview, money) == 2 + 5 * 9

    early = call(client, "POST", "/years/2018/settlement", finance, 409,
                 json={"as_of": "2018-12-31"})  # fmt: skip
    assert "2019-01-01" in early["message"]
    for role in ("auditor", "platform"):
        call(client, "POST", "/years/2018/settlement", token(runner, role), 403,
             json={"as_of": "2019-01-15"})  # fmt: skip
        call(client, "GET", "/years/2018/settlement/preview?as_of=2019-01-15",
             token(runner, role), 403)  # fmt: skip

    settled = call(client, "POST", "/years/2018/settlement", finance, json={"as_of": "2019-01-15"})
    assert settled == {**preview, "dry_run": False}
    again = call(client, "POST", "/years/2018/settlement", finance, 409,
                 json={"as_of": "2019-01-15"})  # fmt: skip
    assert again["error"] == "conflict" and "already settled" in again["message"]
    call(client, "GET", "/years/2018/settlement/preview?as_of=2019-01-15", finance, 409)

    stored = call(client, "GET", "/years/2018/settlement", finance)
    assert stored["institutions"] == settled["institutions"]
    assert stored["settled_by"].startswith("token:") and stored["unit_price"] == "10.00"
    mine = call(client, "GET", "/years/2018/settlement", token(runner, "centre", "HY05"))
    assert [i["code"] for i in mine["institutions"]] == ["HY05"]
    assert call(client, "GET", "/years/2018", finance)["settled"] is True
    changed = call(client, "PUT", "/years/2018", finance, 409, json=CONFIG_2019)
    assert changed["error"] == "year_settled"


def test_the_ledger_is_finance_only(
    client: FlaskClient, runner: FlaskCliRunner, county: dict[str, Any]
) -> None:
    finance = token(runner, "finance")
    call(client, "POST", "/prepayments/run", finance, json={"as_of": "2018-01-01"})
    ledger = call(client, "GET", "/ledger?year=2018&institution=HY01", finance)
    assert [e["institution"] for e in ledger["entries"]] == ["HY01"]
    assert money_fields_are_strings(ledger, ("amount",)) == 1
    cli_entries = cli_json(runner, "ledger", "--year", "2018", "--institution", "HY01")["entries"]
    assert [e["amount"] for e in ledger["entries"]] == [e["amount"] for e in cli_entries]
    for role in ("auditor", "platform"):
        call(client, "GET", "/ledger", token(runner, role), 403)
    call(client, "GET", "/ledger", token(runner, "centre", "HY01"), 403)
