"""Bulk writers of validated records, one per database.

SQLite gets `executemany` with ON CONFLICT DO NOTHING; PostgreSQL gets COPY
into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING.
Both return how many rows were really inserted; rows whose key already
exists are left for the caller to classify as duplicates or conflicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session

from haiyan_comp.records.rules import RecordRow

COLUMNS = (
    "institution_id",
    "source_id",
    "staff_id",
    "item_id",
    "year",
    "service_date",
    "resident_id",
    "quantity",
    "units",
    "purchasable",
    "capped",
    "import_id",
    "line",
)
_COLUMN_LIST = ", ".join(COLUMNS)


class RecordWriter(Protocol):
    def insert(self, rows: Sequence[RecordRow]) -> int: ...


def _values(row: RecordRow, import_id: int) -> tuple[Any, ...]:
    return (
        row.institution_id,
        row.source_id,
        row.staff_id,
        row.item_id,
        row.year,
        row.service_date,
        row.resident_id,
        row.quantity,
        row.units,
        row.units,  # purchasable until the cap is applied (R3)
        row.capped,
        import_id,
        row.line,
    )


class SqliteWriter:
    """executemany on the session's own sqlite3 connection (same transaction)."""

    def __init__(self, session: Session, import_id: int) -> None:
        self._dbapi = session.connection().connection.dbapi_connection
        self._import_id = import_id
        placeholders = ", ".join("?" for _ in COLUMNS)
        self._sql = (
            f"INSERT INTO service_records ({_COLUMN_LIST}) VALUES ({placeholders}) "
            "ON CONFLICT (institution_id, source_id) DO NOTHING"
        )

    def insert(self, rows: Sequence[RecordRow]) -> int:
        """Insert rows; return how many were new."""
        import_id = self._import_id
        cursor = self._dbapi.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(
                self._sql,
                [_values(row, import_id) for row in rows],
            )
            return int(cursor.rowcount)
        finally:
            cursor.close()


class PostgresWriter:
    """COPY into a temporary stage, then insert what is new in one statement."""

    def __init__(self, session: Session, import_id: int) -> None:
        self._dbapi = session.connection().connection.dbapi_connection
        self._import_id = import_id
        with self._dbapi.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS import_stage ("
                " institution_id integer, source_id text, staff_id integer, item_id integer,"
                " year integer, service_date date, resident_id text, quantity integer,"
                " units bigint, purchasable bigint, capped boolean, import_id integer,"
                " line integer) ON COMMIT DROP"
            )

    def insert(self, rows: Sequence[RecordRow]) -> int:
        """COPY rows to the stage and move the new ones; return how many were new."""
        import_id = self._import_id
        with self._dbapi.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute("TRUNCATE import_stage")
            with cursor.copy(f"COPY import_stage ({_COLUMN_LIST}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(_values(row, import_id))
            cursor.execute(
                f"INSERT INTO service_records ({_COLUMN_LIST}) "
                f"SELECT {_COLUMN_LIST} FROM import_stage "
                "ON CONFLICT (institution_id, source_id) DO NOTHING"
            )
            return int(cursor.rowcount)


def make_writer(session: Session, import_id: int) -> RecordWriter:
    """The fastest writer the session's database offers."""
    if session.get_bind().dialect.name == "postgresql":
        return PostgresWriter(session, import_id)
    return SqliteWriter(session, import_id)
