"""The fingerprint a document carries: the SHA-256 and the canonical figures JSON, in
the Subject of its Info dictionary (written by layout.build_pdf, read back by `verify`).

Reading it needs no reportlab: a `verify` of a signed statement renders nothing.
"""

from __future__ import annotations

import base64
import re

from haiyan_comp.signing import pdf as signing

MARK = "haiyan-statement:v1"
# Anchored on the Info dictionary's /Subject key: a data string (a county name in
# /Author, a name in the page text) always has its "(" escaped, so it cannot pose as it.
MARK_PATTERN = re.compile(rb"/Subject \(haiyan-statement:v1:([0-9a-f]{64}):([A-Za-z0-9+/=]+)")
SUBJECT_PATTERN = re.compile(r"haiyan-statement:v1:([0-9a-f]{64}):([A-Za-z0-9+/=]+)")


def read_embedded(pdf: bytes) -> tuple[str, str] | None:
    """The SHA-256 and the canonical figures JSON a document carries, or None.

    Read from the document's current Info dictionary, decoded as any PDF tool may have
    written it (escapes, hex strings, object streams, later incremental updates); the
    bytes are searched only when the file cannot be parsed at all.
    """
    subject = signing.subject(pdf)
    if subject is not None:
        found = SUBJECT_PATTERN.fullmatch(subject)
        groups = None if found is None else (found.group(1), found.group(2).encode())
    else:
        raw = MARK_PATTERN.search(pdf)
        groups = None if raw is None else (raw.group(1).decode(), raw.group(2))
    if groups is None:
        return None
    try:
        return groups[0], base64.b64decode(groups[1], validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
