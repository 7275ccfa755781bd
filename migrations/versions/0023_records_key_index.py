"""R2's key on the records becomes a unique index a bulk load can build after its rows

Revision ID: 0023_records_key_index
Revises: 0022_records_fillfactor
Create Date: 2026-12-07 12:00:00

(institution_id, source_id) was a table constraint. SQLite cannot drop a
table's own constraint, so an import had to keep the key up row by row: for
a file in random source-id order, random inserts into a b-tree that outgrows
the page cache (5,000,000 rows of the capped-heavy file: 21.7 s for the keys
alone). A unique index with the same name and columns enforces the same key,
and a bulk load can drop it and build it once, sorted, after its rows are in
(records/bulk.py). SQLite copies the table once to lose the constraint;
PostgreSQL builds the index once.
"""

from __future__ import annotations

from alembic import op

revision = "0023_records_key_index"
down_revision = "0022_records_fillfactor"
branch_labels = None
depends_on = None

KEY = "uq_service_records_institution_id_source_id"
COLUMNS = ["institution_id", "source_id"]


def upgrade() -> None:
    with op.batch_alter_table("service_records", recreate="auto") as batch_op:
        batch_op.drop_constraint(KEY, type_="unique")
    op.create_index(KEY, "service_records", COLUMNS, unique=True)


def downgrade() -> None:
    op.drop_index(KEY, table_name="service_records")
    with op.batch_alter_table("service_records", recreate="auto") as batch_op:
        batch_op.create_unique_constraint(KEY, COLUMNS)
