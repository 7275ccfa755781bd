"""R1: a catalogue is checked whole and every problem is named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from haiyan_comp.catalogue.rules import validate_items
from haiyan_comp.catalogue.services import read_catalogue

CATALOGUE = Path(__file__).resolve().parents[2] / "catalog" / "haiyan-2018.yaml"
GOOD = {
    "code": "OP", "name": "普通门诊", "category": "basic_medical", "unit": "visit", "value": "1.00",
    "cap": "", "spec": "一次门诊", "data_rule": "门诊日志", "source": "documented: x",
}  # fmt: skip


def item(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"value": "0"}, "item 1 (OP): value: must be at least 0.01 units"),
        ({"value": "0.00"}, "value: must be at least 0.01 units"),
        ({"value": "1.005"}, "value: value has more than 2 decimal places: 1.005"),
        ({"value": "-2"}, "value: must be at least 0.01 units"),
        ({"value": "ten"}, "value: value must be a decimal number"),
        ({"category": "dental"}, "category: must be basic_medical or public_health, got 'dental'"),
        ({"cap": "1.5"}, "cap: must be a positive whole number or empty, got '1.5'"),
        ({"cap": 0}, "cap: must be a positive whole number or empty, got '0'"),
        ({"cap": -1}, "cap: must be a positive whole number"),
        ({"spec": " "}, "spec: must not be empty (R1)"),
        ({"source": ""}, "source: must not be empty (R1)"),
        ({"colour": "red"}, "colour: unknown field"),
        ({"code": "has space"}, "code: must be 1–16 letters"),
    ],
)
def test_each_problem_is_named(changes: dict[str, object], problem: str) -> None:
    items, problems = validate_items([item(**changes)])
    assert items == []
    assert any(problem in p for p in problems), problems


def test_a_missing_field_and_a_duplicate_code_are_both_listed() -> None:
    broken = dict(GOOD)
    del broken["data_rule"]
    _, problems = validate_items([item(), item(name="again"), broken], label="line")
    assert problems == [
        "line 3 (OP): code: duplicate code OP, first used by line 2",
        "line 4 (OP): data_rule: missing",
        "line 4 (OP): code: duplicate code OP, first used by line 2",
    ]


def test_yaml_decimals_stay_exact() -> None:
    text = b"items:\n  - {code: X, name: n, category: public_health, unit: u, value: 2.50, cap: 1,"
    text += b" spec: s, data_rule: d, source: s}\n"
    items, problems = read_catalogue(io.BytesIO(text), "c.yaml")
    assert problems == [] and items[0].value == 250 and items[0].cap == 1


def test_the_county_catalogue_is_valid_and_documents_every_value() -> None:
    with CATALOGUE.open("rb") as stream:
        items, problems = read_catalogue(stream, CATALOGUE.name)
    assert problems == []
    assert len(items) == 53
    by_code = {i.code: i for i in items}
    assert (by_code["OP"].value, by_code["OP"].cap, by_code["OP"].category) == (
        100,
        None,
        "basic_medical",
    )
    assert (by_code["HTN"].value, by_code["HTN"].cap, by_code["HTN"].category) == (
        1000,
        1,
        "public_health",
    )
    assert (by_code["REC"].value, by_code["REC"].cap) == (250, 1)
    assert {i.category for i in items} == {"basic_medical", "public_health"}
    assert all(i.source.startswith(("documented:", "derived:")) for i in items)
