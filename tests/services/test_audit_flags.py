"""Automatic checks (flags, never rejections), the flagged-only stratum, and findings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from haiyan_comp.api.schemas_audit import findings_document
from haiyan_comp.audit import findings as audit_findings
from haiyan_comp.audit.flags import AFTER_IMPORT, REPEAT, STAFF_DAY, flag_report
from haiyan_comp.audit.rules import BatchOverlap
from haiyan_comp.audit.services import close_audit, record_verdict
from haiyan_comp.db import db
from haiyan_comp.errors import InvalidInput, NotFound
from haiyan_comp.records.models import RecordImport
from tests.services.helpers import HEADER, import_text, setup_county
from tests.services.test_audit_draw import draw, load_example


def findings(session: Session, year: int, **only: str) -> dict[str, Any]:
    """The findings as `haiyan audit findings --json` prints them."""
    return findings_document(audit_findings.findings(session, year, **only))


def crafted(session: Session) -> None:
    """A county whose records trip each check once, next to records that just don't."""
    rows = [
        # the same resident, item and day twice at HY01 (flagged), once on other days (not)
        "D1,HY01,S2,OP,2018-02-01,p1,1",
        "D2,HY01,S2,OP,2018-02-01,p1,1",
        "D3,HY01,S2,OP,2018-02-02,p1,1",
        # one record of quantity 2 is not a repeat (bed-days and the like come that way)
        "Q1,HY01,S2,OP,2018-02-03,p2,2",
        # the same resident and day at HY02 is another institution: not a repeat of D1
        "E1,HY02,S3,OP,2018-02-01,p1,1",
        # no resident: cannot be a repeat
        "N1,HY01,S2,OP,2018-02-04,,1",
        "N2,HY01,S2,OP,2018-02-04,,1",
    ]
    # S1 records 33.00 units on 5 March (flagged), exactly 32.00 on 6 March (not)
    rows += [f"M{n:02d},HY01,S1,OP,2018-03-05,,1" for n in range(33)]
    rows += [f"L{n:02d},HY01,S1,OP,2018-03-06,,1" for n in range(32)]
    with db.unit_of_work():
        setup_county(session)
        import_text(session, HEADER + "\n".join(rows) + "\n")


def dated_import(session: Session, started: datetime, rows: str) -> None:
    """Import `rows` as if the import had started at `started` (UTC)."""
    with db.unit_of_work():
        report = import_text(session, HEADER + rows)
        session.execute(
            update(RecordImport)
            .where(RecordImport.id == report.import_id)
            .values(started_at=started)
        )


def flagged(session: Session, rule: str, institution: str | None = None) -> list[str]:
    report = flag_report(session, 2018, institution, limit=1000)
    return sorted(f["source_id"] for f in report["flags"] if f["rule"] == rule)


def test_same_resident_item_and_day_twice_is_flagged(session: Session) -> None:
    crafted(session)
    assert flagged(session, REPEAT) == ["D1", "D2"]
    detail = next(f for f in flag_report(session, 2018)["flags"] if f["source_id"] == "D1")
    assert detail["detail"] == "2 records of OP for resident p1 on 2018-02-01"


def test_more_than_32_units_a_day_is_flagged(session: Session) -> None:
    crafted(session)
    assert flagged(session, STAFF_DAY) == [f"M{n:02d}" for n in range(33)]
    detail = next(f for f in flag_report(session, 2018)["flags"] if f["source_id"] == "M00")
    assert detail["detail"] == "S1 recorded 33.00 units on 2018-03-05 (more than 32.00)"


def test_service_date_after_the_import_date_in_county_time(session: Session) -> None:
    crafted(session)
    # 1 March 10:00 UTC is 18:00 in Haiyan: a service on 2 March is after the import.
    dated_import(session, datetime(2018, 3, 1, 10, tzinfo=UTC), "F1,HY01,S2,OP,2018-03-02,,1\n")
    # 1 March 17:00 UTC is already 2 March 01:00 in Haiyan: the same day is not after it.
    dated_import(session, datetime(2018, 3, 1, 17, tzinfo=UTC), "F2,HY01,S2,OP,2018-03-02,,1\n")
    dated_import(session, datetime(2018, 3, 1, 10, tzinfo=UTC), "F3,HY01,S2,OP,2018-03-01,,1\n")
    assert flagged(session, AFTER_IMPORT) == ["F1"]
    detail = next(f for f in flag_report(session, 2018)["flags"] if f["source_id"] == "F1")
    assert detail["detail"].startswith("dated 2018-03-02, after import #")
    assert detail["detail"].endswith(" of 2018-03-01")


def test_counts_per_institution_and_staff(session: Session) -> None:
    crafted(session)
    dated_import(session, datetime(2018, 3, 1, 10, tzinfo=UTC), "F1,HY01,S2,OP,2018-03-02,p1,1\n")
    report = flag_report(session, 2018)
    assert report["totals"] == {REPEAT: 2, STAFF_DAY: 33, AFTER_IMPORT: 1, "records": 36}
    assert report["institutions"] == [
        {"code": "HY01", REPEAT: 2, STAFF_DAY: 33, AFTER_IMPORT: 1, "records": 36}
    ]
    assert report["staff"] == [
        {"code": "S1", "institution": "HY01", REPEAT: 0, STAFF_DAY: 33, AFTER_IMPORT: 0,
         "records": 33},
        {"code": "S2", "institution": "HY01", REPEAT: 2, STAFF_DAY: 0, AFTER_IMPORT: 1,
         "records": 3},
    ]  # fmt: skip
    assert flag_report(session, 2018, "HY02")["totals"]["records"] == 0
    limited = flag_report(session, 2018, limit=5)
    assert (limited["listed"], len(limited["flags"])) == (5, 5)


def test_flags_never_reject_and_the_worked_example_has_none(session: Session) -> None:
    load_example(session)
    assert flag_report(session, 2018)["totals"]["records"] == 0
    with pytest.raises(NotFound, match="HY99"):
        flag_report(session, 2018, "HY99")


def test_flagged_only_batch_samples_flagged_records_only(session: Session) -> None:
    crafted(session)
    with db.unit_of_work():
        batch = draw(session, item_code="OP", size=35, seed="f", flagged_only=True).batch
    assert (batch.stratum, batch.population_count, batch.population_units) == ("flagged", 35, 3500)
    # A batch of all records over the same dates is another stratum: it may be drawn,
    # and leaves out the records the flagged batch froze (a record is in one population).
    everything = draw(session, item_code="OP", size=1, seed="a").batch
    assert (everything.stratum, everything.population_count) == ("all", 36)  # 71 - 35
    with pytest.raises(BatchOverlap, match=f"flagged-only audit batch {batch.id}"):
        draw(session, item_code="OP", size=1, seed="g", flagged_only=True)


def test_flagged_only_refuses_a_stratum_without_flags(session: Session) -> None:
    load_example(session)
    with pytest.raises(InvalidInput, match="the automatic checks flag none of its 5 records"):
        draw(session, flagged_only=True)


def test_flagged_after_a_full_batch_finds_nothing_left(session: Session) -> None:
    crafted(session)
    with db.unit_of_work():
        first = draw(session, item_code="OP", size=1, seed="a").batch
    with pytest.raises(InvalidInput, match=f"frozen in the population of audit batch {first.id}"):
        draw(session, item_code="OP", size=1, seed="f", flagged_only=True)


def test_findings_trace_failed_verdicts_to_staff(session: Session) -> None:
    load_example(session)
    with db.unit_of_work():
        batch = draw(session, size=5).batch.id  # every HTN record of HY01
        record_verdict(session, batch, "R0060", "fail", reason="no visit", by="ann")
        record_verdict(session, batch, "R0061", "fail", reason="unsigned", by="ann")
        record_verdict(session, batch, "R0063", "fail", reason="no visit", by="ann")
        for source in ("R0062", "R0064"):
            record_verdict(session, batch, source, "pass", by="ann")
        close_audit(session, batch, by="ann")
    report = findings(session, 2018)
    # D = round(50.00 × 3 ÷ 5) = 30.00, traced 10.00 to each failed record
    assert [(p["code"], p["failed"], p["deducted"]) for p in report["staff"]] == [
        ("S1", 2, "20.00"),
        ("S2", 1, "10.00"),
    ]
    assert [v["reason"] for v in report["staff"][0]["verdicts"]] == ["no visit", "unsigned"]
    (hy01,) = report["institutions"]
    assert hy01["code"] == "HY01" and hy01["deducted"] == "30.00"
    assert [(b["batch"], b["deduction"], b["state"]) for b in hy01["batches"]] == [
        (batch, "30.00", "closed")
    ]
    only_s2 = findings(session, 2018, staff_code="S2")
    assert [p["code"] for p in only_s2["staff"]] == ["S2"]
    assert only_s2["staff"][0]["verdicts"][0]["share"] == "10.00"
    assert findings(session, 2018, institution_code="HY02") == {
        "year": 2018, "institution": "HY02", "staff_member": None, "staff": [], "institutions": []
    }  # fmt: skip
    with pytest.raises(NotFound, match="unknown staff member 'S9'"):
        findings(session, 2018, staff_code="S9")


def test_findings_of_an_open_batch_show_no_share_yet(session: Session) -> None:
    load_example(session)
    batch = draw(session).batch.id
    record_verdict(session, batch, "R0062", "fail", reason="no visit", by="ann")
    report = findings(session, 2018)
    verdict = report["staff"][0]["verdicts"][0]
    assert (verdict["batch_state"], verdict["share"]) == ("open", None)
    assert report["institutions"][0]["deducted"] == "0.00"
    assert date.fromisoformat(verdict["service_date"]) == date(2018, 3, 1)


def test_listing_is_ordered_and_names_items(session: Session) -> None:
    crafted(session)
    flags = flag_report(session, 2018)["flags"]
    assert {f["item"] for f in flags} == {"OP"}
    assert [f["rule"] for f in flags] == sorted(
        (f["rule"] for f in flags), key=[REPEAT, STAFF_DAY, AFTER_IMPORT].index
    )


def test_a_limit_within_a_group_still_names_the_whole_groups_size(session: Session) -> None:
    """Listed repeats say how many records their group holds, even where the limit stops the
    listing inside the group (its size is counted from the rows of its day)."""
    rows = [f"T{n},HY01,S2,OP,2018-02-01,p1,1" for n in range(4)]  # one group of four
    rows += ["U1,HY01,S2,OP,2018-02-01,p2,1", "U2,HY01,S2,OP,2018-02-01,p2,1"]  # and of two
    with db.unit_of_work():
        setup_county(session)
        import_text(session, HEADER + "\n".join(rows) + "\n")
    for limit in (1, 3, 5, 6):
        listed = flag_report(session, 2018, limit=limit)["flags"]
        assert len(listed) == limit
        expected = {"T": "4 records of OP for resident p1", "U": "2 records of OP for resident p2"}
        for row in listed:
            assert row["detail"] == f"{expected[row['source_id'][0]]} on 2018-02-01", row
    assert [row["source_id"] for row in flag_report(session, 2018, limit=6)["flags"]] == [
        "T0", "T1", "T2", "T3", "U1", "U2",
    ]  # fmt: skip
