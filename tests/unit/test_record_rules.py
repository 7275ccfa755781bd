"""R2 row validation and the R3 cap split, without a database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiyan_comp.records.messages import UNKNOWN_FIELD
from haiyan_comp.records.rules import (
    FIELDS,
    ItemRef,
    RecordRow,
    Reference,
    Rejection,
    make_chunk_validator,
    make_validator,
    split_by_cap,
)

REF = Reference(
    institutions={"HY01": 1, "HY02": 2},
    staff={"S1": (11, "HY01"), "S3": (13, "HY02")},
    items={
        (2018, "OP"): ItemRef(21, "OP", 100, None),
        (2018, "HTN"): ItemRef(22, "HTN", 1000, 1),
        (2017, "OP"): ItemRef(31, "OP", 100, None),
    },
    catalogue_years=frozenset({2017, 2018}),
    settled={2017: "2018-01-20"},
    today=date(2019, 1, 10),
)
validate = make_validator(REF)
GOOD = ("R1", "HY01", "S1", "HTN", "2018-03-01", "r1", "2")


def row(**changes: str) -> tuple[str, ...]:
    names = (
        "source_id",
        "institution_code",
        "staff_code",
        "item_code",
        "service_date",
        "resident_id",
        "quantity",
    )
    values = dict(zip(names, GOOD, strict=True))
    values.update(changes)
    return tuple(values[n] for n in names)


def reasons(values: tuple[str, ...]) -> list[str]:
    result = validate(7, values)
    assert isinstance(result, Rejection), result
    assert result.line == 7
    return result.reasons


def test_a_good_row_is_valued_with_its_years_catalogue() -> None:
    result = validate(2, GOOD)
    assert isinstance(result, RecordRow)
    assert (result.item_id, result.units, result.quantity, result.capped) == (22, 2000, 2, True)
    assert result.year == 2018


def test_quantity_may_be_left_out() -> None:
    result = validate(2, row(quantity=""))
    assert isinstance(result, RecordRow) and result.quantity == 1


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"institution_code": "HY99"}, "institution_code: unknown institution 'HY99'"),
        ({"staff_code": "S9"}, "staff_code: unknown staff 'S9' at HY01"),
        ({"staff_code": "S3"}, "staff_code: unknown staff 'S3' at HY01"),  # S3 is HY02's
        ({"item_code": "XX"}, "item_code: unknown item 'XX' in the 2018 catalogue"),
        ({"service_date": "2018-02-30"}, "service_date: '2018-02-30' is not a calendar date"),
        ({"service_date": "20180203"}, "is not a calendar date written YYYY-MM-DD"),
        ({"service_date": "2019-05-01"}, "2019-05-01 is in the future (today is 2019-01-10)"),
        ({"service_date": "2017-05-01", "item_code": "OP"}, "year 2017 is settled (2018-01-20)"),
        ({"service_date": "2016-05-01"}, "there is no catalogue for 2016"),
        ({"quantity": "1.5"}, "quantity: must be a whole number from 1 to 10000, got '1.5'"),
        ({"quantity": "-1"}, "got '-1'"),
        ({"quantity": "1e3"}, "got '1e3'"),
        ({"quantity": "0"}, "got '0'"),
        ({"quantity": "٣"}, "got '٣'"),
        ({"resident_id": ""}, "resident_id: required for item HTN, which has a per-resident cap"),
        ({"source_id": ""}, "source_id: required"),
        ({"source_id": "x" * 65}, "source_id: longer than 64 characters"),
        ({"source_id": "a\x00b"}, "source_id: contains a NUL character"),
        ({"resident_id": "r\x00"}, "resident_id: contains a NUL character"),
    ],
)
def test_each_bad_field_is_named_with_its_rule(changes: dict[str, str], fragment: str) -> None:
    assert any(fragment in reason for reason in reasons(row(**changes))), reasons(row(**changes))


@pytest.mark.parametrize(("text", "quantity"), [("100", 100), ("10000", 10_000), ("007", 7)])
def test_every_whole_quantity_up_to_the_limit_is_accepted(text: str, quantity: int) -> None:
    result = validate(2, row(quantity=text))
    assert isinstance(result, RecordRow), result
    assert result.quantity == quantity


def test_every_problem_of_a_row_is_listed() -> None:
    found = reasons(row(institution_code="HY99", quantity="1.5", service_date="2018-13-01"))
    assert [r.split(":")[0] for r in found] == ["institution_code", "service_date", "quantity"]


def test_every_reason_has_a_code_names_its_field_and_reads_in_chinese() -> None:
    found = reasons(
        row(source_id="", institution_code="HY99", service_date="2018-13-01", quantity="x")
    )
    assert [(r.code, r.field) for r in found] == [
        ("source_id_required", "source_id"),
        ("row_unknown_institution", "institution_code"),
        ("date_not_calendar", "service_date"),
        ("quantity_not_whole", "quantity"),
    ]
    assert found[3].params == {"most": 10_000, "value": "'x'"}
    assert found[3].text("zh") == "数量：应为 1 至 10000 的整数，实际为 'x'"


@pytest.mark.parametrize(
    ("quantities", "cap", "purchasable"),
    [
        ([3, 3], 4, [3, 1]),  # RULES.md: the second record crosses the cap
        ([1, 1], 1, [1, 0]),  # a second HTN record for r1
        ([5], 4, [4]),
        ([2, 2, 2], 6, [2, 2, 2]),
        ([4, 1, 1], 4, [4, 0, 0]),
    ],
)
def test_split_by_cap(quantities: list[int], cap: int, purchasable: list[int]) -> None:
    assert split_by_cap(quantities, cap) == purchasable


# The chunk validator must give exactly the row validator's verdicts.
OTHER_VALUES = {
    "source_id": ["R2", "", "x" * 65, "a\x00", " R3"],
    "institution_code": ["HY02", "HY99", ""],
    "staff_code": ["S3", "S9", ""],
    "item_code": ["OP", "XX", ""],
    "service_date": ["2018-02-30", "2017-05-01", "2019-05-01", "2016-01-01", "20180203", ""],
    "resident_id": ["", "y" * 65, "r\x00"],
    "quantity": ["", "150", "10000", "10001", "007", "1.5", "-1"],
}
# Mostly the good row's value, so that a row often has exactly one thing wrong.
FIELD_VALUES = st.fixed_dictionaries(
    {
        name: st.sampled_from([good] * 6 + OTHER_VALUES[name])
        for name, good in zip(FIELDS, GOOD, strict=True)
    }
)


@given(st.lists(FIELD_VALUES, max_size=30), st.sets(st.integers(0, 29)))
def test_the_chunk_validator_agrees_with_the_row_validator(
    rows: list[dict[str, str]], noted: set[int]
) -> None:
    lines = [10 + 2 * i for i in range(len(rows))]
    columns = [[r[name] for r in rows] for name in FIELDS]
    notes = {i: [UNKNOWN_FIELD.on("extra")] for i in noted if i < len(rows)}
    valid, rejected = make_chunk_validator(REF, 5)(lines, columns, notes)

    expected_valid, expected_rejected = [], []
    for i, (line, r) in enumerate(zip(lines, rows, strict=True)):
        result = make_validator(REF, 5)(line, [r[name] for name in FIELDS])
        if i in notes:
            reasons = notes[i] + (result.reasons if isinstance(result, Rejection) else [])
            expected_rejected.append(Rejection(line, r["source_id"], reasons))
        elif isinstance(result, Rejection):
            expected_rejected.append(result)
        else:
            expected_valid.append(tuple(result))
    assert list(valid.tuples()) == expected_valid
    assert rejected == expected_rejected
