"""Settlement statements as PDF: the worked example's figures, verify, fonts, 53 items."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from haiyan_comp.audit.models import AuditBatch
from haiyan_comp.bonus.models import Assessment
from haiyan_comp.budget.models import Instalment
from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.ledger.queries import year_seal
from haiyan_comp.money import group_decimal
from haiyan_comp.settlement.models import Settlement
from haiyan_comp.statements.capital import capital_rmb
from haiyan_comp.statements.data import StatementItem
from haiyan_comp.statements.figures import settlement_statement
from haiyan_comp.statements.fonts import font_candidates, statement_font
from haiyan_comp.statements.render import render_settlement
from tests.api.test_worked_example import load_example
from tests.api.test_worked_example_money import (
    audit_htn,
    by_code,
    configure_2018,
    configure_2019,
    run,
)


def settled_example(runner: FlaskCliRunner, folder: Path) -> dict[str, dict[str, str]]:
    """The worked example up to its settlement; the `settle --json` institutions."""
    load_example(runner, folder)
    audit_htn(runner)
    configure_2018(runner)
    run(runner, "prepay", "run", "--as-of", "2018-10-01", "--json")
    return by_code(run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json"))


def pdf_text(path: Path) -> str:
    """Every page's text, one string."""
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def make(runner: FlaskCliRunner, code: str, out: Path) -> str:
    """Write one statement and return its text."""
    run(runner, "statement", "2018", "--institution", code, "--out", str(out))
    return pdf_text(out)


def test_the_worked_example_statements_show_its_figures(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    settled = settled_example(runner, tmp_path)
    hy01 = make(runner, "HY01", tmp_path / "hy01.pdf")
    hy02 = make(runner, "HY02", tmp_path / "hy02.pdf")

    assert "应补付金额" in hy01 and "100.00" in hy01 and "人民币壹佰元整" in hy01.splitlines()
    assert "应扣回欠款" in hy02 and "50.00" in hy02 and "人民币伍拾元整" in hy02.splitlines()
    for code, text in (("HY01", hy01), ("HY02", hy02)):
        figures = settled[code]
        for key in ("verified_basic_medical", "verified_public_health", "purchased_basic_medical"):
            assert figures[key] in text, key
        for key in ("purchased", "entitlement", "final", "prepaid"):
            assert figures[key] in text, key
        assert "HY-JS-2018-" + code in text and "2018" in text
        pages = len(PdfReader(tmp_path / f"{code.lower()}.pdf").pages)
        assert all(f"第 {n} 页 共 {pages} 页" in text for n in range(1, pages + 1))
        assert "SHA-256" in text and "县财政局" in text and "UTC" not in text
        assert all(label in text for label in ("制表人", "审核人", "单位负责人", "盖章处"))
        assert text.count("200.00") >= 4 and "800.00" in text  # four instalments and their total
        assert not re.search(r"\b(V_bm|V_ph|P_bm|A|F|P)\b", text)  # no formula letters as labels


def test_every_item_figure_equals_the_units_json(runner: FlaskCliRunner, tmp_path: Path) -> None:
    settled_example(runner, tmp_path)
    text = make(runner, "HY01", tmp_path / "hy01.pdf")
    units = by_code(run(runner, "units", "--year", "2018", "--json"))["HY01"]
    lines = text.splitlines()
    for item in units["items"]:
        at = lines.index(item["code"])  # one cell a line: code, name, category, 4 figures
        assert lines[at + 1] == item["name"]
        figures = [group_decimal(item[k]) for k in ("gross", "over_spec", "deducted", "verified")]
        assert lines[at + 3 : at + 7] == figures, lines[at : at + 7]


def test_verify_passes_on_a_fresh_file_and_fails_after_a_change(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    settled_example(runner, tmp_path)
    path = tmp_path / "hy01.pdf"
    make(runner, "HY01", path)
    fresh = runner.invoke(args=["statement", "verify", str(path)])
    assert fresh.exit_code == 0, fresh.output
    assert "matches the database" in fresh.output

    session.execute(update(Settlement).where(Settlement.year == 2018).values(final=90001))
    session.flush()
    changed = runner.invoke(args=["statement", "verify", str(path)])
    assert changed.exit_code == 1
    assert "no longer matches" in changed.output and "final: 900.00 → 900.01" in changed.output


def test_verify_refuses_a_file_that_is_no_statement(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "other.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    result = runner.invoke(args=["statement", "verify", str(path)])
    assert result.exit_code == 1 and "not a haiyan statement" in result.output


def test_all_writes_one_file_per_institution_and_a_zip(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    settled_example(runner, tmp_path)
    out = tmp_path / "out"
    run(runner, "statement", "2018", "--all", "--out", str(out))
    with zipfile.ZipFile(out / "statement-2018.zip") as zipped:
        assert sorted(zipped.namelist()) == ["statement-2018-HY01.pdf", "statement-2018-HY02.pdf"]
        text = pdf_text_bytes(zipped.read("statement-2018-HY02.pdf"))
    assert "伍拾元整" in text


def test_one_statement_into_a_folder_is_named_as_in_the_zip(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """--out naming a folder that exists writes the file into it (it used to end in a
    traceback: 'Is a directory')."""
    settled_example(runner, tmp_path)
    folder = tmp_path / "statements"
    folder.mkdir()
    output = run(runner, "statement", "2018", "--institution", "HY02", "--out", str(folder))
    written = folder / "statement-2018-HY02.pdf"
    assert str(written) in output
    assert "伍拾元整" in pdf_text_bytes(written.read_bytes())


def test_an_unsettled_year_has_no_statement(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    result = runner.invoke(args=["statement", "2018", "--all", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "not settled" in result.output


def pdf_text_bytes(data: bytes) -> str:
    """Every page's text of PDF bytes."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_font_is_embedded_when_one_is_available(runner: FlaskCliRunner, tmp_path: Path) -> None:
    if not font_candidates() or statement_font() == "STSong-Light":
        pytest.skip("no TrueType CJK font installed (apt-get install fonts-wqy-microhei)")
    settled_example(runner, tmp_path)
    path = tmp_path / "hy01.pdf"
    make(runner, "HY01", path)
    fonts = PdfReader(path).pages[0]["/Resources"]["/Font"]
    embedded = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        for font in fonts.values()
        if "/DescendantFonts" in font.get_object()
    ] + [
        font.get_object()["/FontDescriptor"]
        for font in fonts.values()
        if "/FontDescriptor" in font.get_object()
    ]
    assert any("/FontFile2" in descriptor for descriptor in embedded), fonts


@pytest.mark.slow
def test_a_53_item_institution_fits_the_page(
    app: Flask,
    runner: FlaskCliRunner,
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    run(runner, "demo", "--records", "3000", "--json")
    run(runner, "year", "configure", "2018", "--budget", "50000", "--unit-price", "10.00",
        "--prepay-ratio", "0.80", "--instalments", "4")  # fmt: skip
    run(runner, "prepay", "run", "--as-of", "2018-10-01", "--json")
    settled = by_code(run(runner, "settle", "2018", "--as-of", "2019-01-15", "--json"))
    path = tmp_path / "hy01.pdf"
    text = make(runner, "HY01", path)
    assert group_decimal(settled["HY01"]["final"]) in text
    # the demo's records reach most items; give the statement every one of the 53
    data = settlement_statement(session, 2018, "HY01", "海盐县", datetime.now(UTC))
    every = session.scalars(select(ServiceItem).where(ServiceItem.year == 2018)).all()
    assert len(every) == 53
    full = replace(
        data, items=tuple(StatementItem(i.code, i.name, i.category, 1, 0, 0, 1) for i in every)
    )
    path.write_bytes(render_settlement(full))
    text = pdf_text(path)
    pages = len(PdfReader(path).pages)
    assert f"共 {pages} 页" in text
    assert all(re.search(rf"(?<![A-Z0-9]){i.code}(?![A-Z0-9])", text) for i in every)
    if statement_font() != "STSong-Light":  # the built-in CID font's text is not extractable
        assert all(i.name in text.replace("\n", "") for i in every)  # long names wrap
    if shutil.which("pdftoppm") is None:
        return
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    pictures = sorted(tmp_path.glob("page*.png"))
    assert len(pictures) == pages
    for picture in pictures:
        assert not_blank(picture.read_bytes()), picture


def not_blank(png: bytes) -> bool:
    """A rendered page has ink: its PNG is far larger than a white page's."""
    return len(png) > 5_000


def test_the_assessment_score_and_bonus_cap_show_where_entered(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    settled_example(runner, tmp_path)
    assert "绩效考核得分" not in make(runner, "HY01", tmp_path / "before.pdf")
    run(runner, "assess", "set", "2018", "--institution", "HY01", "--score", "962.50",
        "--surplus", "300000")  # fmt: skip
    [bonus] = run(runner, "bonus", "2018", "--institution", "HY01", "--json")["institutions"]
    text = make(runner, "HY01", tmp_path / "after.pdf")
    assert "绩效考核得分" in text and bonus["score"] == "962.50" and "962.50" in text
    assert bonus["cap"] == "150000.00" and "150,000.00" in text


def test_the_prepayment_notice_shows_the_run_and_verifies(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    settled_example(runner, tmp_path)
    configure_2019(runner)
    paid = run(runner, "prepay", "run", "--as-of", "2019-01-01", "--json")["instalments"]
    hy02 = next(p for p in paid if p["institution"] == "HY02")
    path = tmp_path / "notice.pdf"
    run(runner, "statement", "notice", "--as-of", "2019-01-01", "--institution", "HY02",
        "--out", str(path))  # fmt: skip
    text = pdf_text(path)
    assert hy02["offset"] == "50.00"
    assert all(hy02[k] in text for k in ("due", "gross", "offset", "cash"))
    assert "HY-YF-20190101-HY02" in text
    assert capital_rmb(int(hy02["cash"].replace(".", ""))) in text.splitlines()
    assert runner.invoke(args=["statement", "verify", str(path)]).exit_code == 0

    session.execute(update(Instalment).where(Instalment.year == 2019).values(offset=4000))
    changed = runner.invoke(args=["statement", "verify", str(path)])
    assert changed.exit_code == 1 and "offset: 50.00 → 40.00" in changed.output

    out = tmp_path / "notices"
    run(runner, "statement", "notice", "--as-of", "2018-10-01", "--all", "--out", str(out))
    with zipfile.ZipFile(out / "notice-2018-10-01.zip") as zipped:
        assert sorted(zipped.namelist()) == [
            "notice-2018-10-01-HY01.pdf",
            "notice-2018-10-01-HY02.pdf",
        ]
        text = pdf_text_bytes(zipped.read("notice-2018-10-01-HY01.pdf"))
    assert text.count("200.00") >= 4 and "800.00" in text and "捌佰元整" in text


def test_one_of_institution_and_all(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["statement", "2018", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "exactly one of --institution K and --all" in result.output


def test_the_audit_report_shows_the_batch_and_verifies(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)
    [batch] = run(runner, "audit", "list", "--year", "2018", "--json")["batches"]
    shown = run(runner, "audit", "show", str(batch["batch"]), "--json")
    path = tmp_path / "audit.pdf"
    run(runner, "statement", "audit", str(batch["batch"]), "--out", str(path))
    text = pdf_text(path)
    for key in ("seed", "U", "deduction", "from", "to"):
        assert str(shown[key]) in text, key
    assert shown["stratum"] == "all" and " all" not in text
    assert "全年（2018-01-01 至 2018-12-31）" in text and "全部记录" in text
    assert "（HTN）" in text and f"HY-CH-2018-HY01-{batch['batch']}" in text
    assert (shown["N"], shown["n"], shown["deduction"]) == (5, 2, "25.00")
    for sample in shown["sample"]:
        assert sample["source_id"] in text and sample["purchasable"] in text
    assert "no follow-up on file" in text and "不通过" in text and "通过" in text
    assert runner.invoke(args=["statement", "verify", str(path)]).exit_code == 0

    session.execute(update(AuditBatch).values(deduction=2000))
    changed = runner.invoke(args=["statement", "verify", str(path)])
    assert changed.exit_code == 1 and "deduction: 25.00 → 20.00" in changed.output


def test_an_open_batch_has_no_report_yet(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    drawn = run(runner, "audit", "draw", "--year", "2018", "--institution", "HY01", "--item",
                "HTN", "--size", "2", "--seed", "s", "--json")  # fmt: skip
    result = runner.invoke(args=["statement", "audit", str(drawn["batch"]), "--out", "x.pdf"])
    assert result.exit_code == 1 and "is open" in result.output


def test_the_bonus_slips_show_the_pay_sheet_and_verify(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    settled_example(runner, tmp_path)
    run(runner, "assess", "set", "2018", "--institution", "HY01", "--score", "962.50",
        "--surplus", "300000")  # fmt: skip
    args = ["2018", "--institution", "HY01", "--performance-pay", "9500"]
    sheet = run(runner, "paysheet", *args, "--json")
    path = tmp_path / "slips.pdf"
    run(runner, "statement", "slip", *args, "--out", str(path))
    text = pdf_text(path)
    for key in ("performance_pay", "basic", "incentive", "efficiency_bonus"):
        assert group_decimal(sheet[key]) in text, key
    for staff in sheet["staff"]:
        assert staff["code"] in text and group_decimal(staff["incentive"]) in text
        assert group_decimal(staff["efficiency_bonus"]) in text
    assert "HY-JX-2018-HY01" in text and "合计" in text and "基础绩效" in text
    assert runner.invoke(args=["statement", "verify", str(path)]).exit_code == 0

    session.execute(update(Assessment).values(pool=10000000))
    changed = runner.invoke(args=["statement", "verify", str(path)])
    assert changed.exit_code == 1 and "efficiency_bonus: 150000.00 → 100000.00" in changed.output


def test_budget_scaling_is_shown_where_it_applied(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """The budget variant: A 900.00 scaled to F 889.09 shows F − A = −10.91."""
    load_example(runner, tmp_path)
    audit_htn(runner)
    configure_2018(runner, budget="1600", fund="30")
    run(runner, "settle", "2018", "--as-of", "2019-01-15")
    out = tmp_path / "hy01.pdf"
    run(runner, "statement", "2018", "--institution", "HY01", "--out", str(out))
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "预算按比例调整" in text and "-10.91" in text and "889.09" in text


def test_every_audit_report_of_a_year(runner: FlaskCliRunner, tmp_path: Path) -> None:
    load_example(runner, tmp_path)
    audit_htn(runner)
    out = tmp_path / "audits"
    run(runner, "statement", "audit", "--year", "2018", "--all", "--out", str(out))
    [pdf] = out.glob("*.pdf")  # the one closed batch (ids differ between databases)
    assert pdf.name.startswith("audit-report-2018-")
    assert zipfile.ZipFile(out / "audit-report-2018.zip").namelist() == [pdf.name]
    assert runner.invoke(args=["statement", "audit", "--all", "--out", str(out)]).exit_code == 2


def test_a_settled_statement_prints_the_years_ledger_seal(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    settled_example(runner, tmp_path)
    seal = year_seal(session, 2018)
    assert seal is not None and len(seal.hash) == 64
    path = tmp_path / "hy01.pdf"
    text = make(runner, "HY01", path)
    assert f"账本封印：{seal.hash[:16]}…" in text
    assert runner.invoke(args=["statement", "verify", str(path)]).exit_code == 0
    figures = settlement_statement(session, 2018, "HY01", "海盐县", datetime.now(UTC)).figures()
    assert figures["seal"] == seal.hash
    assert "结算基准日：2019-01-15" in text and "结算办理时间：" in text and "UTC" not in text
