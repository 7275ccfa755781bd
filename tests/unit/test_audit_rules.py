"""R5–R7 as pure rules: the SHA-256 ranking, the stratum, verdicts, the deduction."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiyan_comp.audit.rules import (
    BatchClosed,
    VerdictsMissing,
    check_actor,
    check_range,
    check_seed,
    check_size,
    check_verdict,
    close_batch,
    deduction,
    draw_sample,
    overlaps,
    rank_key,
    share_of_deduction,
)
from haiyan_comp.errors import InvalidInput

# R6 computed outside Python, with `printf %s 'haiyan-2018:HY01:R0060' | sha256sum`.
KNOWN_KEYS = [
    ("R0060", "8bdf64e33414936a864c818232a2f4269f39dba6524a4e05c83e79f1c49f62dd"),
    ("R0061", "eb173342754cdca101e720067562ddb49f2137d3b30b6337ae2e3da899877ae5"),
    ("R0062", "5230e5358d76bb1fe17b93ac92dbbc6fd34df0efdb6c9e1d0f0afe591c9c78b9"),
    ("R0063", "18b96e76edd2266d0094d8a7436370570d224aac0eace9af39126670b2baffb9"),
    ("R0064", "65f5d4fe2b54454247e571b6e22f40d104d05fef3ee4c07bbea2526e080e7a54"),
]


@pytest.mark.parametrize(("source_id", "expected"), KNOWN_KEYS)
def test_rank_key_is_the_hex_sha256_of_the_utf8_text(source_id: str, expected: str) -> None:
    assert rank_key("haiyan-2018", "HY01", source_id) == expected


def test_rank_key_hashes_utf8() -> None:
    # printf %s '种子:HY01:病历-1' | sha256sum
    expected = "e1744bbe61063f1e7702e297033ef5a1d3322608e7c37265cb12c81d5c3c00a7"
    assert rank_key("种子", "HY01", "病历-1") == expected


WORKED_POPULATION = ["R0060", "R0061", "R0062", "R0063", "R0064"]


@pytest.mark.parametrize(
    ("seed", "size"),
    [("haiyan-2018", 1), ("haiyan-2018", 2), ("haiyan-2018", 5), ("x", 3), ("种子", 2)],
)
def test_sample_is_the_n_smallest_keys(seed: str, size: int) -> None:
    expected = sorted(WORKED_POPULATION, key=lambda s: rank_key(seed, "HY01", s))[:size]
    assert draw_sample(seed, "HY01", iter(WORKED_POPULATION), size) == expected


def test_worked_example_sample_for_the_published_seed() -> None:
    # The two smallest of KNOWN_KEYS: 18b96e… (R0063), then 5230e5… (R0062).
    assert draw_sample("haiyan-2018", "HY01", WORKED_POPULATION, 2) == ["R0063", "R0062"]


@given(
    ids=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=60, unique=True),
    seed=st.text(min_size=1, max_size=20),
    size=st.integers(min_value=1, max_value=60),
)
def test_sample_matches_sorting_every_hexdigest(ids: list[str], seed: str, size: int) -> None:
    by_hand = sorted(ids, key=lambda s: (hashlib.sha256(f"{seed}:K1:{s}".encode()).hexdigest(), s))[
        :size
    ]
    assert draw_sample(seed, "K1", ids, size) == by_hand


def test_sample_does_not_depend_on_the_order_records_come_in() -> None:
    ids = [f"A{n}" for n in range(500)]
    assert draw_sample("s", "HY01", ids, 20) == draw_sample("s", "HY01", reversed(ids), 20)


@pytest.mark.parametrize(
    ("units", "failed", "size", "expected"),
    [
        (5000, 1, 2, 2500),  # the worked example: 50.00 × 1 ÷ 2 = 25.00
        (5000, 0, 2, 0),
        (5000, 2, 2, 5000),  # everything failed: all of U
        (1000, 1, 3, 333),  # 3.333… → 3.33
        (2000, 1, 3, 667),  # 6.666… → 6.67
        (1, 1, 2, 1),  # 0.005 → 0.01: half up
        (3, 1, 2, 2),  # 0.015 → 0.02
        (1, 1, 3, 0),  # 0.0033… → 0.00
        (10_000_000_001, 1, 2, 5_000_000_001),  # exact, no float
    ],
)
def test_deduction_rounds_half_up_exactly(
    units: int, failed: int, size: int, expected: int
) -> None:
    assert deduction(units, failed, size) == expected


@pytest.mark.parametrize(("failed", "size"), [(-1, 2), (3, 2), (0, 0)])
def test_deduction_refuses_what_is_not_a_share(failed: int, size: int) -> None:
    with pytest.raises(ValueError):
        deduction(100, failed, size)


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 201, "201 characters; at most 200"),
        (" padded", "surrounding spaces"),
        ("tab\there", "control characters"),
    ],
)
def test_bad_seeds(seed: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_seed(seed)


@pytest.mark.parametrize("seed", ["a", "x" * 200, "2018年 第1批", "haiyan:2018"])
def test_good_seeds(seed: str) -> None:
    check_seed(seed)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, (date(2018, 1, 1), date(2018, 12, 31))),
        (date(2018, 3, 1), None, (date(2018, 3, 1), date(2018, 12, 31))),
        (None, date(2018, 3, 31), (date(2018, 1, 1), date(2018, 3, 31))),
        (date(2018, 5, 5), date(2018, 5, 5), (date(2018, 5, 5), date(2018, 5, 5))),
    ],
)
def test_range_defaults_to_the_year(
    start: date | None, end: date | None, expected: tuple[date, date]
) -> None:
    assert check_range(2018, start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2017, 12, 31), None, "not inside the year 2018"),
        (None, date(2019, 1, 1), "not inside the year 2018"),
        (date(2018, 4, 1), date(2018, 3, 1), "reversed"),
    ],
)
def test_bad_ranges(start: date | None, end: date | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_range(2018, start, end)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (((1, 1), (3, 31)), ((4, 1), (6, 30)), False),
        (((1, 1), (3, 31)), ((3, 31), (6, 30)), True),  # one shared day is an overlap
        (((1, 1), (12, 31)), ((5, 1), (5, 1)), True),
        (((6, 1), (6, 30)), ((1, 1), (5, 31)), False),
    ],
)
def test_overlaps(
    a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...], expected: bool
) -> None:
    def dates(pair: tuple[tuple[int, int], ...]) -> tuple[date, date]:
        return date(2018, *pair[0]), date(2018, *pair[1])

    assert overlaps(dates(a), dates(b)) is expected
    assert overlaps(dates(b), dates(a)) is expected


@pytest.mark.parametrize(
    ("size", "population", "message"),
    [
        (0, 5, "at least 1"),
        (-1, None, "at least 1"),
        (6, 5, "larger than the population of HY01 HTN: N = 5"),
        (1_000_001, None, "more than the 1,000,000 records an audit can judge"),
        (1_000_001, 2_000_000, "more than the 1,000,000"),
    ],
)
def test_size_must_be_between_1_and_n(size: int, population: int | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_size(size, population, "HY01 HTN")


def test_size_equal_to_n_audits_everything() -> None:
    check_size(5, 5, "HY01 HTN")


def test_who_acts_is_named() -> None:
    assert check_actor(" cli:ann ") == "cli:ann"
    for bad in ("", "  ", "x" * 101):
        with pytest.raises(InvalidInput, match="--by must name who acts"):
            check_actor(bad)


def test_a_fail_needs_a_reason() -> None:
    assert check_verdict("pass", None) is None
    assert check_verdict("pass", "  looked fine ") == "looked fine"
    assert check_verdict("fail", " no signature ") == "no signature"
    for reason in (None, "", "   "):
        with pytest.raises(InvalidInput, match="needs a reason"):
            check_verdict("fail", reason)
    with pytest.raises(InvalidInput, match="'pass' or 'fail'"):
        check_verdict("maybe", "x")


def test_close_fixes_d_from_the_verdicts() -> None:
    closing = close_batch(7, False, 5000, {"R0063": "pass", "R0062": "fail"})
    assert (closing.failed, closing.size, closing.deduction) == (1, 2, 2500)


def test_close_refuses_while_verdicts_are_missing_and_names_them() -> None:
    with pytest.raises(VerdictsMissing, match=r"2 of 3 sampled records .* \(A1, A3\)") as caught:
        close_batch(7, False, 5000, {"A3": None, "A2": "pass", "A1": None})
    assert caught.value.details == {"batch": 7, "missing": ["A1", "A3"]}


def test_a_closed_batch_never_closes_again() -> None:
    with pytest.raises(BatchClosed, match="already closed"):
        close_batch(7, True, 5000, {"A1": "pass"})


@pytest.mark.parametrize(
    ("total", "failed", "expected"),
    [
        (2500, ["R0062"], {"R0062": 2500}),
        (1001, ["B", "A"], {"A": 501, "B": 500}),  # the odd hundredth to the smaller id
        (1000, ["A", "B", "C"], {"A": 334, "B": 333, "C": 333}),
    ],
)
def test_deduction_traced_to_failed_records_adds_up(
    total: int, failed: list[str], expected: dict[str, int]
) -> None:
    shares = share_of_deduction(total, failed)
    assert shares == expected
    assert sum(shares.values()) == total
