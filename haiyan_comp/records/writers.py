"""Bulk writers of validated records, one per database.

SQLite gets INSERTs of ROWS_PER_STATEMENT rows each, with ON CONFLICT DO
NOTHING. PostgreSQL gets COPY: straight into the table while every row is
new, else through a temporary stage and one INSERT … SELECT … ON CONFLICT DO
NOTHING. Both return how many rows were really inserted. When some were not,
`stage` leaves the chunk in the temporary table import_stage so that the
caller can classify the rest as duplicates or conflicts with one join. A
load without R2's key (Load.KEYLESS, see bulk.py) inserts every row as it
comes: the key is built, and what repeats one is found, once they are all in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from haiyan_comp.db import driver_connection
from haiyan_comp.records.rules import RecordRow, ValidRows

COLUMN_LIST = ", ".join(RecordRow._fields)  # the stored columns, as import_stage has them too
_STAGE_COLUMNS = (
    "institution_id INTEGER, source_id VARCHAR(64), staff_id INTEGER, item_id INTEGER,"
    " year INTEGER, service_date DATE, resident_id VARCHAR(64), quantity INTEGER,"
    " units BIGINT, purchasable BIGINT, capped BOOLEAN, import_id INTEGER, line INTEGER"
)


@dataclass(frozen=True, slots=True)
class Encoded:
    """A chunk of valid rows and what its database is sent of them.

    The reading thread encodes a chunk while the writing thread (PostgreSQL)
    sends the one before, so that the writing thread only waits on the server.
    """

    rows: ValidRows
    payload: Any  # PostgreSQL: COPY text; SQLite: the bound values by column; in insert order


class RecordWriter(Protocol):
    def encode(self, rows: ValidRows) -> Encoded:
        """The chunk as this database takes it (pure Python: any thread)."""

    def insert(self, chunk: Encoded) -> int:
        """Insert rows whose key is new; return how many that were."""

    def stage(self, chunk: Encoded) -> None:
        """Make import_stage hold exactly these rows."""


def temp_table(session: Session, name: str, columns: str) -> None:
    """An empty temporary table of this transaction (PostgreSQL drops it at commit)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(
        text(
            f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})"
            + (" ON COMMIT DROP" if postgres else "")
        )
    )
    session.execute(text(f"DELETE FROM {name}"))


class Load(Enum):
    """How a load keeps the records' indexes (bulk.py)."""

    ROW_BY_ROW = "row by row"  # every index kept up as rows go in
    BULK = "bulk"  # only R2's key kept up; the other indexes built at the end
    KEYLESS = "keyless"  # no index kept up: R2's key too is built at the end


def insert_order(rows: ValidRows, load: Load) -> list[int] | None:
    """The order a chunk's rows go in: the one that touches fewest index pages.

    While the composite index is kept up row by row, rows of one institution
    and item go together (ValidRows.index_order). In a bulk load it is built
    at the end (bulk.py), and the unique (institution_id, source_id) key is
    the one index kept up: rows go in by source id, so that a file in random
    order fills each of its pages once per chunk, not row by row all over it
    (PostgreSQL, 1,000,000 rows of the capped-heavy file: a quarter less time
    in COPY). A sort is stable: of two rows with one key, the first line
    still goes first and wins. With no index kept up (Load.KEYLESS), rows go
    in as they come: the sort was about 3 % of the reading thread's
    instructions.
    """
    if load is Load.KEYLESS:
        return None
    if load is Load.BULK:
        return sorted(range(len(rows)), key=rows.column("source_id").__getitem__)
    return rows.index_order()


# RecordRow's fields in order: purchasable binds units again (the row's 9th value),
# import_id is the chunk's one number; the other 11 are bound.
_UNBOUND = ("purchasable", "import_id")
_BOUND = [i for i, name in enumerate(RecordRow._fields) if name not in _UNBOUND]
_ROW_VALUES = "?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, {{import_id}}, ?{}"
_ROW_PARAMS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 11)  # the 11 bound values, in _ROW_VALUES
# `capped` is bound as 0 or 1, not as a bool: sqlite3 binds only exact ints, floats
# and strings directly and sends anything else through its adapters' registry
# first. For a bool that took 0.45 s of 1,000,000 rows' inserts (2.2 → 1.7 s).
_CAPPED = [RecordRow._fields[i] for i in _BOUND].index("capped")
# SQLite: rows one INSERT binds (SqliteWriter.encode). A 400,000-row bulk import under
# callgrind: 24.88 G instructions with one row per statement, 23.33 G with 50 rows,
# 23.27 G with 100, 23.34 G with 200, and 28.63 G with 1,000.
ROWS_PER_STATEMENT = 100


def bound_groups(rows: ValidRows, load: Load, per_statement: int) -> list[list[Any]]:
    """A chunk's values as SQLite binds them (SqliteWriter.encode), in insert order:
    `per_statement` rows' values after one another per INSERT, the last one fewer."""
    columns: list[Sequence[Any]] = list(map(rows.columns.__getitem__, _BOUND))
    columns[_CAPPED] = list(map(int, columns[_CAPPED]))  # see _CAPPED
    order = insert_order(rows, load)
    if order is not None and len(order) > 1:  # itemgetter of one index gives no tuple
        arrange = itemgetter(*order)
        columns = [arrange(column) for column in columns]
    bound = len(_BOUND)
    values: list[Any] = [None] * (len(rows) * bound)
    for position, column in enumerate(columns):  # row after row: half chain(zip())'s cost
        values[position::bound] = column
    step = per_statement * bound
    return [values[start : start + step] for start in range(0, len(values), step)]


def sqlite_values(rows: int) -> str:
    """The VALUES of an INSERT of `rows` rows with bound_groups' parameters, numbered
    (purchasable binds its row's units again), import_id left to format in."""
    bound = len(_BOUND)
    return ", ".join(
        "(" + _ROW_VALUES.format(*(row * bound + n for n in _ROW_PARAMS)) + ")"
        for row in range(rows)
    )


def copy_text(rows: ValidRows, load: Load) -> bytes:
    """A chunk as PostgreSQL's COPY text (PostgresWriter.encode), in insert order."""
    lines = copy_lines(RecordRow._fields, rows.columns)
    order = insert_order(rows, load)
    return _joined(lines if order is None else map(lines.__getitem__, order))


class SqliteWriter:
    """INSERTs of many rows each on the session's own sqlite3 connection (same transaction)."""

    def __init__(self, session: Session, load: Load) -> None:
        temp_table(session, "import_stage", _STAGE_COLUMNS)
        self._dbapi = driver_connection(session)
        self._placeholders = ", ".join("?" for _ in RecordRow._fields)
        self._load = load
        self._statements: dict[tuple[int, int], str] = {}
        # SQLite before 3.32 binds at most 999 values per statement (32,766 since).
        most = self._dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._per_statement = max(1, min(ROWS_PER_STATEMENT, most // len(_BOUND)))
        # With no key to meet, a row cannot conflict (and SQLite refuses a
        # conflict target that no unique index matches).
        self._on_conflict = (
            "" if load is Load.KEYLESS else " ON CONFLICT (institution_id, source_id) DO NOTHING"
        )

    def encode(self, rows: ValidRows) -> Encoded:
        """The chunk's bound values, ROWS_PER_STATEMENT rows per INSERT (bound_groups),
        fewer where the SQLite library binds fewer values per statement.

        One INSERT of many rows, not executemany of one row each: sqlite3 then
        steps, resets and goes back to Python once per statement, not per row,
        and SQLite starts its program once per statement. Each row binds 11
        values, not 13: purchasable starts equal to units (the same parameter
        twice) and import_id is the chunk's one number, written into the
        statement by `insert`.
        """
        return Encoded(rows, bound_groups(rows, self._load, self._per_statement))

    def insert(self, chunk: Encoded) -> int:
        """Insert rows; return how many were new."""
        rows, groups = chunk.rows, chunk.payload
        if not groups:
            return 0
        import_id = int(rows.column("import_id")[0])
        full = groups if len(groups[-1]) == len(groups[0]) else groups[:-1]
        inserted = 0
        if full:
            statement = self._statement(len(groups[0]) // len(_BOUND), import_id)
            inserted += self._dbapi.executemany(statement, full).rowcount
        if len(full) < len(groups):
            statement = self._statement(len(groups[-1]) // len(_BOUND), import_id)
            inserted += self._dbapi.execute(statement, groups[-1]).rowcount
        return inserted

    def _statement(self, rows: int, import_id: int) -> str:
        """The INSERT of `rows` rows of this import, made once (sqlite3 prepares it once)."""
        key = (rows, import_id)
        if key not in self._statements:
            values = sqlite_values(rows).format(import_id=import_id)
            self._statements[key] = (
                f"INSERT INTO service_records ({COLUMN_LIST}) VALUES {values}{self._on_conflict}"
            )
        return self._statements[key]

    def stage(self, chunk: Encoded) -> None:
        """Put the chunk in the temporary stage for classification."""
        self._dbapi.execute("DELETE FROM import_stage")
        self._dbapi.executemany(
            f"INSERT INTO import_stage ({COLUMN_LIST}) VALUES ({self._placeholders})",
            chunk.rows.tuples(),
        )


class PostgresWriter:
    """COPY straight into the table while every row is new; else through a stage.

    A fresh file (the bulk case) goes in by COPY inside a savepoint. The first
    chunk that meets an existing key rolls back to the savepoint, and from then
    on chunks go through a temporary stage and INSERT … ON CONFLICT DO NOTHING.
    The stage takes the same COPY text: its rows' order does not matter there.
    With no key to meet (Load.KEYLESS), every chunk goes in by COPY, no savepoint.
    """

    def __init__(self, session: Session, load: Load) -> None:
        temp_table(session, "import_stage", _STAGE_COLUMNS)
        self._dbapi = driver_connection(session)
        self._direct = True
        self._staged: Encoded | None = None
        self._load = load

    def encode(self, rows: ValidRows) -> Encoded:
        """The chunk as COPY text, in insert order."""
        return Encoded(rows, copy_text(rows, self._load))

    def insert(self, chunk: Encoded) -> int:
        """Insert rows; return how many were new."""
        if self._load is Load.KEYLESS:
            self._copy(chunk.payload)
            return len(chunk.rows)
        if self._direct and self._copy_direct(chunk.payload):
            return len(chunk.rows)
        self._direct = False
        self.stage(chunk)
        with self._dbapi.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO service_records ({COLUMN_LIST}) "
                f"SELECT {COLUMN_LIST} FROM import_stage ORDER BY line "
                "ON CONFLICT (institution_id, source_id) DO NOTHING"
            )
            return int(cursor.rowcount)

    def stage(self, chunk: Encoded) -> None:
        """COPY the chunk into the temporary stage (once per chunk)."""
        if self._staged is chunk:
            return
        with self._dbapi.cursor() as cursor:
            cursor.execute("TRUNCATE import_stage")
            with cursor.copy(f"COPY import_stage ({COLUMN_LIST}) FROM STDIN") as copy:
                copy.write(chunk.payload)
        self._staged = chunk

    def _copy_direct(self, payload: bytes) -> bool:
        # Imported here: a SQLite command does not load PostgreSQL's driver (with
        # zxcvbn, accounts/passwords.py, 0.4 G instructions of a SQLite import's start).
        from psycopg.errors import UniqueViolation

        with self._dbapi.cursor() as cursor:
            cursor.execute("SAVEPOINT import_chunk")
            try:
                self._copy(payload)
            except UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT import_chunk")
                return False
            cursor.execute("RELEASE SAVEPOINT import_chunk")
            return True

    def _copy(self, payload: bytes) -> None:
        with (
            self._dbapi.cursor() as cursor,
            cursor.copy(f"COPY service_records ({COLUMN_LIST}) FROM STDIN") as copy,
        ):
            copy.write(payload)


_TEXT_COLUMNS = {"source_id", "resident_id", "service_date"}
_NUMBERED = {"line"}  # a different number on every row
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_BOOLEAN = {True: "t", False: "f"}


class _NumberTexts(dict[int, str]):
    """Whole numbers as text, each worked out once and then looked up."""

    def __missing__(self, number: int) -> str:
        text = self[number] = str(number)
        return text


def copy_lines(names: Sequence[str], columns: Sequence[list[Any]]) -> list[str]:
    """Rows as lines of COPY's text format, joined by one str.join per row.

    Most numbers of a chunk repeat (an institution, a staff member, an item,
    a year, a quantity and its units, the import): each is turned into text
    once per chunk and looked up after that. Under callgrind, for 200,000
    records, this takes 1.39 G instructions, where one %-format per row took
    1.98 G and str() of every number 2.61 G.
    """
    texts = _NumberTexts()
    fields: list[Iterable[str]] = []
    for name, column in zip(names, columns, strict=True):
        if name in _TEXT_COLUMNS:
            fields.append(_copy_texts(column))
        elif name == "capped":
            fields.append(map(_BOOLEAN.__getitem__, column))
        elif name in _NUMBERED:
            fields.append(map(str, column))
        else:
            fields.append(map(texts.__getitem__, column))
    return list(map("\t".join, zip(*fields, strict=True)))


def _joined(lines: Iterable[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def bulk_insert(
    session: Session, table: str, names: Sequence[str], rows: Collection[tuple[Any, ...]]
) -> None:
    """Insert many rows into a table of the session's transaction as fast as it goes."""
    dbapi = driver_connection(session)
    if session.get_bind().dialect.name != "postgresql":
        marks = ", ".join("?" for _ in names)
        dbapi.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)
        return
    columns = [list(column) for column in zip(*rows, strict=True)]
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(_joined(copy_lines(names, columns)))


def _copy_texts(column: list[str | None]) -> list[str]:
    """Text values escaped for COPY (backslash, tab, newline, CR), None as \\N."""
    present = "".join(filter(None, column))
    if any(c in present for c in "\\\t\n\r"):
        column = [None if v is None else v.translate(_COPY_ESCAPES) for v in column]
    if None in column:
        return ["\\N" if v is None else v for v in column]
    return column  # type: ignore[return-value]


def make_writer(session: Session, load: Load) -> RecordWriter:
    """The fastest writer the session's database offers for this kind of load."""
    if session.get_bind().dialect.name == "postgresql":
        return PostgresWriter(session, load)
    return SqliteWriter(session, load)
