"""Bulk writers of validated records, one per database.

SQLite gets `executemany` with ON CONFLICT DO NOTHING. PostgreSQL gets COPY:
straight into the table while every row is new, else through a temporary
stage and one INSERT … SELECT … ON CONFLICT DO NOTHING. Both return how many
rows were really inserted; rows whose key already exists are left for the
caller to classify as duplicates or conflicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import psycopg
from sqlalchemy.orm import Session

from haiyan_comp.records.rules import RecordRow

_COLUMN_LIST = ", ".join(RecordRow._fields)


class RecordWriter(Protocol):
    def insert(self, rows: Sequence[RecordRow]) -> int:
        """Insert rows whose key is new; return how many that were."""


def _dbapi(session: Session) -> Any:
    return session.connection().connection.dbapi_connection


class SqliteWriter:
    """executemany on the session's own sqlite3 connection (same transaction)."""

    def __init__(self, session: Session) -> None:
        self._dbapi = _dbapi(session)
        placeholders = ", ".join("?" for _ in RecordRow._fields)
        self._sql = (
            f"INSERT INTO service_records ({_COLUMN_LIST}) VALUES ({placeholders}) "
            "ON CONFLICT (institution_id, source_id) DO NOTHING"
        )

    def insert(self, rows: Sequence[RecordRow]) -> int:
        """Insert rows; return how many were new."""
        cursor = self._dbapi.cursor()
        try:
            cursor.executemany(self._sql, rows)
            return int(cursor.rowcount)
        finally:
            cursor.close()


class PostgresWriter:
    """COPY straight into the table while every row is new; else through a stage.

    A fresh file (the bulk case) goes in by COPY inside a savepoint. The first
    chunk that meets an existing key rolls back to the savepoint, and from then
    on chunks go through a temporary stage and INSERT … ON CONFLICT DO NOTHING.
    """

    def __init__(self, session: Session) -> None:
        self._dbapi = _dbapi(session)
        self._direct = True
        with self._dbapi.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS import_stage"
                " (LIKE service_records INCLUDING DEFAULTS) ON COMMIT DROP"
            )

    def insert(self, rows: Sequence[RecordRow]) -> int:
        """Insert rows; return how many were new."""
        if self._direct and self._copy_direct(rows):
            return len(rows)
        self._direct = False
        return self._through_stage(rows)

    def _copy_direct(self, rows: Sequence[RecordRow]) -> bool:
        with self._dbapi.cursor() as cursor:
            cursor.execute("SAVEPOINT import_chunk")
            try:
                with cursor.copy(f"COPY service_records ({_COLUMN_LIST}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            except psycopg.errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT import_chunk")
                return False
            cursor.execute("RELEASE SAVEPOINT import_chunk")
            return True

    def _through_stage(self, rows: Sequence[RecordRow]) -> int:
        with self._dbapi.cursor() as cursor:
            cursor.execute("TRUNCATE import_stage")
            with cursor.copy(f"COPY import_stage ({_COLUMN_LIST}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO service_records ({_COLUMN_LIST}) "
                f"SELECT {_COLUMN_LIST} FROM import_stage "
                "ON CONFLICT (institution_id, source_id) DO NOTHING"
            )
            return int(cursor.rowcount)


def make_writer(session: Session) -> RecordWriter:
    """The fastest writer the session's database offers."""
    if session.get_bind().dialect.name == "postgresql":
        return PostgresWriter(session)
    return SqliteWriter(session)
