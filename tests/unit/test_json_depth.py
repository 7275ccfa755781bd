"""JSON nested too deep is refused before the json module recurses; the rest parses as before."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiyan_comp.jsondepth import MAX_DEPTH, TooDeep, check_depth, loads


def depth(value: Any) -> int:
    """How many arrays and objects nest in a parsed value."""
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


def test_a_hundred_thousand_levels_are_refused_without_recursion() -> None:
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(TooDeep) as raised:
        loads(text)
    assert raised.value.pos == MAX_DEPTH  # the first bracket past the limit
    assert str(raised.value).startswith(f"nested deeper than {MAX_DEPTH} levels")
    assert isinstance(raised.value, ValueError)  # callers' "invalid JSON" handling holds


def test_the_limit_itself_is_allowed() -> None:
    assert depth(loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)) == MAX_DEPTH
    with pytest.raises(TooDeep):
        loads("{" + '"a":[' * MAX_DEPTH + "]" * MAX_DEPTH + "}")


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"a": "[" * 500}),  # brackets in strings do not nest
        json.dumps({"a": "]" * 500 + "[" * 500, "b": ["x"]}),
        json.dumps(['\\"[' * 300]),  # escaped quotes and backslashes
        json.dumps({"名字": "「[" * 300}, ensure_ascii=False),
        json.dumps([{"a": [1]}] * 1000),  # many brackets, little depth
    ],
)
def test_brackets_in_strings_and_side_by_side_do_not_count(text: str) -> None:
    assert loads(text) == json.loads(text)


def test_closing_brackets_in_a_string_cannot_hide_depth() -> None:
    text = '{"a": "' + "]" * 200 + '\\\\", "b": ' + "[" * 100 + "]" * 100 + "}"
    with pytest.raises(TooDeep):
        loads(text)


def test_bytes_and_options_pass_through() -> None:
    assert loads(b'{"n": 1.5}', parse_float=str) == {"n": "1.5"}


JSON_VALUES = st.recursive(
    st.none() | st.integers() | st.text(alphabet='[]{}"\\ax\u00e9\n'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=30,
)


@settings(deadline=None)
@given(JSON_VALUES, st.integers(0, 6), st.booleans())
def test_refused_exactly_when_deeper_than_the_limit(value: Any, limit: int, ascii_: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_)
    if depth(value) > limit:
        with pytest.raises(TooDeep):
            check_depth(text, limit)
    else:
        check_depth(text, limit)
