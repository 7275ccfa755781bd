"""The message catalogue: every code has its Chinese, with the same parameters, in plain words."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
import re

import pytest

import haiyan_comp
from haiyan_comp.errors import InvalidInput
from haiyan_comp.messages import Message, define, templates
from haiyan_comp.messages.catalogue import FIELD_CONTEXT, catalogue_entries, placeholders


def _load_every_domain() -> None:
    for module in pkgutil.walk_packages(haiyan_comp.__path__, "haiyan_comp."):
        if module.name.endswith(".messages") and module.name != "haiyan_comp.messages":
            importlib.import_module(module.name)


_load_every_domain()
DEFINED = dict(templates())
CHINESE = {(context, english): zh for context, english, zh in catalogue_entries()}


@pytest.mark.parametrize("code", sorted(DEFINED))
def test_every_message_has_its_chinese_with_the_same_parameters(code: str) -> None:
    template = DEFINED[code]
    chinese = CHINESE.get((code, template.english))
    assert chinese, f"messages/zh/*.po lacks {code!r} with msgid {template.english!r}"
    assert placeholders(chinese) == template.names, code


@pytest.mark.parametrize(("context", "english"), sorted(CHINESE))
def test_the_chinese_catalogue_holds_no_stale_entry(context: str, english: str) -> None:
    if context == FIELD_CONTEXT:
        return
    assert context in DEFINED, f"{context!r} is in messages/zh but no longer defined"
    assert DEFINED[context].english == english, f"{context!r}: the English changed; re-translate"


@pytest.mark.parametrize(("context", "english"), sorted(CHINESE))
def test_the_chinese_is_plain_words_without_rule_numbers_or_english(
    context: str, english: str
) -> None:
    chinese = re.sub(r"\{[^}]*\}", "", CHINESE[(context, english)])
    assert not re.search(r"\bR\d+\b", chinese), chinese
    assert not re.search(r"[A-Za-z]{4,}", chinese), chinese


def test_a_message_is_its_english_text_with_a_code_and_parameters() -> None:
    template = define("test_example_unknown", "unknown thing {thing} at {place}")
    message = template.on("thing_code", thing="'X'", place="HY01")
    assert message == "thing_code: unknown thing 'X' at HY01"
    assert (message.code, message.field, dict(message.params)) == (
        "test_example_unknown",
        "thing_code",
        {"thing": "'X'", "place": "HY01"},
    )
    again = pickle.loads(pickle.dumps(message))
    assert isinstance(again, Message) and again.code == message.code and again == message


def test_a_code_means_one_thing() -> None:
    define("test_example_once", "one text")
    with pytest.raises(ValueError, match="already defined"):
        define("test_example_once", "another text")


def test_an_error_body_carries_the_code_and_parameters_beside_the_english() -> None:
    template = define("test_example_size", "the size must be at least 1, got {size}")
    body = InvalidInput(template(size=0)).to_dict()
    assert body["error"] == "invalid_input"
    assert body["message"] == "the size must be at least 1, got 0"
    assert (body["reason"], body["params"]) == ("test_example_size", {"size": 0})
