"""The CSV reader's fast path reads every file exactly as the csv module does."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiyan_comp.errors import InvalidInput
from haiyan_comp.jsondepth import MAX_DEPTH
from haiyan_comp.records import readers
from haiyan_comp.records.readers import Chunk, _CsvChunks, _JsonChunks
from haiyan_comp.records.rules import FIELDS

CELL = st.sampled_from(
    ["A1", "HY01", "S1", "OP", "2018-01-02", "r1", "1", "", " padded ", "居民", "a,b", 'say "hi"',
     "two\nlines", "tab\there", "back\\slash", "\x00", "é\r"]
)  # fmt: skip


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A record file as real exports write them, with the usual mistakes."""
    header = draw(st.permutations(FIELDS))
    header = (
        header[: draw(st.integers(5, 7))]
        if set(header[5:]) <= {"resident_id", "quantity"}
        else header
    )
    rows = draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), max_size=25))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    lines = [out.getvalue()]
    for row in rows:
        out.seek(0)
        out.truncate()
        shape = draw(st.sampled_from(["row", "row", "row", "short", "long", "blank"]))
        if shape == "short":
            row = row[:-1]
        elif shape == "long":
            row = [*row, "extra"]
        if shape == "blank":
            lines.append(draw(st.sampled_from(["\n", "\r\n", " \n", ",,,,,,\n"])))
        else:
            writer.writerow(row)
            lines.append(out.getvalue())
    data = "".join(lines).encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.booleans()):
        data += "GBK,HY01,S1,OP,2018-01-02,居民,1\n".encode("gbk")
    if draw(st.booleans()):
        data = data.rstrip(b"\n")
    return data


def read(
    data: bytes, *, fast: bool, chunk_rows: int, reader: type[_CsvChunks | _JsonChunks] = _CsvChunks
) -> list[tuple[object, ...]] | str:
    """Every row item the reader gives, or the message it refuses the file with."""
    try:
        chunks = list(reader(io.BufferedReader(io.BytesIO(data)), chunk_rows, fast=fast).chunks())
    except InvalidInput as exc:
        return exc.message
    return sorted(_items(chunks))


def _items(chunks: list[Chunk]) -> list[tuple[object, ...]]:
    items: list[tuple[object, ...]] = []
    for chunk in chunks:
        assert chunk.size <= 7 or len(chunk.lines) == chunk.size
        items.extend((r.line, r.source_id, tuple(r.reasons)) for r in chunk.unreadable)
        for index, line in enumerate(chunk.lines):
            values = tuple(column[index] for column in chunk.columns)
            items.append((line, values, tuple(chunk.notes.get(index, []))))
    return items


@given(data=csv_files(), chunk_rows=st.integers(1, 7), block=st.sampled_from([16, 64, 1 << 22]))
def test_fast_and_csv_module_paths_read_the_same(data: bytes, chunk_rows: int, block: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readers, "BLOCK_BYTES", block)  # small blocks: switch paths mid-file
        assert read(data, fast=True, chunk_rows=chunk_rows) == read(
            data, fast=False, chunk_rows=chunk_rows
        )


def test_a_plain_file_takes_the_fast_path_with_line_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_CsvChunks, "_slow", None)  # the csv module's path is not taken
    data = (
        b"source_id,institution_code,staff_code,item_code,service_date,resident_id,quantity\r\n"
        b"A1,HY01,S1,OP,2018-01-02,,1\r\n"
        b"\r\n"
        b"A2, HY01 ,S1,OP,2018-01-03,r2,2\r\n"
        b"A3,HY01,S1\r\n"
    )
    assert read(data, fast=True, chunk_rows=10) == [
        (2, ("A1", "HY01", "S1", "OP", "2018-01-02", "", "1"), ()),
        (4, ("A2", "HY01", "S1", "OP", "2018-01-03", "r2", "2"), ()),
        (5, "A3", ("the row has 3 fields, the header has 7",)),
    ]


GOOD_OBJECT = {
    "source_id": "A1",
    "institution_code": "HY01",
    "staff_code": " S1 ",
    "item_code": "OP",
    "service_date": "2018-01-02",
    "resident_id": "居民",
    "quantity": "1",
}
ODD_VALUES = [None, True, False, 2, -1, 1.5, [1], {"x": 1}, ""]


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    """JSON Lines as a platform might send them: mostly good, with the usual mistakes."""
    lines = []
    for _ in range(draw(st.integers(0, 20))):
        obj: dict[str, object] = dict(GOOD_OBJECT)
        for name in draw(st.sets(st.sampled_from(["resident_id", "quantity"]))):
            del obj[name]
        shapes = ["good", "good", "good", "odd", "odd", "extra", "blank", "broken", "array"]
        shapes += ["deep", "open"]  # nested past the limit; brackets left open across lines
        shape = draw(st.sampled_from(shapes))
        if shape == "odd":
            obj[draw(st.sampled_from(FIELDS))] = draw(st.sampled_from(ODD_VALUES))
        elif shape == "extra":
            obj["colour"] = "red"
        text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
        if shape == "blank":
            text = draw(st.sampled_from(["", " ", "\r"]))
        elif shape == "broken":
            text = text[:-1]
        elif shape == "array":
            text = "[" + text + "]"
        elif shape == "deep":
            n = draw(st.sampled_from([MAX_DEPTH - 1, MAX_DEPTH, 2000]))
            text = text[:-1] + ', "quantity": ' + "[" * n + "]" * n + "}"
        elif shape == "open":
            text = text[:-1] + ', "colour": {"x": 1' + ', "y": [{"z": 1' * 20
        lines.append(text.encode() + draw(st.sampled_from([b"\n", b"\r\n"])))
    data = b"".join(lines)
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.booleans()):
        data += '{"source_id": "居民"}\n'.encode("gbk")
    return data


@given(data=jsonl_files(), chunk_rows=st.integers(1, 7), block=st.sampled_from([16, 64, 1 << 22]))
def test_json_lines_fast_and_line_by_line_read_the_same(
    data: bytes, chunk_rows: int, block: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readers, "BLOCK_BYTES", block)
        fast = read(data, fast=True, chunk_rows=chunk_rows, reader=_JsonChunks)
        assert fast == read(data, fast=False, chunk_rows=chunk_rows, reader=_JsonChunks)


def test_plain_json_lines_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "_json_lines", None)  # the line-by-line path is not taken
    data = (
        b'{"source_id": "A1", "institution_code": "HY01", "staff_code": "S1",'
        b' "item_code": "OP", "service_date": "2018-01-02", "quantity": 2}\n'
        b'{"source_id": " A2 ", "institution_code": "HY01", "staff_code": "S1",'
        b' "item_code": "HTN", "service_date": "2018-01-03", "resident_id": "r1"}\n'
    )
    assert read(data, fast=True, chunk_rows=10, reader=_JsonChunks) == [
        (1, ("A1", "HY01", "S1", "OP", "2018-01-02", "", "2"), ()),
        (2, ("A2", "HY01", "S1", "HTN", "2018-01-03", "r1", ""), ()),
    ]


GOOD_LINE = json.dumps(GOOD_OBJECT).encode() + b"\n"


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("chunk_rows", [1, 3, 10])
def test_a_line_nested_2000_deep_is_rejected_alone(fast: bool, chunk_rows: int) -> None:
    deep = b'{"source_id": "D1", "quantity": ' + b"[" * 2000 + b"]" * 2000 + b"}\n"
    data = GOOD_LINE * 2 + deep + GOOD_LINE * 2
    items = read(data, fast=fast, chunk_rows=chunk_rows, reader=_JsonChunks)
    assert [item[0] for item in items] == [1, 2, 3, 4, 5]
    assert items[2] == (3, "", (readers.TOO_DEEP,))
    assert "more than 64 levels deep" in readers.TOO_DEEP


@pytest.mark.parametrize("fast", [True, False])
def test_lines_each_a_little_deep_cannot_add_up_to_too_deep(fast: bool) -> None:
    # Joined into one array (the fast path) these lines read as JSON so far, 15 levels
    # deeper each: 1,500 levels in all. Each line alone is only invalid.
    lines = b'{"a": 1\n' + (b'"k": {"j": 1' + b', "k": {"j": 1' * 14 + b"\n") * 100
    stream = io.BufferedReader(io.BytesIO(lines + GOOD_LINE))
    [chunk] = _JsonChunks(stream, 200, fast=fast).chunks()
    assert chunk.lines == [102] and [r.line for r in chunk.unreadable] == list(range(1, 102))
    assert all(r.reasons[0].startswith("the line is not valid JSON") for r in chunk.unreadable)
