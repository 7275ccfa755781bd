"""Institutions and staff from CSV: idempotent, clear per-row errors, all or nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haiyan_comp.errors import InvalidInput
from haiyan_comp.institutions import services
from haiyan_comp.institutions.models import Institution, Staff
from haiyan_comp.institutions.services import LoadResult, load_institutions
from haiyan_comp.records.usage import staff_record_count
from tests.services.helpers import HEADER, import_text, setup_county


def csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def load_staff(session: Session, stream: io.BytesIO, filename: str) -> LoadResult:
    return services.load_staff(session, stream, filename, records_of=staff_record_count)


def test_loading_twice_changes_nothing(session: Session) -> None:
    first = load_institutions(session, csv("code,name\nHY01,甲\nHY02,乙\n"), "i.csv")
    again = load_institutions(session, csv("code,name\nHY01,甲\nHY02,乙\n"), "i.csv")
    renamed = load_institutions(session, csv("code,name\nHY01,甲中心\n"), "i.csv")
    assert (first.added, again.added, again.unchanged) == (["HY01", "HY02"], [], 2)
    assert renamed.updated == ["HY01"]
    assert session.scalar(select(Institution.name).where(Institution.code == "HY01")) == "甲中心"


def test_bad_rows_are_named_and_nothing_is_loaded(session: Session) -> None:
    with pytest.raises(InvalidInput) as error:
        load_institutions(session, csv("code,name\nHY01,\nHY 2,乙\nHY03,丙\nHY03,丁\n"), "i.csv")
    assert error.value.details["problems"] == [
        "line 2: name: must not be empty",
        "line 3: code: 'HY 2' must be 1–16 letters, digits, '_', '.' or '-'",
        "line 5: code: HY03 is repeated (first on line 4)",
    ]
    assert session.scalars(select(Institution)).all() == []


def test_a_wrong_header_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="the header must be code,name"):
        load_institutions(session, csv("id,name\n1,x\n"), "i.csv")


def test_staff_of_an_unknown_institution(session: Session) -> None:
    load_institutions(session, csv("code,name\nHY01,甲\n"), "i.csv")
    with pytest.raises(InvalidInput, match="line 3: institution_code: unknown institution 'HY09'"):
        load_staff(session, csv("code,institution_code,name\nS1,HY01,张\nS2,HY09,李\n"), "s.csv")
    assert session.scalars(select(Staff)).all() == []


def test_staff_with_records_cannot_move_institution(session: Session) -> None:
    setup_county(session)
    import_text(session, HEADER + "A1,HY01,S1,OP,2018-01-02,,1\n")
    with pytest.raises(InvalidInput, match="staff S1 has 1 records at HY01"):
        load_staff(session, csv("code,institution_code,name\nS1,HY02,张医生\n"), "s.csv")
    moved = load_staff(session, csv("code,institution_code,name\nS2,HY02,李医生\n"), "s.csv")
    assert moved.updated == ["S2"]
