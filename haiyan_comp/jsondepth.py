"""JSON nested too deep is refused before the json module recurses into it.

The json module parses arrays and objects by recursion, so a record line or a
request body nested a few thousand levels deep raised RecursionError: a whole
import failed, every JSON endpoint answered 500. Every JSON the service reads
from outside goes through `loads` here (the record readers, and the app's JSON
provider that Flask, Flask-WTF and webargs use), which first measures the
nesting without recursion and refuses more than MAX_DEPTH levels with
TooDeep, a json.JSONDecodeError, so a caller's "invalid JSON" handling holds.

MAX_DEPTH is generous: a record line is one flat object (depth 1) and the
API's bodies are objects of scalars and short lists (depth 2 or 3).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64

# What the scan keeps of UTF-8 text (no byte of a multi-byte character is ASCII).
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_ESCAPE = re.compile(rb"\\.", re.S)  # a backslash and what it escapes
_QUOTED = re.compile(rb'"[^"]*"')  # a string, once only quotes and brackets are left
_STEP = dict.fromkeys(b"[{", 1) | dict.fromkeys(b"]}", -1)
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


class TooDeep(json.JSONDecodeError):
    """JSON nested deeper than the limit; `limit` says how deep is allowed."""

    def __init__(self, doc: str, pos: int, limit: int) -> None:
        super().__init__(f"nested deeper than {limit} levels", doc, pos)
        self.limit = limit


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Raise TooDeep if arrays and objects in `text` nest deeper than `limit`.

    Brackets inside strings do not count. On text that is not JSON the answer
    may be wrong only past the first error, where the json module stops too.
    """
    if text.count("[") + text.count("{") <= limit:
        return  # the common case: too few brackets to nest that deep
    data = text.encode("utf-8", "surrogatepass")
    if b"\\" in data:
        data = _ESCAPE.sub(b"", data)  # so every quote left opens or closes a string
    # Keep quotes and brackets; drop empty strings, then strings with brackets in them.
    structure = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    brackets = _QUOTED.sub(b"", structure).translate(None, b'"')
    if len(brackets) > limit and max(accumulate(map(_STEP.__getitem__, brackets))) > limit:
        raise TooDeep(text, _too_deep_at(text, limit), limit)


def _too_deep_at(text: str, limit: int) -> int:
    """Where the first bracket past `limit` levels is (only looked for when there is one)."""
    depth = 0
    for token in _TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > limit:
                return token.start()
        elif bracket in ("]", "}"):
            depth -= 1
    return 0


def loads(text: str | bytes, limit: int = MAX_DEPTH, **options: Any) -> Any:
    """json.loads, refusing text nested deeper than `limit` (TooDeep) before parsing it."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    check_depth(text, limit)
    return json.loads(text, **options)
