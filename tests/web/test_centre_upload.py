"""Uploading record files on the centre's page: reports, strict mode, scoping, idempotence."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from haiyan_comp.queue import kinds
from haiyan_comp.records import day_totals
from haiyan_comp.records.models import RecordImport, ServiceRecord, StaffDayTotal
from tests.web.conftest import SignIn, post_form, read

HEADER = "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
GOOD = [
    "WEB-0001,HY01,HY01S001,OP,2018-05-02,R-W1,1",
    "WEB-0002,HY01,HY01S002,OP,2018-05-03,R-W2,2",
]
BAD_ITEM = "WEB-0003,HY01,HY01S001,NOPE,2018-05-03,R-W3,1"
OTHER_INSTITUTION = "WEB-0004,HY02,HY02S001,OP,2018-05-03,R-W4,1"


def records(app: Flask) -> int:
    return int(read(app, lambda s: s.scalar(select(func.count()).select_from(ServiceRecord))))


def upload(
    client: FlaskClient, lines: list[str], *, strict: bool = False, name: str = "r.csv"
) -> Any:
    """Upload a file, follow the job to its report; returns the report page response."""
    data: dict[str, Any] = {"file": (io.BytesIO((HEADER + "\n".join(lines) + "\n").encode()), name)}
    if strict:
        data["strict"] = "on"
    response = post_form(client, "/centre/upload", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    job = client.get(response.headers["Location"])
    assert job.status_code == 302  # inline jobs are done at once: on to the report
    assert "/centre/imports/" in job.headers["Location"]
    return client.get(job.headers["Location"])


def rejected(page: str) -> list[tuple[str, str, str]]:
    table = page.split('id="rejected"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    return [
        tuple(
            re.sub(r"<[^>]+>", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        )  # type: ignore[misc]
        for r in rows
    ]


def test_an_upload_imports_the_good_rows_and_lists_the_bad_ones(
    app: Flask, signed_in: SignIn
) -> None:
    before = records(app)
    report = upload(signed_in("hy01"), [GOOD[0], BAD_ITEM, GOOD[1]])
    page = report.get_data(as_text=True)
    assert report.status_code == 200
    assert "合格的记录已导入" in page
    assert records(app) == before + 2
    [(line, source, reasons)] = rejected(page)
    assert line == "3" and source == "WEB-0003"
    assert (
        "项目编码：2018 年度目录中没有服务项目 &#39;NOPE&#39;" in reasons
        or "项目编码：2018 年度目录中没有服务项目 'NOPE'" in reasons
    )
    imported = read(
        app, lambda s: s.scalars(select(RecordImport).order_by(RecordImport.id.desc())).first()
    )
    assert imported.imported_by == "web:hy01" and imported.imported == 2 and imported.rejected == 1
    listing = signed_in("hy01").get("/centre/upload").get_data(as_text=True)
    assert f"#{imported.id}" in listing and "r.csv" in listing
    assert f"#{imported.id}" not in signed_in("hy02").get("/centre/upload").get_data(as_text=True)


def test_a_strict_upload_with_a_bad_row_imports_nothing(app: Flask, signed_in: SignIn) -> None:
    before = records(app)
    page = upload(signed_in("hy01"), [GOOD[0], BAD_ITEM], strict=True).get_data(as_text=True)
    assert "未导入：本次没有保存任何记录" in page
    assert rejected(page)[0][:2] == ("3", "WEB-0003")
    assert records(app) == before


def test_a_file_the_importer_cannot_read_is_refused_whole(app: Flask, signed_in: SignIn) -> None:
    before = records(app)
    client = signed_in("hy01")
    data = {"file": (io.BytesIO(b"who,what\n1,2\n"), "broken.csv")}
    response = post_form(client, "/centre/upload", data, content_type="multipart/form-data")
    job = client.get(response.headers["Location"])
    page = client.get(job.headers["Location"]).get_data(as_text=True)
    assert "未导入" in page and "header" in page
    assert records(app) == before


def test_uploading_the_same_file_twice_imports_nothing_new(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hy01")
    upload(client, GOOD)
    after_first = records(app)
    page = upload(client, GOOD).get_data(as_text=True)
    assert records(app) == after_first
    assert "全部记录已导入或早已存在" in page
    stats = re.findall(r'<div class="value[^"]*">([\d,]+)</div>', page)
    assert stats[:4] == ["2", "0", "2", "0"]  # rows, imported, duplicates, rejected


def test_rows_of_another_institution_are_rejected(app: Flask, signed_in: SignIn) -> None:
    before = records(app)
    page = upload(signed_in("hy01"), [GOOD[0], OTHER_INSTITUTION]).get_data(as_text=True)
    [(line, source, reasons)] = rejected(page)
    assert (line, source) == ("3", "WEB-0004")
    assert "机构编码：&#39;HY02&#39; 不是 HY01；本账号只能导入 HY01 的记录" in reasons
    assert "职工编码：未知职工 &#39;HY02S001&#39;" in reasons  # as any code not of HY01
    assert records(app) == before + 1


def test_an_import_report_is_its_uploaders_only(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hy01")
    response = post_form(
        client, "/centre/upload",
        {"file": (io.BytesIO((HEADER + BAD_ITEM + "\n").encode()), "x.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    report_url = client.get(response.headers["Location"]).headers["Location"]
    assert client.get(report_url).status_code == 200
    assert client.get(report_url + "/rejected.csv").get_data(as_text=True).count("WEB-0003") == 1
    other = signed_in("hy02")
    assert other.get(report_url).status_code == 404
    assert other.get(report_url + "/rejected.csv").status_code == 404


def test_an_upload_without_a_file_says_so(signed_in: SignIn) -> None:
    client = signed_in("hy01")
    response = post_form(client, "/centre/upload", {}, follow_redirects=True)
    assert "请选择要导入的" in response.get_data(as_text=True)


def test_after_an_upload_the_checks_are_counted_before_an_auditor_looks(
    app: Flask, signed_in: SignIn
) -> None:
    """A bulk load leaves its year's checks to recount; the upload's job does it once it is
    done, so the auditor's first look at the flags does not wait for it."""
    read(app, lambda s: day_totals.leave_for_first_read(s, [2018]))  # as a bulk load does
    read(app, lambda s: s.execute(delete(StaffDayTotal).where(StaffDayTotal.year == 2018)))
    report = upload(signed_in("hy01"), GOOD)
    assert report.status_code == 200
    assert not read(app, lambda s: day_totals.is_due(s, 2018))
    stored = read(app, lambda s: day_totals.stored_days(s, 2018))
    assert stored and stored == read(app, lambda s: day_totals.counted_days(s, 2018))


def test_an_upload_is_done_even_if_the_recount_after_it_fails(
    app: Flask, signed_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("disk full")

    monkeypatch.setitem(kinds.AFTERWARDS, "import", broken)
    read(app, lambda s: day_totals.leave_for_first_read(s, [2018]))
    before = records(app)
    report = upload(signed_in("hy01"), GOOD)
    assert report.status_code == 200 and "全部记录已导入" in report.get_data(as_text=True)
    assert records(app) == before + 2
    assert read(app, lambda s: day_totals.is_due(s, 2018))  # left for the first read, as before
