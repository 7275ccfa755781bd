"""The reading benchmark (bench.reading) runs every stage of an import's Python side over
every row of a file, with the writers' own encoding: it cannot measure something else."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from bench.reading import STAGES, stage_seconds
from haiyan_comp.records.readers import read_chunks
from haiyan_comp.records.rules import RecordRow, make_chunk_validator
from haiyan_comp.records.services import load_reference
from haiyan_comp.records.writers import Load, copy_text
from tests.services.helpers import HEADER, setup_county


def test_every_stage_reads_every_row_of_the_file(session: Session, tmp_path: Path) -> None:
    setup_county(session)
    path = tmp_path / "records.csv"
    rows = [f"B{n:03},HY01,S{1 + n % 2},OP,2018-0{1 + n % 9}-02,,1" for n in range(250)]
    path.write_text(HEADER + "\n".join(rows) + "\n" + "bad,HY99,S1,OP,2018-01-02,,1\n")
    ref = load_reference(session, date(2019, 1, 1))
    for stage in STAGES:
        seconds, read = stage_seconds(stage, str(path), ref)
        assert read == 251, stage
        assert seconds >= 0


def test_the_copy_text_keeps_a_keyless_load_in_file_order_and_sorts_a_keyed_one(
    session: Session, tmp_path: Path
) -> None:
    setup_county(session)
    text = HEADER + "".join(f"C{9 - n},HY01,S1,HTN,2018-03-0{1 + n},r{n},1\n" for n in range(9))
    path = tmp_path / "records.csv"
    path.write_text(text)
    ref = load_reference(session, date(2019, 1, 1))
    with path.open("rb") as stream:
        chunk = next(read_chunks(stream, "csv", 100))
    valid, _ = make_chunk_validator(ref, 7)(chunk.lines, chunk.columns, chunk.notes)
    units = str(valid.column("units")[0])
    for load, source, line in ((Load.KEYLESS, "C9", "2"), (Load.BULK, "C1", "10")):
        lines = copy_text(valid, load).decode().splitlines()
        assert len(lines) == 9
        first = dict(zip(RecordRow._fields, lines[0].split("\t"), strict=True))
        assert (first["source_id"], first["import_id"], first["line"]) == (source, "7", line)
        assert first["units"] == first["purchasable"] == units
        assert first["capped"] == "t" and first["service_date"].startswith("2018-03-0")
