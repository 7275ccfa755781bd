"""RULES.md's worked example, R16–R19, through the command line (golden)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from tests.api.test_money_cli import fails
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import audit_htn, configure_2018, run


@pytest.fixture
def settled(runner: FlaskCliRunner, tmp_path: Path) -> FlaskCliRunner:
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner)
    run(runner, "prepay", "run", "--as-of", "2018-12-31")
    run(runner, "settle", "2018", "--as-of", "2019-01-15")
    return runner


def assess(runner: FlaskCliRunner, code: str, *, score: str, surplus: str) -> None:
    run(
        runner,
        "assess",
        "set",
        "2018",
        "--institution",
        code,
        "--score",
        score,
        "--surplus",
        surplus,
    )


def bonus_of(runner: FlaskCliRunner, code: str) -> dict[str, object]:
    document = run(runner, "bonus", "2018", "--institution", code, "--json")
    [institution] = document["institutions"]
    return institution  # type: ignore[no-any-return]


def test_bonus_of_the_worked_example(settled: FlaskCliRunner) -> None:
    assess(settled, "HY01", score="962.50", surplus="300000")
    assess(settled, "HY02", score="949.99", surplus="300000")
    hy01 = bonus_of(settled, "HY01")
    assert (hy01["score"], hy01["cap"], hy01["pool"]) == ("962.50", "150000.00", "150000.00")
    assert hy01["staff"] == [
        {"code": "S1", "weight": "55.00", "amount": "86842.11"},
        {"code": "S2", "weight": "40.00", "amount": "63157.89"},
    ]
    hy02 = bonus_of(settled, "HY02")
    assert (hy02["cap"], hy02["pool"], hy02["qualifies"]) == ("0.00", "0.00", False)
    assert all(s["amount"] == "0.00" for s in hy02["staff"])  # type: ignore[union-attr]


def test_exactly_950_qualifies_and_a_loss_gives_nothing(settled: FlaskCliRunner) -> None:
    assess(settled, "HY01", score="950.00", surplus="0.03")
    assert bonus_of(settled, "HY01")["cap"] == "0.02"  # round(0.015) half up
    assess(settled, "HY01", score="999", surplus="-5000")
    assert bonus_of(settled, "HY01")["cap"] == "0.00"


def test_a_centre_lowers_its_pool_but_never_raises_it(settled: FlaskCliRunner) -> None:
    assess(settled, "HY01", score="962.50", surplus="300000")
    run(settled, "bonus", "pool", "2018", "--institution", "HY01", "--amount", "95000")
    hy01 = bonus_of(settled, "HY01")
    assert hy01["pool"] == "95000.00"
    assert [s["amount"] for s in hy01["staff"]] == ["55000.00", "40000.00"]  # type: ignore[union-attr]
    message = fails(
        settled, "bonus", "pool", "2018", "--institution", "HY01", "--amount", "150000.01"
    )
    assert "between 0.00 and the cap 150000.00" in message


def test_pay_sheet_splits_four_to_six_and_lists_the_bonus_apart(settled: FlaskCliRunner) -> None:
    assess(settled, "HY01", score="962.50", surplus="300000")
    sheet = run(
        settled, "paysheet", "2018", "--institution", "HY01", "--performance-pay", "9500", "--json"
    )
    assert (sheet["basic"], sheet["incentive"], sheet["efficiency_bonus"]) == (
        "3800.00",
        "5700.00",
        "150000.00",
    )
    assert sheet["staff"] == [
        {"code": "S1", "incentive": "3300.00", "efficiency_bonus": "86842.11"},
        {"code": "S2", "incentive": "2400.00", "efficiency_bonus": "63157.89"},
    ]


def test_indicators_make_the_score(settled: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "indicators.csv"
    path.write_text(
        "indicator,name,max_points,institution_code,points\n"
        "Q,服务质量,600,HY01,580.00\nQ,服务质量,600,HY02,500\n"
        "E,居民满意度,400,HY01,382.50\nE,居民满意度,400,HY02,300\n",
        encoding="utf-8",
    )
    run(settled, "assess", "indicators", "load", str(path), "--year", "2018")
    run(settled, "assess", "set", "2018", "--institution", "HY01", "--surplus", "300000")
    assert bonus_of(settled, "HY01")["score"] == "962.50"
    path.write_text(
        "indicator,name,max_points,institution_code,points\nQ,质量,600,HY01,601\nE,满意度,300,HY01,1\n",
        encoding="utf-8",
    )
    message = fails(settled, "assess", "indicators", "load", str(path), "--year", "2018")
    assert "points 601.00 above the maximum 600.00 of Q" in message
    assert "maximum points add up to 900.00, not 1000.00" in message


def test_assessments_wait_for_settlement(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    message = fails(
        runner, "assess", "set", "2018", "--institution", "HY01", "--score", "990", "--surplus", "1"
    )
    assert "year 2018 is not settled yet" in message
    assert "not settled yet" in fails(runner, "bonus", "2018")


def test_no_staff_units_is_said_not_divided_by(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    (tmp_path / "more.csv").write_text(
        "code,name\nHY03,望海街道社区卫生服务中心\n", encoding="utf-8"
    )
    (tmp_path / "more-staff.csv").write_text(
        "code,institution_code,name\nS9,HY03,赵医生\n", encoding="utf-8"
    )
    run(runner, "institutions", "load", str(tmp_path / "more.csv"))
    run(runner, "staff", "load", str(tmp_path / "more-staff.csv"))
    audit_htn(runner)
    configure_2018(runner)
    run(runner, "settle", "2018", "--as-of", "2019-01-15")
    assess(runner, "HY03", score="990", surplus="1000")
    hy03 = bonus_of(runner, "HY03")
    assert hy03["cap"] == "500.00"
    assert (
        hy03["note"]
        == "no staff member has verified units this year: the pool cannot be split (R18)"
    )
    message = fails(runner, "paysheet", "2018", "--institution", "HY03", "--performance-pay", "100")
    assert "no staff member has verified units" in message
