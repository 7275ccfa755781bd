"""The command line refuses numbers beyond their bounds: a clear English message on stderr,
a non-zero exit, and nothing changed (never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haiyan_comp.budget.models import YearConfig
from tests.api.test_money_cli import CONFIGURE
from tests.api.test_worked_example import load_example

HUGE = "99999999999999999999"


def refused(runner: FlaskCliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(args=list(args))
    assert result.exit_code != 0, (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def configure(budget: str) -> list[str]:
    args = list(CONFIGURE)
    args[args.index("--budget") + 1] = budget
    return args


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("1" * 30, "budget is too large: at most 13 digits before the point and 2 after"),
        ("9" * 5000, "(5000 characters)"),
        ("1e400", "budget must be a decimal number like 12.50"),
        ("-0", "budget must not be negative"),
        ("１２３", "budget must be a decimal number like 12.50"),
        ("1" + "0" * 13, "budget is too large"),
    ],
)
def test_a_huge_budget_is_refused_and_nothing_is_configured(
    runner: FlaskCliRunner, session: Session, budget: str, message: str
) -> None:
    status, stderr = refused(runner, *configure(budget))
    assert status == 1 and message in stderr
    assert session.scalar(select(func.count()).select_from(YearConfig)) == 0


def test_the_largest_budget_is_taken(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    load_example(runner, tmp_path)
    result = runner.invoke(args=configure("9" * 13 + ".99"))
    assert result.exit_code == 0, result.output
    assert session.get(YearConfig, 2018).budget == 10**15 - 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "args",
    [
        ["units", "--year", HUGE],
        ["units", "--year", "9" * 5000],
        ["units", "--year", "1899"],
        ["settle", "99999", "--as-of", "2019-01-15"],
        ["audit", "show", HUGE],
        ["audit", "close", "2147483648"],
        ["audit", "draw", "--year", "2018", "--institution", "HY01", "--item", "OP",
         "--size", "2147483648", "--seed", "s"],
        ["tokens", "revoke", HUGE],
        ["bonus", "99999"],
        ["year", "configure", "99999", *CONFIGURE[3:]],
    ],
)  # fmt: skip
def test_years_ids_and_sizes_beyond_their_range_are_usage_errors(
    runner: FlaskCliRunner, args: list[str]
) -> None:
    status, stderr = refused(runner, *args)
    assert status == 2
    assert "is not in the range" in stderr or "is not a valid integer" in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit-price", "1000000"], "unit price is too large: at most 6 digits"),
        (["--prepay-ratio", "1" * 30], "prepay ratio is too large: at most 3 digits"),
        (["--growth-cap", "9" * 5000], "growth cap is too large"),
    ],
)
def test_prices_and_ratios_have_their_own_bounds(
    runner: FlaskCliRunner, session: Session, args: list[str], message: str
) -> None:
    status, stderr = refused(runner, *CONFIGURE, *args)  # the last of an option counts
    assert status == 1 and message in stderr
    assert session.scalar(select(func.count()).select_from(YearConfig)) == 0


def test_a_score_beyond_1000_is_refused_before_the_service(runner: FlaskCliRunner) -> None:
    status, stderr = refused(
        runner, "assess", "set", "2018", "--institution", "HY01",
        "--score", "9" * 5000, "--surplus", "1.00",
    )  # fmt: skip
    assert status == 1 and "score is too large" in stderr
