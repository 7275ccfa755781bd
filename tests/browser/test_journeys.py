"""Each role's main journey on the demo county, end to end in Chromium.

The journeys share one server and run in order, as a county's year does: the
centre uploads a file and sees its units; the auditor draws, judges and closes
a batch; finance prepays, previews and confirms the settlement and downloads a
statement; staff download their bonus slips. Screenshots of every step are
kept in test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import haiyan_cli, shoot, sign_in

UPLOAD = (
    "source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\n"
    "WEB-0001,HY01,HY01S001,OP,2018-06-01,,3\n"
    "WEB-0002,HY01,HY01S002,HTN,2018-06-02,R-WEB-1,1\n"
    "WEB-0003,HY01,HY01S001,OP,2018-02-30,,1\n"
    "WEB-0004,HY02,HY02S001,OP,2018-06-03,,1\n"
)


def test_centre_uploads_a_file_and_sees_its_units(page: object, tmp_path: Path) -> None:
    p: Any = page
    sign_in(p, "hy01")
    p.wait_for_url("**/centre/")
    shoot(p, "journey-centre-1-dashboard")
    before = p.locator("main").inner_text()
    upload = tmp_path / "hy01-june.csv"
    upload.write_text(UPLOAD, encoding="utf-8")
    p.goto("/centre/upload")
    p.locator("input[type=file]").set_input_files(str(upload))
    shoot(p, "journey-centre-2-upload")
    p.get_by_role("button", name="上传并导入").click()
    p.wait_for_url(re.compile(r".*/centre/imports/.*"), timeout=60_000)
    shoot(p, "journey-centre-3-report")
    report = p.locator("main").inner_text()
    assert "2018-02-30" in report  # the bad date, with its line
    assert "HY02" in report  # another institution's row is refused
    p.goto("/centre/")
    shoot(p, "journey-centre-4-dashboard-after")
    assert p.locator("main").inner_text() != before  # the new units show


def test_auditor_draws_judges_and_closes_a_batch(page: object) -> None:
    p: Any = page
    sign_in(p, "auditor")
    p.wait_for_url("**/audit/")
    shoot(p, "journey-auditor-1-home")
    p.goto("/audit/draw")
    p.get_by_label("机构").select_option("HY02")
    p.get_by_label("服务项目（代码）").fill("OP")
    p.get_by_label("抽样数").fill("5")
    p.get_by_label("公开种子").fill("browser-journey")
    shoot(p, "journey-auditor-2-draw")
    p.get_by_role("button", name="冻结总体并抽样").click()
    p.wait_for_load_state("load")
    shoot(p, "journey-auditor-2b-drawn")
    assert re.search(r"/audit/batches/\d+", p.url), p.locator("main").inner_text()[:800]
    shoot(p, "journey-auditor-3-batch")
    # four passes from the keyboard, one fail with a reason
    for _ in range(4):
        with p.expect_navigation():
            p.keyboard.press("p")
    p.keyboard.press("f")
    p.keyboard.type("随访记录缺少血压值")
    with p.expect_navigation():
        p.keyboard.press("Enter")
    shoot(p, "journey-auditor-4-judged")
    p.on("dialog", lambda dialog: dialog.accept())
    with p.expect_navigation():
        p.get_by_role("button", name="关闭批次并计算扣减当量").click()
    p.get_by_text("怎么算的").first.click()  # the deduction with the batch's own numbers
    shoot(p, "journey-auditor-5-closed")
    text = p.content()
    assert "已关闭" in text and "扣减当量" in text and "四舍五入到 0.01" in text
    assert "不合格" in text


def test_finance_prepays_previews_settles_and_downloads_a_statement(
    page: object, tmp_path: Path
) -> None:
    p: Any = page
    sign_in(p, "finance")
    p.wait_for_url("**/finance/")
    shoot(p, "journey-finance-1-year")
    p.on("dialog", lambda dialog: dialog.accept())
    p.goto("/finance/prepayments?year=2018")
    p.locator("#run-date input[name=as_of]").fill("2018-12-31")
    with p.expect_navigation():
        p.get_by_role("button", name="计算应付").click()  # what a run would pay, first
    run = p.locator("form[action*='prepayments/run'] button[type=submit]")
    if run.count():  # the confirmation states the amount and the count
        run.click()
        p.wait_for_load_state("load")
    shoot(p, "journey-finance-2-prepaid")
    p.goto("/finance/settlement?year=2018")
    p.locator("details.how summary").first.click()
    shoot(p, "journey-finance-3-preview")
    assert "结算预览" in p.content() and "应得金额合计" in p.inner_text("main")
    p.get_by_role("button", name="确认结算 2018 年度").click()
    p.wait_for_url(re.compile(r".*/finance/settlement.*"), timeout=60_000)
    p.wait_for_load_state("load")
    shoot(p, "journey-finance-4-settled")
    assert "结算完成" in p.content() or "已结算" in p.content()
    p.goto("/finance/statements?year=2018")
    shoot(p, "journey-finance-5-statements")
    with p.expect_download() as download:
        p.locator("a[href*='/documents/HY01/statement/2018.pdf']").first.click()
    saved = tmp_path / "hy01.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")


def test_centre_sets_its_pay_sheet_and_staff_download_their_slip(
    page: object, server_database: str, tmp_path: Path
) -> None:
    p: Any = page
    haiyan_cli(server_database, "assess", "set", "2018", "--institution", "HY01",
               "--score", "962.50", "--surplus", "8000.00")  # fmt: skip
    p.on("dialog", lambda dialog: dialog.accept())
    sign_in(p, "hy01")
    p.wait_for_url("**/centre/")
    p.goto("/centre/bonus?year=2018")
    p.get_by_label("奖励总额（元，不超过上限）").fill("4000.00")
    with p.expect_navigation():
        p.get_by_role("button", name="保存奖励总额").click()
    p.get_by_label("绩效工资总额（元）").fill("60000.00")
    with p.expect_navigation():
        p.get_by_role("button", name="保存发放单").click()
    shoot(p, "journey-centre-5-pay-sheet")
    p.get_by_role("button", name="退出").click()
    sign_in(p, "hy01s001")
    p.wait_for_url("**/staff/")
    shoot(p, "journey-staff-1-home")
    with p.expect_download() as download:
        p.locator("a[href*='/documents/HY01/slips/2018/HY01S001.pdf']").first.click()
    saved = tmp_path / "slip.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    other = p.request.get("/documents/HY01/slips/2018/HY01S002.pdf")
    assert other.status == 404  # a colleague's slip does not exist for this user


def test_a_person_reads_the_pages_in_english(page: object) -> None:
    """The language switch in the header: English from then on, Chinese again on request."""
    p: Any = page
    sign_in(p, "finance")
    p.wait_for_url("**/finance/")
    with p.expect_navigation():
        p.get_by_role("button", name="English").click()
    p.goto("/finance/settlement?year=2018")
    shoot(p, "journey-english-1-settlement")
    main = p.inner_text("header") + p.inner_text("main")
    assert "Funds ledger" in main and "Sign out" in main
    with p.expect_navigation():
        p.get_by_role("button", name="中文").click()
    assert "资金台账" in p.inner_text("header")
