"""Catalogue, institutions, staff and indicators load from .xlsx and GB18030 CSV like from CSV."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.catalogue.models import ServiceItem
from haiyan_comp.catalogue.services import read_valid_catalogue
from haiyan_comp.errors import InvalidInput
from haiyan_comp.institutions import services
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.records.usage import staff_record_count
from tests.sheets.helpers import workbook
from tests.worked_example import CATALOGUE_CSV, INSTITUTIONS_CSV, STAFF_CSV


def rows_of(text: str) -> list[list[Any]]:
    return [line.split(",") for line in text.strip().splitlines()]


def test_institutions_and_staff_from_a_workbook_and_from_gb18030(session: Session) -> None:
    institutions = workbook(rows_of(INSTITUTIONS_CSV), "机构", others=["说明"])
    loaded = services.load_institutions(session, io.BytesIO(institutions), "i.xlsx", "机构")
    assert loaded.added == ["HY01", "HY02"]
    staff = io.BytesIO(STAFF_CSV.encode("gb18030"))
    loaded = services.load_staff(session, staff, "staff.csv", staff_record_count)
    assert loaded.added == ["S1", "S2", "S3"]
    assert session.scalar(select(Staff.name).where(Staff.code == "S1")) == "张医生"
    again = services.load_institutions(
        session, io.BytesIO(INSTITUTIONS_CSV.encode("gb18030")), "i.csv"
    )
    assert again.unchanged == 2  # the same names, whatever the encoding
    assert session.scalar(select(Institution.name).where(Institution.code == "HY01")) == (
        "武原街道社区卫生服务中心"
    )


def test_a_staff_code_the_spreadsheet_made_a_number_is_refused_naming_the_line(
    session: Session,
) -> None:
    services.load_institutions(session, io.BytesIO(INSTITUTIONS_CSV.encode()), "i.csv")
    rows: list[list[Any]] = [["code", "institution_code", "name"], ["S1", "HY01", "甲"],
                             [1001.0, "HY01", "乙"]]  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        services.load_staff(session, io.BytesIO(workbook(rows)), "s.xlsx", staff_record_count)
    assert refused.value.message.code == "cell_problem"
    assert "line 3: code: '1001' is a number in the spreadsheet" in refused.value.message
    assert session.scalar(select(Staff.code)) is None  # nothing loaded


def test_a_catalogue_workbook_with_numbers_typed_as_numbers(session: Session) -> None:
    rows = rows_of(CATALOGUE_CSV)
    for row in rows[1:]:
        row[4] = float(row[4])  # 1.00, 10.00, 2.50 typed as numbers
        row[5] = int(row[5]) if row[5] else None
    items = read_valid_catalogue(io.BytesIO(workbook(rows, first=1)), "catalogue.xlsx")
    assert [(i.code, i.value, i.cap) for i in items] == [
        ("OP", 100, None),
        ("HTN", 1000, 1),
        ("REC", 250, 1),
    ]
    rows[2][4] = 10.005  # a third decimal: refused with the spreadsheet's line
    with pytest.raises(InvalidInput) as refused:
        read_valid_catalogue(io.BytesIO(workbook(rows, first=1)), "catalogue.xlsx")
    assert "line 4" in refused.value.message


def test_the_commands_take_a_workbook_and_its_sheet(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "institutions.xlsx"
    path.write_bytes(workbook(rows_of(INSTITUTIONS_CSV), "机构", others=["说明"]))
    result = runner.invoke(args=["institutions", "load", str(path), "--sheet", "机构"])
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output
    result = runner.invoke(args=["institutions", "load", str(path), "--sheet", "nope"])
    assert result.exit_code != 0 and "no sheet 'nope'" in result.output
    staff = tmp_path / "staff.xlsx"
    staff.write_bytes(workbook(rows_of(STAFF_CSV)))
    assert runner.invoke(args=["staff", "load", str(staff)]).exit_code == 0
    catalogue = tmp_path / "catalogue.xlsx"
    catalogue.write_bytes(workbook(rows_of(CATALOGUE_CSV), "目录"))
    result = runner.invoke(args=["catalog", "load", str(catalogue), "--year", "2018"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(ServiceItem.name).where(ServiceItem.code == "OP")) == "普通门诊"
    records = tmp_path / "records.xlsx"
    records.write_bytes(workbook([
        ["source_id", "institution_code", "staff_code", "item_code", "service_date"],
        ["X1", "HY01", "S1", "OP", "2018-03-01"], ["X2", "HY01", "S1", "NOPE", "2018-03-01"],
    ], "记录"))  # fmt: skip
    result = runner.invoke(
        args=["records", "import", str(records), "--sheet", "记录", "--as-of", "2019-01-10",
              "--json"]
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert '"cells": [' in result.output and '"header": [' in result.output
