"""source and resident ids compare by code point on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 22:50:00

Ids are opaque codes, not words. SQLite and Python order them by code
point; PostgreSQL ordered them by the server's locale, so R3's tie-break
(date, then source id) could differ between the two databases on a server
with a language locale, and every comparison in the two biggest indexes paid
for the locale's rules. The "C" collation makes PostgreSQL agree and keeps
its index comparisons cheap. SQLite already compares bytes: nothing to do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = (("source_id", False), ("resident_id", True))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, nullable in _COLUMNS:
        op.alter_column(
            "service_records",
            name,
            type_=sa.String(length=64, collation="C"),
            existing_type=sa.String(length=64),
            existing_nullable=nullable,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, nullable in _COLUMNS:
        op.alter_column(
            "service_records",
            name,
            type_=sa.String(length=64),
            existing_type=sa.String(length=64, collation="C"),
            existing_nullable=nullable,
            postgresql_using=f'{name} COLLATE "default"',
        )
