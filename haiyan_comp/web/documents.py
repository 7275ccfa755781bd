"""Statement PDFs, for everyone allowed to see them (scoped per institution).

Endpoints (stable: other pages link to them with `url_for`). Every URL names the
institution (`<institution>`, its code such as HY01), so the central access
check answers 404 to a centre or staff user asking for another institution.

| endpoint                  | URL                                                    | who      |
|---------------------------|--------------------------------------------------------|----------|
| `documents.statement`     | /documents/<institution>/statement/<year:year>.pdf     | F C S    |
| `documents.notice`        | /documents/<institution>/notice/<as_of>.pdf            | F C S    |
| `documents.audit_report`  | /documents/<institution>/audit/<int:batch>.pdf         | F A C    |
| `documents.slips`         | /documents/<institution>/slips/<year:year>.pdf         | F C      |
| `documents.slip`          | /documents/<institution>/slips/<year:year>/<staff>.pdf | F C S*   |

F finance, A auditor, C centre, S staff (of that institution; S* only its own
staff code). `year` is 1900–9998 and `batch` an id of 1 to 2^31 − 1 (haiyan_comp.web.inputs:
anything else is 404). `as_of` is the prepayment run's date, YYYY-MM-DD; `batch` a closed
audit batch of that institution; `staff` a staff code. The settlement statement
needs a settled year; the slips need the pay sheet the centre entered
(`operations.bonus.record_pay_sheet`). Anything missing answers 404 with why.

Auditors get audit reports only (they read records and units, never money).
Staff get the institution's statements and notices and their own slip; audit
reports name colleagues' failed records, so they are for the centre's manager.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from haiyan_comp.operations import statements as operations
from haiyan_comp.statements.queries import InstitutionDocuments
from haiyan_comp.web import pdfs
from haiyan_comp.web.access import allow

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.get("/<institution>/statement/<year:year>.pdf")
@allow("finance", "centre", "staff")
def statement(institution: str, year: int) -> BaseResponse:
    """The settlement statement of a settled year."""
    return pdfs.settlement_pdf(institution, year)


@bp.get("/<institution>/notice/<as_of>.pdf")
@allow("finance", "centre", "staff")
def notice(institution: str, as_of: str) -> BaseResponse:
    """The prepayment notice of the run of `as_of`."""
    return pdfs.notice_pdf(institution, as_of)


@bp.get("/<institution>/audit/<int:batch>.pdf", endpoint="audit_report")
@allow("finance", "auditor", "centre")
def audit_report_pdf(institution: str, batch: int) -> BaseResponse:
    """The report of a closed audit batch of this institution."""
    return pdfs.audit_pdf(institution, batch)


@bp.get("/<institution>/slips/<year:year>.pdf")
@allow("finance", "centre")
def slips(institution: str, year: int) -> BaseResponse:
    """Every staff member's bonus slip of the institution's year."""
    return pdfs.slips_pdf(institution, year)


@bp.get("/<institution>/slips/<year:year>/<staff>.pdf")
@allow("finance", "centre", "staff")
def slip(institution: str, year: int, staff: str) -> BaseResponse:
    """One staff member's bonus slip; a staff user gets its own only (404 for others)."""
    return pdfs.slip_pdf(institution, year, staff)


@dataclass(frozen=True)
class Document:
    """A downloadable document, as the statement lists show it."""

    kind: str  # statement, notice, audit_report, slips, slip
    title: str
    period: str
    url: str


def institution_documents(code: str, *, role: str, staff_code: str | None = None) -> list[Document]:
    """What `role` may download of institution `code` (the rules in this module's docstring)."""
    return listed_documents(
        operations.institution_documents(code), role=role, staff_code=staff_code
    )


def listed_documents(
    found: InstitutionDocuments, *, role: str, staff_code: str | None = None
) -> list[Document]:
    """The documents of `found` that `role` may download, with titles and links."""
    code = found.code
    documents = [
        Document("statement", _("%(year)s 年度结算单", year=year), str(year),
                 url_for("documents.statement", institution=code, year=year))
        for year in found.settled_years
    ]  # fmt: skip
    documents += [
        Document("notice", _("预付通知书"), day.isoformat(),
                 url_for("documents.notice", institution=code, as_of=day.isoformat()))
        for day in found.notice_dates
    ]  # fmt: skip
    if role in ("finance", "auditor", "centre"):
        documents += [
            Document("audit_report", _("审计报告 第 %(batch)s 批（%(item)s）", batch=b.id,
                     item=b.item), str(b.year),
                     url_for("documents.audit_report", institution=code, batch=b.id))
            for b in found.audit_batches
        ]  # fmt: skip
    return documents + _slip_documents(found, role, staff_code)


def _slip_documents(
    found: InstitutionDocuments, role: str, staff_code: str | None
) -> list[Document]:
    """A staff user's own slip, or the finance's and the centre's slips, of each pay sheet."""
    code = found.code
    if role == "staff" and staff_code:
        return [
            Document("slip", _("%(year)s 年度本人绩效及效率奖励发放单", year=year), str(year),
                     url_for("documents.slip", institution=code, year=year, staff=staff_code))
            for year in found.pay_sheet_years
        ]  # fmt: skip
    if role in ("finance", "centre"):
        return [
            Document("slips", _("%(year)s 年度职工绩效及效率奖励发放单", year=year), str(year),
                     url_for("documents.slips", institution=code, year=year))
            for year in found.pay_sheet_years
        ]  # fmt: skip
    return []
