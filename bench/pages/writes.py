"""The main writes, through the pages as people make them, on the run's copy of the county.

In order: HY01 uploads 10,000 records; the auditor draws 200 of HY01's
outpatient visits of July–December (judged and closed afterwards, untimed),
records the last verdict of the open HY01 batch and closes it, judges and
closes the HY02 batch; finance saves the 2017 assessments; HY01 saves its pool
and its pay sheet; finance runs the remaining prepayments of 2018, previews and
confirms its settlement, and makes the ZIP of the nine 2017 statements. Jobs
run inside the request (JOBS_INLINE), so a write's time is the user's wait for
its result.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import select

from bench.pages.build import OPEN, OPEN_B, SETTLED, upload_file
from bench.pages.timing import Browser, Statements, Timing, target_for, time_call
from haiyan_comp.demo.generate import DEMO_INSTITUTIONS


@dataclass
class Writes:
    """What the write phase needs: the app, a browser per role, the statement counter."""

    app: Flask
    browsers: dict[str, Browser]
    statements: Statements
    values: dict[str, str]
    timings: list[Timing]

    def timing(self, name: str, role: str, method: str, path: str, kind: str = "write") -> Timing:
        found = next((t for t in self.timings if t.name == name), None)
        if found is None:
            found = Timing(name, role, method, path, kind, target_ms=target_for(kind))
            self.timings.append(found)
        return found

    def post(
        self, name: str, role: str, path: str, data: dict[str, Any], kind: str = "write",
        **kwargs: Any,
    ) -> tuple[int, bytes, str]:  # fmt: skip
        """POST a form with the CSRF token; status, body and the redirect's target."""
        browser = self.browsers[role]
        form = {"csrf_token": browser.csrf(), **data}
        timing = self.timing(name, role, "POST", path, kind)
        location: list[str] = []

        def send() -> tuple[float, int, bytes]:
            started = time.perf_counter()
            response = browser.client.post(path, data=form, **kwargs)
            body = response.get_data()
            seconds = time.perf_counter() - started
            location.append(response.headers.get("Location", ""))
            return seconds, response.status_code, body

        status, body = time_call(self.statements, timing, send)
        if status >= 400:
            raise SystemExit(f"{name}: POST {path} answered {status}:\n{body[:2000]!r}")
        return status, body, location[0]

    def get(self, name: str, role: str, path: str, kind: str = "write") -> bytes:
        browser = self.browsers[role]
        timing = self.timing(name, role, "GET", path, kind)
        status, body = time_call(self.statements, timing, lambda: browser.request("GET", path))
        if status >= 400:
            raise SystemExit(f"{name}: GET {path} answered {status}")
        return body

    def job(self, role: str, location: str) -> dict[str, Any]:
        """The state of the job a POST redirected to (it ran inside the request)."""
        _, status, body = self.browsers[role].request("GET", location + ".json")
        state: dict[str, Any] = json.loads(body)
        assert status == 200 and state["state"] == "done", state
        return state


def run_writes(w: Writes) -> None:
    """Every write of the module docstring, in its order; fills values["job"] and ["zip"]."""
    _upload(w)
    _audits(w)
    _bonus(w)
    _money(w)


def _upload(w: Writes) -> None:
    content = upload_file()
    _, _, location = w.post(
        "upload 10,000 records", "centre", "/centre/upload",
        {"file": (io.BytesIO(content), "pages-upload.csv")}, content_type="multipart/form-data",
    )  # fmt: skip
    state = w.job("centre", location)
    assert state["details"]["imported"] == 10_000, state["details"]
    w.values["job"] = state["id"]


def _pending(w: Writes, batch_id: int) -> list[str]:
    from haiyan_comp.audit.models import Verdict
    from haiyan_comp.db import db

    with w.app.app_context():
        return list(
            db.session.scalars(
                select(Verdict.source_id)
                .where(Verdict.batch_id == batch_id, Verdict.outcome.is_(None))
                .order_by(Verdict.rank)
            )
        )


def _finish_batch(w: Writes, batch_id: int) -> None:
    """Judge (pass) and close a batch through the services: untimed housekeeping."""
    from haiyan_comp.audit.services import close_audit, record_verdict
    from haiyan_comp.db import db

    with w.app.app_context(), db.unit_of_work() as session:
        for source in _pending(w, batch_id):
            record_verdict(session, batch_id, source, "pass", by="bench")
        close_audit(session, batch_id, by="bench")


def _batch_of(w: Writes, institution: str, item: str) -> int:
    from haiyan_comp.audit.models import AuditBatch
    from haiyan_comp.catalogue.models import ServiceItem
    from haiyan_comp.db import db
    from haiyan_comp.institutions.models import Institution

    with w.app.app_context():
        found = db.session.scalar(
            select(AuditBatch.id)
            .join(Institution, Institution.id == AuditBatch.institution_id)
            .join(ServiceItem, ServiceItem.id == AuditBatch.item_id)
            .where(Institution.code == institution, ServiceItem.code == item,
                   AuditBatch.year == OPEN, AuditBatch.closed_at.is_(None))
        )  # fmt: skip
        assert found is not None, (institution, item)
        return found


def _audits(w: Writes) -> None:
    draw = {"year": str(OPEN), "institution": "HY01", "item": "OP", "size": "200",
            "seed": "bench-pages-draw", "date_from": f"{OPEN}-07-01",
            "date_to": f"{OPEN}-12-31"}  # fmt: skip
    _, _, location = w.post("audit draw of 200", "auditor", "/audit/draw", draw)
    _finish_batch(w, int(location.rsplit("/", 1)[1]))
    for batch_id in (int(w.values["open_batch"]), _batch_of(w, OPEN_B[0], OPEN_B[1])):
        for rank, source in enumerate(_pending(w, batch_id)):
            verdict = {"source_id": source, "outcome": "fail" if rank == 1 else "pass"}
            if rank == 1:
                verdict["reason"] = "bench: no signature"
            w.post("audit verdict", "auditor", f"/audit/batches/{batch_id}/verdict", verdict)
        w.post("audit close batch", "auditor", f"/audit/batches/{batch_id}/close", {})


def _bonus(w: Writes) -> None:
    from haiyan_comp.bonus.models import Assessment
    from haiyan_comp.bonus.rules import bonus_cap
    from haiyan_comp.db import db
    from haiyan_comp.institutions.services import get_institution

    for n in range(3):
        score = "963.00" if n % 2 == 0 else "962.50"
        form = {"year": str(SETTLED)}
        for code, _name in DEMO_INSTITUTIONS:
            form[f"score-{code}"] = "949.99" if code == "HY04" else score
            form[f"surplus-{code}"] = "300000.00"
        w.post("finance assessments save", "finance", "/finance/assessments", form)
    with w.app.app_context():
        row = db.session.get(Assessment, (SETTLED, get_institution(db.session, "HY01").id))
        assert row is not None
        cap = bonus_cap(row.score, row.surplus)
    for n in range(5):
        pool = cap * (8 + n % 2) // 10
        w.post("centre bonus pool save", "centre", f"/centre/bonus/{SETTLED}/pool",
               {"pool": f"{pool // 100}.{pool % 100:02d}"})  # fmt: skip
        pay = "3000000.00" if n % 2 == 0 else "3100000.00"
        w.post("centre pay sheet save", "centre", f"/centre/bonus/{SETTLED}/paysheet",
               {"performance_pay": pay})  # fmt: skip


def _money(w: Writes) -> None:
    w.post("finance prepayment run", "finance", "/finance/prepayments/run",
           {"year": str(OPEN), "as_of": f"{OPEN}-12-31"})  # fmt: skip
    preview = f"/finance/settlement?year={OPEN}&as_of={OPEN + 1}-01-15"
    api = f"/api/v1/years/{OPEN}/settlement/preview?as_of={OPEN + 1}-01-15"
    for _ in range(5):
        w.get("finance settlement preview (all batches closed)", "finance", preview)
        w.get("API settlement preview (all batches closed)", "finance", api, kind="api")
    _, _, location = w.post("finance settlement confirm", "finance", "/finance/settlement/confirm",
                            {"year": str(OPEN), "as_of": f"{OPEN + 1}-01-15"})  # fmt: skip
    w.job("finance", location)
    for _ in range(3):
        _, _, location = w.post("finance statements ZIP job (9 PDFs)", "finance",
                                "/finance/statements/zip", {"year": str(SETTLED)},
                                kind="zip")  # fmt: skip
        state = w.job("finance", location)
    w.values["zip"] = str(state["result_url"]).rsplit("/", 1)[1]
