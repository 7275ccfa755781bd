"""`haiyan explain`: the worked example's amounts explained, down to items and batches."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner

from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn, configure_2018, run


def nodes(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every node of a tree by name (item and batch names are unique within one tree)."""
    found = {tree["name"]: tree}
    for child in tree["children"]:
        found.update(nodes(child))
    return found


def explain(runner: FlaskCliRunner, code: str) -> dict[str, Any]:
    tree: dict[str, Any] = run(runner, "explain", "2018", "--institution", code, "--json")
    return tree


def test_the_worked_example_explained_before_and_after_settlement(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)
    before = {code: explain(runner, code) for code in ("HY01", "HY02")}
    run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json")
    after = {code: explain(runner, code) for code in ("HY01", "HY02")}
    assert before == {
        code: {**tree, "label": "final amount (estimate, year not settled)"}
        for code, tree in after.items()
    }
    hy01, hy02 = nodes(after["HY01"]), nodes(after["HY02"])
    assert (hy01["final"]["value"], hy02["final"]["value"]) == ("900.00", "750.00")
    assert after["HY01"]["children"][0]["name"] == "entitlement"
    assert hy01["entitlement"]["formula"] == "90.00 units × 10.00 yuan = 900.00"
    assert (hy01["purchased"]["value"], hy02["purchased"]["value"]) == ("90.00", "75.00")
    assert hy01["purchased_basic_medical"]["value"] == "55.00"
    assert hy01["growth_limit"]["formula"] == "50.00 × (1 + 10%) = 55.00, rounded to 2 places"
    assert (
        hy01["previous_basic_medical"]["label"] == "baseline basic-medical units entered for 2018"
    )
    assert "previous_basic_medical" not in hy02  # no baseline: all verified are bought
    assert hy02["purchased_basic_medical"]["value"] == "40.00"
    assert (hy01["verified_basic_medical"]["value"], hy01["verified_public_health"]["value"]) == (
        "60.00",
        "35.00",
    )
    htn = hy01["item:HTN"]
    parts = {c["name"]: c["value"] for c in htn["children"]}
    assert (htn["value"], parts) == (
        "25.00",
        {"gross": "60.00", "over_spec": "10.00", "deducted": "25.00"},
    )
    batch = next(n for name, n in hy01.items() if name.startswith("batch:"))
    assert batch["value"] == "25.00"
    assert batch["link"] == {"kind": "batch", "params": {"batch": int(batch["name"][6:])}}
    assert "× 1 failed ÷ 2 sampled = 25.00" in batch["formula"]
    assert hy01["gross"]["link"]["kind"] == "records"


def test_every_level_adds_up(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """Each category's verified units are the sum of its items; each item is gross − over-spec −
    deducted; P = P_bm + P_ph: a tree whose parts do not add up is caught here."""
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)
    for code in ("HY01", "HY02"):
        tree = nodes(explain(runner, code))
        for category in ("verified_basic_medical", "verified_public_health"):
            node = tree[category]
            assert Decimal(node["value"]) == sum(Decimal(c["value"]) for c in node["children"])
        for name, node in tree.items():
            if name.startswith("item:"):
                g, o, d = (Decimal(c["value"]) for c in node["children"])
                assert Decimal(node["value"]) == g - o - d
        purchased = tree["purchased"]
        assert Decimal(purchased["value"]) == sum(
            Decimal(c["value"]) for c in purchased["children"]
        )


def test_the_budget_variant_shares_the_budget(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner, budget="1600", fund="30")
    run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json")
    hy01, hy02 = (nodes(explain(runner, code)) for code in ("HY01", "HY02"))
    assert (hy01["final"]["value"], hy02["final"]["value"]) == ("889.09", "740.91")
    assert hy01["entitlement"]["value"] == "900.00"
    assert (hy01["risk_fund_draw"]["value"], hy01["all_entitlements"]["value"]) == (
        "30.00",
        "1650.00",
    )
    assert "1,630.00 available is shared" in hy01["final"]["formula"]


def test_refusals(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    unconfigured = runner.invoke(args=["explain", "2018", "--institution", "HY01"])
    assert unconfigured.exit_code == 1
    assert "year 2018 is not configured" in unconfigured.output
    configure_2018(runner)
    unknown = runner.invoke(args=["explain", "2018", "--institution", "NOPE"])
    assert unknown.exit_code == 1
    text = run(runner, "explain", "2018", "--institution", "HY01")
    # no audit closed yet: HTN keeps its 50.00, so HY01 would be paid 1,150.00
    assert "final amount (estimate, year not settled): 1150.00 yuan" in text
