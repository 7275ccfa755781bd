"""`haiyan statement verify`: does a document file still say what the books say?

Three independent checks, each reported: the county's signature (present, intact, over the
whole file), the figures embedded in the Subject (against their SHA-256 and against the
books), and the figures printed on the pages (read back from the page text and compared,
in order, with the same document rendered from the books now).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from haiyan_comp import jsondepth
from haiyan_comp.db import db
from haiyan_comp.money import parse_hundredths
from haiyan_comp.operations import reading
from haiyan_comp.signing.pdf import SignatureCheck, check_signature, printed_decimals, unsigned
from haiyan_comp.statements import figures
from haiyan_comp.statements.data import StatementData, canonical_json, changed_figures
from haiyan_comp.statements.documents import AuditReportData, NoticeData, SlipData
from haiyan_comp.statements.fingerprint import read_embedded

Document = StatementData | NoticeData | AuditReportData | SlipData
DOCUMENTS = frozenset({"settlement", "prepayment_notice", "bonus_slip", "audit_report"})


def current_document(
    session: Session, stored: dict[str, Any], county: str, now: datetime
) -> Document:
    """The document a file's embedded figures name, as the books give it now.

    KeyError, TypeError or ValueError when the stored figures lack what they name.
    """
    kind = stored["document"]
    if kind == "prepayment_notice":
        as_of = date.fromisoformat(stored["as_of"])
        return figures.prepayment_notice(session, as_of, stored["institution"], county, now)
    if kind == "bonus_slip":
        pay = parse_hundredths(stored["performance_pay"], what="performance pay")
        year, code = int(stored["year"]), str(stored["institution"])
        slips = figures.bonus_slips(session, year, code, pay, county, now)
        if "only_staff" in stored:  # one staff member's own slip: compare that line
            slips = slips.for_staff(str(stored["only_staff"]))
        return slips
    if kind == "audit_report":
        return figures.audit_report(session, int(stored["batch"]), county, now)
    year, code = int(stored["year"]), str(stored["institution"])
    return figures.settlement_statement(session, year, code, county, now)


def render(document: Document) -> bytes:
    """The document as PDF, as it would be issued now (reportlab is imported only here: a
    signed, unchanged document is never rendered)."""
    if isinstance(document, NoticeData):
        from haiyan_comp.statements.notice import render_notice

        return render_notice(document)
    if isinstance(document, SlipData):
        from haiyan_comp.statements.slip import render_slips

        return render_slips(document)
    if isinstance(document, AuditReportData):
        from haiyan_comp.statements.audit_report import render_audit_report

        return render_audit_report(document)
    from haiyan_comp.statements.render import render_settlement

    return render_settlement(document)


@dataclass(frozen=True)
class Verification:
    """What `verify` found. `number` is None when the file is no haiyan document at all."""

    number: str | None
    signature: SignatureCheck
    embedded: str  # "match", "changed" (no longer its own SHA-256), "differs" (from the books)
    changes: tuple[str, ...] = ()  # embedded figure → the books' figure
    printed: str = "match"  # "match" or "changed"
    printed_change: str = ""  # the first printed figure that differs, and the books' one

    @property
    def holds(self) -> bool:
        """Signed and unchanged, and every figure, embedded and printed, is the books'."""
        return self.signature.valid and self.embedded == "match" and self.printed == "match"


@reading
def verify_document(pdf: bytes, county: str, now: datetime) -> Verification:
    """Check a document file against the books (see the module's docstring)."""
    signature = check_signature(pdf)
    embedded = read_embedded(pdf)
    stored = None if embedded is None else _stored(embedded[1])
    if embedded is None or stored is None:
        return Verification(None, signature, "absent")
    digest, text = embedded
    try:
        current = current_document(db.session, stored, county, now)
    except (KeyError, TypeError, ValueError):  # a forged file's figures lack what they name
        return Verification(None, signature, "absent")
    changes = tuple(changed_figures(stored, json.loads(canonical_json(current.figures()))))
    own = hashlib.sha256(text.encode()).hexdigest() == digest
    state = "changed" if not own else ("differs" if changes else "match")
    if signature.valid and state == "match":
        # Signed by the county over the whole file and unchanged since: the pages are the
        # ones rendered, when it was issued, from these very figures, which are the books'
        # now; reading them back would only repeat that (and cost half a second).
        return Verification(str(stored["number"]), signature, state, changes)
    with unsigned():  # the books' copy is only read back, never issued
        books = render(current)
    printed, first = _printed(pdf, books)
    return Verification(str(stored["number"]), signature, state, changes, printed, first)


def _stored(text: str) -> dict[str, Any] | None:
    try:
        stored = jsondepth.loads(text)
    except ValueError:
        return None
    if (
        not isinstance(stored, dict)
        or not isinstance(stored.get("number"), str)
        or stored.get("document") not in DOCUMENTS
    ):
        return None
    return stored


def _printed(pdf: bytes, books: bytes) -> tuple[str, str]:
    """Whether the figures printed in `pdf` are those of the books' rendering, in order."""
    try:
        found = printed_decimals(pdf)
    except Exception:  # a file whose pages cannot be read shows no figure we can trust
        return "changed", "the pages cannot be read"
    expected = printed_decimals(books)
    if found == expected:
        return "match", ""
    for index, (seen, wanted) in enumerate(zip(found, expected, strict=False)):
        if seen != wanted:
            return "changed", f"{seen} printed where the books say {wanted} (figure {index + 1})"
    return "changed", f"{len(found)} figures printed where the books have {len(expected)}"
