"""What the page benchmark requests: every GET route of the app, as each role that may.

A probe is one URL a user reaches: an endpoint, the role that asks, and the
path with its query string, written with {placeholders} that `discover` fills
with real values of the built county (a batch id, a notice's date, a rare
item, a page in the middle of the records). Several probes of one endpoint are
its variants (another year, a filter, a later page). `tests/web` checks that
every GET route of the app has a probe, so a new page cannot escape the
benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from bench.pages.build import OPEN, OPEN_A, SETTLED

# The login of each role (the demo's); platform is an API token, public nobody.
LOGINS = {
    "finance": "finance",
    "auditor": "auditor",
    "centre": "hy01",
    "staff": "hy01s001",
    "admin": "admin",
}


@dataclass(frozen=True)
class Probe:
    """One URL of one endpoint, requested as one role."""

    endpoint: str
    role: str  # a key of LOGINS, "platform" or "public"
    path: str  # with {placeholders}
    label: str = ""  # what this variant shows, when there are several
    after_writes: bool = False  # needs what the write phase made (a job, a ZIP)
    expect: int = 0  # the status it must answer; 0: any below 400

    @property
    def document(self) -> bool:
        """A PDF (target 1 s) rather than a page or an API answer (target 300 ms)."""
        return self.endpoint.startswith(("documents.", "api_statements."))

    @property
    def name(self) -> str:
        return f"{self.endpoint} {self.label}".strip()

    def url(self, values: Mapping[str, str]) -> str:
        return self.path.format(**values)


def _p(endpoint: str, role: str, path: str, label: str = "", **kw: Any) -> Probe:
    return Probe(endpoint, role, path, label, **kw)


F, A, C, S, D, P, PUBLIC = "finance", "auditor", "centre", "staff", "admin", "platform", "public"
RECORDS = "/centre/records"
API_RECORDS = "/api/v1/records"

# fmt: off
PROBES: tuple[Probe, ...] = (
    # public
    _p("web.index", PUBLIC, "/"),
    _p("web.index", F, "/", "signed in"),
    _p("web.healthz", PUBLIC, "/healthz"),
    _p("web.favicon", PUBLIC, "/favicon.ico"),
    _p("catalogue.show", C, "/catalogue", "latest year"),
    _p("catalogue.show", F, "/catalogue?year={settled}", "settled year"),
    _p("account.password", S, "/account/password"),
    _p("auth.login", PUBLIC, "/login"),
    _p("static", PUBLIC, "/static/app.css"),
    _p("api-docs.openapi_json", PUBLIC, "/api/v1/openapi.json"),
    # admin
    _p("admin.home", D, "/admin/"),
    _p("admin.institutions", D, "/admin/institutions"),
    _p("admin.tokens", D, "/admin/tokens"),
    # centre (HY01, the largest institution)
    _p("centre.home", C, "/centre/", "latest year"),
    _p("centre.home", C, "/centre/?year={settled}", "settled year"),
    _p("centre.records", C, RECORDS, "newest"),
    _p("centre.records", C, RECORDS + "?before={before}", "a middle page"),
    _p("centre.records", C, RECORDS + "?item=OP", "item OP"),
    _p("centre.records", C, RECORDS + "?item={rare_item}", "its rarest item"),
    _p("centre.records", C, RECORDS + "?item={absent_item}", "an item it never records"),
    _p("centre.records", C, RECORDS + "?staff={staff}", "one staff member"),
    _p("centre.records", C, RECORDS + "?resident_id={resident}", "one resident"),
    _p("centre.records", C, RECORDS + "?source_id={source_id}", "one source id"),
    _p("centre.records", C, RECORDS + "?from={year}-03-01&to={year}-03-31", "one month"),
    _p("centre.records", C, RECORDS + "?item=OP&staff={staff}&from={year}-03-01&to={year}-03-31",
       "item, staff and month"),
    _p("centre.records", C, RECORDS + "?source_id={source_prefix}", "source id prefix"),
    _p("centre.records", C, RECORDS + "?resident_id={resident_prefix}", "resident prefix"),
    _p("centre.records", C, RECORDS + "?sort=date_desc", "by date, too many to sort"),
    _p("centre.records", C, RECORDS + "?sort=units_desc&item={rare_item}", "rarest item by units"),
    _p("centre.records", C, RECORDS + "?sort=date&staff={staff}&page=2", "a member by date, p2"),
    _p("centre.records", C, RECORDS + "?from={year}-03-05&to={year}-03-20", "part of a month"),
    _p("centre.money", C, "/centre/money", "latest year"),
    _p("centre.money", C, "/centre/money?year={settled}", "settled year"),
    _p("centre.years", C, "/centre/years"),
    _p("centre.upload", C, "/centre/upload"),
    _p("centre.deductions", C, "/centre/deductions?year={year}", "open year"),
    _p("centre.deductions", C, "/centre/deductions?year={settled}", "settled year"),
    _p("centre.statements", C, "/centre/statements"),
    _p("centre.bonus", C, "/centre/bonus", "latest settled year"),
    _p("centre.bonus", C, "/centre/bonus?year={year}", "open year"),
    _p("centre.import_report", C, "/centre/imports/{job}", after_writes=True),
    _p("centre.import_rejections", C, "/centre/imports/{job}/rejected.csv", after_writes=True),
    _p("centre.import_rejections_xlsx", C, "/centre/imports/{job}/rejected.xlsx",
       after_writes=True),
    _p("jobs.show", C, "/jobs/{job}", "upload", after_writes=True),
    _p("jobs.show_json", C, "/jobs/{job}.json", "upload", after_writes=True),
    _p("api_jobs.job", C, "/api/v1/jobs/{job}", "upload", after_writes=True),
    # staff
    _p("staff.home", S, "/staff/"),
    # documents
    _p("documents.statement", C, "/documents/{inst}/statement/{settled}.pdf"),
    _p("documents.notice", C, "/documents/{inst}/notice/{as_of}.pdf"),
    _p("documents.audit_report", A, "/documents/{inst}/audit/{closed_batch}.pdf"),
    _p("documents.slips", C, "/documents/{inst}/slips/{settled}.pdf"),
    _p("documents.slip", S, "/documents/{inst}/slips/{settled}/{staff}.pdf"),
    # auditor (finance reads the same pages)
    _p("audit.home", A, "/audit/", "open year"),
    _p("audit.home", A, "/audit/?year={settled}&all=1", "settled year, all batches"),
    _p("audit.flags", A, "/audit/flags", "open year"),
    _p("audit.flags", A, "/audit/flags?institution={inst}", "one institution"),
    _p("audit.flags", A, "/audit/flags?limit=5000", "5000 listed"),
    _p("audit.flags", A, "/audit/flags?year={settled}", "settled year"),
    _p("audit.findings", A, "/audit/findings?year={settled}", "settled year"),
    _p("audit.findings", A, "/audit/findings?year={year}", "open year"),
    _p("audit.findings", F, "/audit/findings?year={settled}&institution={inst}", "one institution"),
    _p("audit.batch", A, "/audit/batches/{open_batch}", "open"),
    _p("audit.batch", F, "/audit/batches/{closed_batch}", "closed"),
    _p("audit.draw", A, "/audit/draw"),
    # finance
    _p("finance.home", F, "/finance/", "open year"),
    _p("finance.home", F, "/finance/?year={settled}", "settled year"),
    _p("finance.years", F, "/finance/years"),
    _p("finance.years", F, "/finance/years?year={settled}", "settled year"),
    _p("finance.configure", F, "/finance/configure?year={year}"),
    _p("finance.prepayments", F, "/finance/prepayments?year={year}"),
    _p("finance.settlement", F, "/finance/settlement?year={year}", "preview"),
    _p("finance.settlement", F, "/finance/settlement?year={settled}", "settled"),
    _p("explain.explain", F, "/explain/{settled}/{inst}", "settled"),
    _p("explain.explain", F, "/explain/{year}/{inst}", "open year, estimate"),
    _p("explain.explain", C, "/explain/{settled}/{inst}", "own"),
    _p("finance.ledger", F, "/finance/ledger", "all"),
    _p("finance.ledger", F, "/finance/ledger?year={settled}&institution={inst}", "one"),
    _p("finance.ledger", F, "/finance/ledger?page=2", "page 2"),
    _p("finance.assessments", F, "/finance/assessments?year={settled}"),
    _p("finance.statements", F, "/finance/statements?year={settled}"),
    _p("finance.statement_zip", F, "/finance/statements/zip/{zip}", after_writes=True),
    _p("finance.statement_zip_file", F, "/finance/statements/zip/{zip}/download",
       after_writes=True),
    # API
    _p("api_units.units", F, "/api/v1/units?year={year}", "county"),
    _p("api_units.units", C, "/api/v1/units?year={year}", "own"),
    _p("api_units.units", P, "/api/v1/units?year={year}", "platform token"),
    _p("api_records.list_records", F, API_RECORDS, "first page"),
    _p("api_records.list_records", F, API_RECORDS + "?after={after}&limit=500", "middle, 500"),
    _p("api_records.list_records", C, API_RECORDS, "own"),
    _p("api_records.list_records", C, API_RECORDS + "?item={rare_item}", "own, rarest item"),
    _p("api_records.list_records", A,
       API_RECORDS + "?year={year}&item={absent_item}&institution={inst}",
       "an item it never records"),
    _p("api_records.list_records", F, API_RECORDS + "?resident={resident}&institution={inst}",
       "one resident"),
    _p("api_records.list_records", P, API_RECORDS + "?limit=500", "platform token"),
    _p("api_records.list_records", C, API_RECORDS + "?source_id_prefix={source_prefix}&count=true",
       "own, source id prefix, counted"),
    _p("api_records.list_records", C, API_RECORDS + "?sort=units&order=desc&item={rare_item}",
       "own, rarest item by units"),
    _p("api_years.get_year", F, "/api/v1/years/{year}"),
    _p("api_years.get_schedule", F, "/api/v1/years/{year}/prepayments"),
    _p("api_audits.batches", A, "/api/v1/audits?year={year}", "open year"),
    _p("api_audits.batches", C, "/api/v1/audits?year={settled}", "own, settled year"),
    _p("api_audits.batch", A, "/api/v1/audits/{open_batch}"),
    _p("api_audits.findings_view", A, "/api/v1/audits/findings?year={settled}"),
    _p("api_audits.flags", A, "/api/v1/audits/flags?year={year}", "open year"),
    _p("api_audits.flags", A, "/api/v1/audits/flags?year={year}&limit=10000", "10000 listed"),
    # Before the write phase closes them, the open year's open batches refuse a preview (409);
    # the write phase times it again once they are closed.
    _p("api_settlement.preview", F, "/api/v1/years/{year}/settlement/preview?as_of={next}-01-15",
       "open batches", expect=409),
    _p("api_settlement.settled", F, "/api/v1/years/{settled}/settlement"),
    _p("api_ledger.ledger_view", F, "/api/v1/ledger", "all"),
    _p("api_ledger.ledger_view", F, "/api/v1/ledger?year={settled}&institution={inst}", "one"),
    _p("api_explain.explain", F, "/api/v1/years/{settled}/explain/{inst}"),
    _p("api_bonus.bonus", F, "/api/v1/years/{settled}/bonus", "county"),
    _p("api_bonus.bonus", C, "/api/v1/years/{settled}/bonus", "own"),
    _p("api_bonus.get_paysheet", C, "/api/v1/years/{settled}/paysheets/{inst}"),
    _p("api_statements.settlement", F, "/api/v1/statements/{inst}/settlement/{settled}"),
    _p("api_statements.notice", F, "/api/v1/statements/{inst}/notice/{as_of}"),
    _p("api_statements.audit", F, "/api/v1/statements/{inst}/audit/{closed_batch}"),
    _p("api_statements.slips", F, "/api/v1/statements/{inst}/slips/{settled}"),
    _p("api_statements.slip", S, "/api/v1/statements/{inst}/slips/{settled}/{staff}"),
    _p("api_catalogue.catalogue", C, "/api/v1/catalogue", "latest year"),
    _p("api_catalogue.catalogue", F, "/api/v1/catalogue?year={settled}&format=xlsx", "xlsx"),
    _p("api_imports.recent_imports", C, "/api/v1/imports"),
    _p("api_units.units", F, "/api/v1/units?year={year}&format=xlsx", "county xlsx"),
    _p("api_ledger.ledger_view", F, "/api/v1/ledger?year={settled}&format=xlsx", "xlsx"),
    _p("api_bonus.get_paysheet", C, "/api/v1/years/{settled}/paysheets/{inst}?format=xlsx",
       "xlsx"),
    _p("api_records.list_records", C, API_RECORDS + "?year={year}&item={rare_item}&format=xlsx",
       "own rare item xlsx"),
)
# fmt: on

SAMPLE_VALUES = {
    "year": str(OPEN),
    "settled": str(SETTLED),
    "next": str(OPEN + 1),
    "inst": "HY01",
    "staff": "HY01S001",
    "as_of": f"{SETTLED}-12-31",
    "open_batch": "1",
    "closed_batch": "2",
    "before": "500",
    "after": "500",
    "rare_item": "FBED",
    "absent_item": "IP_BED",
    "resident": "HY01R000001",
    "source_id": "HY01-2018-00000001",
    "source_prefix": "HY01-2018-0000001",
    "resident_prefix": "HY01R00001",
    "job": "a-job-id",
    "zip": f"statements-{SETTLED}-abcdefghijkl.zip",
}


def discover(conn: Connection) -> dict[str, str]:
    """The placeholders' values in the built county (the write phase adds job and zip)."""

    def one(sql: str, **params: object) -> str:
        value = conn.execute(text(sql), params).scalar()
        assert value is not None, sql
        return str(value)

    inst = one("SELECT id FROM institutions WHERE code = 'HY01'")
    open_code, open_item = OPEN_A[0], OPEN_A[1]
    counts = conn.execute(
        text(
            "SELECT i.code, COALESCE(SUM(t.records), 0) FROM service_items i"
            " LEFT JOIN unit_totals t ON t.item_id = i.id AND t.institution_id = :inst"
            " WHERE i.year = :year GROUP BY i.code ORDER BY 2, 1"
        ),
        {"inst": inst, "year": OPEN},
    ).all()
    recorded = [(code, n) for code, n in counts if n > 0]
    absent = [code for code, n in counts if n == 0]
    ids = conn.execute(
        text("SELECT MIN(id), MAX(id) FROM service_records WHERE institution_id = :i"), {"i": inst}
    ).one()
    middle = (ids[0] + ids[1]) // 2
    return {
        **SAMPLE_VALUES,
        "open_batch": one(
            "SELECT b.id FROM audit_batches b JOIN institutions i ON i.id = b.institution_id"
            " JOIN service_items s ON s.id = b.item_id WHERE b.closed_at IS NULL"
            " AND i.code = :c AND s.code = :item AND b.year = :y",
            c=open_code,
            item=open_item,
            y=OPEN,
        ),
        "closed_batch": one(
            "SELECT MIN(id) FROM audit_batches WHERE institution_id = :i AND year = :y"
            " AND closed_at IS NOT NULL",
            i=inst,
            y=SETTLED,
        ),
        "as_of": one(
            "SELECT MAX(as_of) FROM instalments WHERE institution_id = :i AND year = :y",
            i=inst,
            y=SETTLED,
        ),
        "before": str(middle),
        "after": str(middle),
        "rare_item": recorded[0][0],
        "absent_item": absent[0] if absent else recorded[0][0],
        "resident": one(
            "SELECT resident_id FROM service_records WHERE id >= :m AND institution_id = :i"
            " AND resident_id IS NOT NULL ORDER BY id LIMIT 1",
            m=middle,
            i=inst,
        ),
        "source_id": one(
            "SELECT source_id FROM service_records WHERE id >= :m AND institution_id = :i"
            " ORDER BY id LIMIT 1",
            m=middle,
            i=inst,
        ),
    }
