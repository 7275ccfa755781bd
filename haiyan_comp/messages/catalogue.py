"""Templates by code, the messages made from them, and their text in each language."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

LOCALES = ("en", "zh")
CATALOGUES = Path(__file__).parent / "zh"
FIELD_CONTEXT = "field"  # the .po context of a field's Chinese name
_CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
_SEPARATOR = {"en": ", ", "zh": "、"}
_TEMPLATES: dict[str, Template] = {}


@dataclass(frozen=True)
class Template:
    """A message's code and English text, with `{name}` where a parameter goes."""

    code: str
    english: str

    def __call__(self, **params: Any) -> Message:
        """The message with these parameters."""
        return Message(self, None, params)

    def on(self, field: str, **params: Any) -> Message:
        """The message as a reason about one field of a row ("field: …")."""
        return Message(self, field, params)

    @property
    def names(self) -> frozenset[str]:
        """The parameters the English text names."""
        return placeholders(self.english)


def define(code: str, english: str) -> Template:
    """Register a message; a code means one thing for ever, so it is defined once."""
    if not _CODE.fullmatch(code):
        raise ValueError(f"a message code is lowercase words with underscores, got {code!r}")
    known = _TEMPLATES.get(code)
    if known is not None and known.english != english:
        raise ValueError(f"message code {code!r} is already defined as {known.english!r}")
    template = Template(code, english)
    _TEMPLATES[code] = template
    return template


def templates() -> Mapping[str, Template]:
    """Every message defined so far, by code (import the domains' messages first)."""
    return MappingProxyType(_TEMPLATES)


class Message(str):
    """A message: its English text as a string, with its code, field and parameters."""

    template: Template
    field: str | None
    params: Mapping[str, Any]

    def __new__(cls, template: Template, field: str | None, params: Mapping[str, Any]) -> Message:
        english = _fill(template.english, params, "en")
        message = super().__new__(cls, f"{field}: {english}" if field else english)
        message.template = template
        message.field = field
        message.params = MappingProxyType(dict(params))
        return message

    @property
    def code(self) -> str:
        """The stable code scripts and tests match on."""
        return self.template.code

    def text(self, locale: str) -> str:
        """The message in `locale` ('en' or 'zh'; anything else is English)."""
        if _language(locale) == "en":
            return str.__str__(self)
        chinese = _fill(_chinese(self.template), self.params, "zh")
        if self.field:
            return f"{field_name(self.field, 'zh')}：{chinese}"
        return chinese

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (self.template.code, self.template.english, self.field, dict(self.params)),
        )


def _rebuild(code: str, english: str, field: str | None, params: dict[str, Any]) -> Message:
    return Message(_TEMPLATES.get(code) or Template(code, english), field, params)


def text(value: object, locale: str) -> str:
    """Any value as a person reads it in `locale`: a message translated, anything else as it is."""
    if isinstance(value, Message):
        return value.text(locale)
    if isinstance(value, list | tuple):
        return _SEPARATOR[_language(locale)].join(text(item, locale) for item in value)
    return "" if value is None else str(value)


def field_name(field: str, locale: str) -> str:
    """A row's field as people call it in `locale` (its column name in English)."""
    if _language(locale) == "en":
        return field
    return _zh_entries().get((FIELD_CONTEXT, field), (field, field))[1]


def as_json(message: str) -> dict[str, Any]:
    """A message for machines: code, field and parameters (JSON values), beside its English;
    a message among the parameters is given as its English (the API's error bodies)."""
    return _describe(message, nested=False)


def placeholders(template: str) -> frozenset[str]:
    """The parameter names of a `{name}` template."""
    return frozenset(
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    )


_TRANSLATED = (Message, list, tuple)  # parameters given in the message's language


def _fill(template: str, params: Mapping[str, Any], locale: str) -> str:
    # Most messages hold plain values only: formatted as they are, without a copy of them
    # (the 3,700 explanations of a 10,000-flag listing are made on every request).
    if not any(isinstance(value, _TRANSLATED) for value in params.values()):
        return template.format_map(params)
    values = {
        name: text(value, locale) if isinstance(value, _TRANSLATED) else value
        for name, value in params.items()
    }
    return template.format_map(values)


def _language(locale: str) -> str:
    return "zh" if str(locale).lower().startswith("zh") else "en"


def _chinese(template: Template) -> str:
    """The Chinese of a template; its English when the catalogue lacks it (a test forbids that)."""
    _, chinese = _zh_entries().get((template.code, template.english), ("", ""))
    return chinese or template.english


@cache
def _zh_entries() -> dict[tuple[str, str], tuple[str, str]]:
    """(context, msgid) → (msgid, msgstr) of every entry of the Chinese catalogues."""
    from babel.messages.pofile import read_po

    entries: dict[tuple[str, str], tuple[str, str]] = {}
    for path in sorted(CATALOGUES.glob("*.po")):
        with path.open("rb") as file:
            catalogue = read_po(file)
        for entry in catalogue:
            if not entry.id or not isinstance(entry.id, str) or not entry.context:
                continue
            chinese = entry.string if isinstance(entry.string, str) else ""
            entries[(entry.context, entry.id)] = (entry.id, chinese)
    return entries


def catalogue_entries() -> Iterable[tuple[str, str, str]]:
    """(context, English, Chinese) of every entry of the Chinese catalogues, for the tests."""
    return [(context, english, zh) for (context, _), (english, zh) in _zh_entries().items()]


def described(message: str) -> dict[str, Any]:
    """A message as JSON for machines: code, field, parameters (a message within, the same).

    A plain string (no code) is {"code": None, "field": None, "params": {}}.
    """
    return _describe(message, nested=True)


def _describe(message: str, *, nested: bool) -> dict[str, Any]:
    if not isinstance(message, Message):
        return {"code": None, "field": None, "params": {}}
    return {
        "code": message.code,
        "field": message.field,
        "params": {name: _json(value, nested) for name, value in message.params.items()},
    }


def from_described(english: str, description: Mapping[str, Any] | None) -> str:
    """The message `described` gave (to show it in another language), or `english` as it is.

    A report kept as JSON (an upload's job) holds the English and the description;
    a description of another version of the code gives the English back unchanged.
    """
    if not description or description.get("code") not in _TEMPLATES:
        return english
    template = _TEMPLATES[description["code"]]
    params = {name: _value(value) for name, value in (description.get("params") or {}).items()}
    try:
        message = Message(template, description.get("field"), params)
    except (KeyError, IndexError, ValueError):
        return english
    return message if message == english else english


def _json(value: Any, nested: bool) -> Any:
    if isinstance(value, Message):
        return described(value) if nested else str(value)
    if isinstance(value, list | tuple):
        return [_json(item, nested) for item in value]
    if isinstance(value, bool | int) or value is None:
        return value
    if not nested and isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "code" in value:
        template = _TEMPLATES.get(str(value["code"]))
        if template is not None:
            params = {k: _value(v) for k, v in (value.get("params") or {}).items()}
            return Message(template, value.get("field"), params)
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value
