"""The ledger's hash chain: each entry's hash covers its content and the previous hash.

An entry's hash is the SHA-256, in lowercase hex, of the UTF-8 bytes of one
JSON array (no spaces, non-ASCII characters as they are):

    ["haiyan-ledger-v1", previous hash, kind, year, institution id or null,
     amount in fen, description code, description parameters (the stored JSON
     text), English description, who, when (UTC, "YYYY-MM-DDTHH:MM:SS.ffffffZ"),
     [[account, fen], …] sorted by account]

The first entry's previous hash is 64 zeros (GENESIS). The encoding is frozen:
version 1 is what migration 0012 and every later entry used; a change would be
a new version string, never a change of this one. docs/LEDGER.md describes it
for anyone checking the books with their own tools.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

VERSION = "haiyan-ledger-v1"
GENESIS = "0" * 64


def canonical_params(params: Mapping[str, Any]) -> str:
    """A description's parameters as stored and hashed: keys sorted, no spaces."""
    return json.dumps(dict(params), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def utc_text(moment: datetime) -> str:
    """A stored moment in UTC to the microsecond; a naive one (SQLite) is already UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


_text = json.encoder.encode_basestring  # a JSON string, non-ASCII as it is (C-accelerated)
_PREFIX = f'["{VERSION}",'


def entry_hash(
    previous: str,
    kind: str,
    year: int,
    institution_id: int | None,
    amount: int,
    code: str,
    params: str,
    reason: str,
    created_by: str,
    created_at: datetime,
    postings: Iterable[tuple[str, int]],
) -> str:
    """The hash of one entry, chained to `previous` (the hash of the entry before it).

    The JSON array of the module's docstring, written out directly (the same bytes
    as json.dumps(…, ensure_ascii=False, separators=(",", ":")), twice as fast).
    """
    legs = ",".join(f"[{_text(account)},{int(value)}]" for account, value in sorted(postings))
    content = (
        f"{_PREFIX}{_text(previous)},{_text(kind)},{int(year)},"
        f"{'null' if institution_id is None else int(institution_id)},{int(amount)},"
        f"{_text(code)},{_text(params)},{_text(reason)},{_text(created_by)},"
        f'"{utc_text(created_at)}",[{legs}]]'
    )
    return hashlib.sha256(content.encode()).hexdigest()
