"""The auditor's pages as an auditor uses them: draw, judge by keyboard, close, read findings."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from haiyan_comp.api.schemas_audit import findings_document
from haiyan_comp.audit import findings as audit_findings
from haiyan_comp.audit.flags import flag_report
from haiyan_comp.audit.models import AuditBatch, Verdict, VerdictChange
from haiyan_comp.audit.reports import batch_detail
from haiyan_comp.web.layout import decimal_text
from tests.web.conftest import SignIn, post_form, read

DRAW = {"year": "2018", "institution": "HY01", "item": "OP", "size": "5", "seed": "web-2018"}
CURRENT = re.compile(r'name="source_id" value="([^"]+)"')


def findings(session: Session, year: int, **only: str) -> dict[str, Any]:
    """The findings as `haiyan audit findings --json` prints them."""
    return findings_document(audit_findings.findings(session, year, **only))


def draw(client: FlaskClient, **changes: str) -> int:
    """Draw through the form; the batch id the page redirects to."""
    response = post_form(client, "/audit/draw", {**DRAW, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/audit/batches/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def current_record(client: FlaskClient, batch_id: int) -> str | None:
    """The record the verdict page offers to judge (None when all are judged)."""
    page = client.get(f"/audit/batches/{batch_id}").get_data(as_text=True)
    match = CURRENT.search(page)
    return match.group(1) if match else None


def judge(client: FlaskClient, batch_id: int, source_id: str, outcome: str, **extra: str) -> Any:
    data = {"source_id": source_id, "outcome": outcome, **extra}
    return post_form(client, f"/audit/batches/{batch_id}/verdict", data)


def batch_count(app: Flask) -> int:
    return int(read(app, lambda s: s.scalar(select(func.count()).select_from(AuditBatch))))


def test_an_auditor_draws_judges_every_record_and_closes_with_the_services_deduction(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner, connection: Connection
) -> None:
    auditor = signed_in("auditor")
    assert auditor.get("/audit/draw").status_code == 200
    batch_id = draw(auditor)
    detail = read(app, lambda s: batch_detail(s, batch_id))
    page = auditor.get(f"/audit/batches/{batch_id}").get_data(as_text=True)
    assert "已抽取批次" in page and str(detail["N"]) in page and decimal_text(detail["U"]) in page
    sampled = [s["source_id"] for s in detail["sample"]]
    assert len(sampled) == 5 and all(source_id in page for source_id in sampled)

    judged = []
    while (source_id := current_record(auditor, batch_id)) is not None:
        if not judged:
            response = judge(auditor, batch_id, source_id, "fail", reason="居民否认接受服务")
        else:
            response = judge(auditor, batch_id, source_id, "pass")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/audit/batches/{batch_id}")
        judged.append(source_id)
    assert judged == sampled  # one at a time, in rank order, each once

    # What `haiyan audit close --json` says for this very batch, then undone.
    savepoint = connection.begin_nested()
    result = runner.invoke(args=["audit", "close", str(batch_id), "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    savepoint.rollback()

    response = post_form(auditor, f"/audit/batches/{batch_id}/close")
    assert response.status_code == 302
    page = auditor.get(f"/audit/batches/{batch_id}").get_data(as_text=True)
    shown = re.search(r'id="deduction">([^<]+)<', page)
    assert shown and shown.group(1) == decimal_text(cli["deduction"])
    assert cli["failed"] == 1 and cli["n"] == 5
    assert "批次已关闭" in page and "居民否认接受服务" in page
    stored = read(app, lambda s: s.get(AuditBatch, batch_id))
    assert (stored.failed, stored.deduction) == (1, int(cli["deduction"].replace(".", "")))


def test_the_verdict_page_is_driven_from_the_keyboard_and_moves_to_the_next_record(
    app: Flask, signed_in: SignIn
) -> None:
    auditor = signed_in("auditor")
    batch_id = draw(auditor)
    page = auditor.get(f"/audit/batches/{batch_id}").get_data(as_text=True)
    assert 'data-key="p"' in page and 'data-key="f"' in page
    assert re.search(r"<textarea id=\"reason\" name=\"reason\"[^>]*data-enter-submits", page)
    first = current_record(auditor, batch_id)
    assert first is not None
    judge(auditor, batch_id, first, "pass")
    second = current_record(auditor, batch_id)
    ranks = read(app, lambda s: [v["source_id"] for v in batch_detail(s, batch_id)["sample"]])
    assert [first, second] == ranks[:2]
    # Going back to a judged record shows it with its verdict, ready to change.
    back = auditor.get(f"/audit/batches/{batch_id}?record={first}").get_data(as_text=True)
    assert CURRENT.search(back).group(1) == first  # type: ignore[union-attr]
    assert "关闭前可以更改" in back


def test_changing_a_verdict_before_closing_leaves_a_trail_and_a_closed_batch_never_changes(
    app: Flask, signed_in: SignIn
) -> None:
    auditor = signed_in("auditor")
    batch_id = draw(auditor, size="2")
    first = current_record(auditor, batch_id)
    assert first is not None
    judge(auditor, batch_id, first, "pass")
    response = judge(auditor, batch_id, first, "fail", reason="无签名", staff="HY01S002")
    assert response.status_code == 302
    trail = read(app, lambda s: s.scalars(select(VerdictChange)).all())
    assert [(c.old_outcome, c.new_outcome) for c in trail] == [(None, "pass"), ("pass", "fail")]
    page = auditor.get(f"/audit/batches/{batch_id}").get_data(as_text=True)
    assert "结论留痕" in page and "无签名" in page and "HY01S002" in page
    second = current_record(auditor, batch_id)
    assert second is not None
    judge(auditor, batch_id, second, "pass")
    assert post_form(auditor, f"/audit/batches/{batch_id}/close").status_code == 302
    refused = judge(auditor, batch_id, first, "pass")
    assert refused.status_code == 409
    assert f"审计批次 {batch_id} 已关闭，结论不能再改" in refused.get_data(as_text=True)
    outcome = read(
        app, lambda s: s.scalar(select(Verdict.outcome).where(Verdict.source_id == first))
    )
    assert outcome == "fail"


def test_a_fail_without_a_reason_is_shown_and_nothing_is_recorded(
    app: Flask, signed_in: SignIn
) -> None:
    auditor = signed_in("auditor")
    batch_id = draw(auditor)
    first = current_record(auditor, batch_id)
    assert first is not None
    response = judge(auditor, batch_id, first, "fail", reason="  ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "“不通过”须写明原因" in page and 'id="verdict-error"' in page
    assert CURRENT.search(page).group(1) == first  # type: ignore[union-attr]
    wrong_staff = judge(auditor, batch_id, first, "fail", reason="代签", staff="HY02S001")
    assert wrong_staff.status_code == 422
    assert "代签" in wrong_staff.get_data(as_text=True)  # the typed reason is kept
    judged = read(app, lambda s: s.scalar(select(func.count()).where(Verdict.outcome.is_not(None))))
    assert judged == 0


def test_closing_with_unjudged_records_is_refused_with_a_clear_message(
    app: Flask, signed_in: SignIn
) -> None:
    auditor = signed_in("auditor")
    batch_id = draw(auditor)
    first = current_record(auditor, batch_id)
    assert first is not None
    judge(auditor, batch_id, first, "pass")
    response = post_form(auditor, f"/audit/batches/{batch_id}/close", follow_redirects=True)
    assert response.status_code == 200
    assert "还有 4 条样本记录没有结论，批次不能关闭" in response.get_data(as_text=True)
    assert read(app, lambda s: s.get(AuditBatch, batch_id).closed_at) is None


def test_bad_draw_input_is_shown_beside_the_form_and_nothing_is_stored(
    app: Flask, signed_in: SignIn
) -> None:
    auditor = signed_in("auditor")
    cases = [
        (
            {"size": "100000"},
            422,
            "抽样数 100000 大于 HY01 OP 2018-01-01 至 2018-12-31 可抽查的记录数",
        ),
        ({"item": "NOPE"}, 422, "2018 年度目录中没有服务项目 'NOPE'"),
        ({"institution": "HY99"}, 422, "未知机构 'HY99'"),
        ({"seed": " padded"}, 422, "首尾有空格或含控制字符"),
        (
            {"date_from": "2018-09-01", "date_to": "2018-03-01"},
            422,
            "日期范围颠倒：起始日 2018-09-01 晚于截止日 2018-03-01",
        ),
        ({"size": "five"}, 422, "请填写正整数"),
        ({"date_from": "1 March"}, 422, "日期格式应为 YYYY-MM-DD"),
    ]
    for changes, status, message in cases:
        response = post_form(auditor, "/audit/draw", {**DRAW, **changes})
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == status, (changes, page[:1000])
        assert message in page, changes
        assert 'action="/audit/draw"' in page  # the form again, with what was typed
        for name, value in changes.items():
            if name == "institution":
                continue  # a select: only known institutions can be chosen in a browser
            assert f'value="{value}"' in page or f'<option value="{value}" selected' in page
    assert batch_count(app) == 0
    draw(auditor, date_from="2018-01-01", date_to="2018-06-30")
    overlap = post_form(auditor, "/audit/draw", {**DRAW, "date_from": "2018-06-01"})
    assert overlap.status_code == 409 and "重叠" in overlap.get_data(as_text=True)
    assert batch_count(app) == 1


def test_flags_and_findings_show_the_services_figures(app: Flask, signed_in: SignIn) -> None:
    auditor = signed_in("auditor")
    report = read(app, lambda s: flag_report(s, 2018, None, 1000))
    page = auditor.get("/audit/flags?year=2018").get_data(as_text=True)
    for row in report["institutions"]:
        cells = re.search(rf"<td>{row['code']} .*?</tr>", page, re.S)
        assert cells, row["code"]
        assert f"<strong>{row['records']}</strong>" in cells.group(0)
    one = auditor.get("/audit/flags?year=2018&institution=HY02&rule=staff_day_over_32")
    assert one.status_code == 200

    batch_id = draw(auditor, size="2")
    for outcome in ("fail", "fail"):
        source_id = current_record(auditor, batch_id)
        assert source_id is not None
        judge(auditor, batch_id, source_id, outcome, reason="记录与病历不符")
    post_form(auditor, f"/audit/batches/{batch_id}/close")
    expected = read(app, lambda s: findings(s, 2018))
    page = auditor.get("/audit/findings?year=2018").get_data(as_text=True)
    for person in expected["staff"]:
        row = re.search(rf'<td class="code">{person["code"]}</td>.*?</tr>', page, re.S)
        assert row, person["code"]
        assert f'<td class="num">{decimal_text(person["deducted"])}</td>' in row.group(0)
    assert decimal_text(expected["institutions"][0]["deducted"]) in page


def test_every_kind_of_flag_is_explained_in_chinese() -> None:
    from datetime import UTC, date, datetime

    from haiyan_comp.audit.flags import RULES, _detail
    from haiyan_comp.records.models import ServiceRecord
    from haiyan_comp.web.audit import flag_detail

    record = ServiceRecord(resident_id="HY01R000001", service_date=date(2018, 5, 2))
    for rule in RULES:
        english = _detail(rule, record, "HY01S001", "HTN", 3300, datetime(2018, 5, 1, tzinfo=UTC))
        chinese = flag_detail(english)
        assert chinese != english and not re.search(r"[a-z]{3,}", chinese), (rule, chinese)


def test_refusals_on_a_closed_batch_are_in_chinese_without_rule_numbers(
    signed_in: SignIn,
) -> None:
    auditor = signed_in("auditor")
    batch_id = draw(auditor, size="1")
    source_id = current_record(auditor, batch_id)
    assert source_id is not None
    judge(auditor, batch_id, source_id, "pass")
    assert post_form(auditor, f"/audit/batches/{batch_id}/close").status_code == 302
    again = post_form(auditor, f"/audit/batches/{batch_id}/close", follow_redirects=True)
    page = again.get_data(as_text=True)
    assert f"审计批次 {batch_id} 已关闭；关闭的批次不再变化" in page
    assert "already closed" not in page
    refused = judge(auditor, batch_id, source_id, "fail", reason="补记")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "（关闭的批次不再变化）" in text and "R7：" not in text


def test_a_flag_said_by_code_reads_as_the_flag_pages_chinese_did() -> None:
    from datetime import UTC, date, datetime

    from haiyan_comp.audit.flags import AFTER_IMPORT, REPEAT, STAFF_DAY, _detail
    from haiyan_comp.audit.messages import FLAG_AFTER_IMPORT, FLAG_REPEAT, FLAG_STAFF_DAY
    from haiyan_comp.records.models import ServiceRecord
    from haiyan_comp.web.audit import flag_detail

    day = date(2018, 5, 2)
    record = ServiceRecord(resident_id="HY01R000001", service_date=day)
    said = {
        REPEAT: FLAG_REPEAT(count=3300, item="HTN", resident="HY01R000001", day=day),
        STAFF_DAY: FLAG_STAFF_DAY(staff="HY01S001", units="33.00", day=day, limit="32.00"),
        AFTER_IMPORT: FLAG_AFTER_IMPORT(day=day, import_id=3300, imported_on=date(2018, 5, 1)),
    }
    for rule, message in said.items():
        english = _detail(rule, record, "HY01S001", "HTN", 3300, datetime(2018, 5, 1, tzinfo=UTC))
        assert message == english
        assert flag_detail(message) == flag_detail(english) == message.text("zh")
