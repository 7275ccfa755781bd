"""repeated records carry their source id and units: the listing reads nothing else

Revision ID: 0020_repeat_records_listed
Revises: 0019_records_staff_day_index
Create Date: 2026-12-07 01:40:00

The automatic checks list the repeated records first. A repeat row held
everything the listing shows but the record's source id and units, so each
listed repeat was fetched from service_records by its primary key: 7,300
random reads of a 5,000,000-record table, about 60 ms of a 10,000-flag listing
on PostgreSQL. With the two columns here the listing reads repeat_records
alone. A record's source id never changes; its units change only when the
catalogue revalues its item, and that revaluation updates them here too
(records/totals.py). Filled here from the records already stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_repeat_records_listed"
down_revision = "0019_records_staff_day_index"
branch_labels = None
depends_on = None

CODE = sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("repeat_records") as batch_op:
        batch_op.add_column(sa.Column("source_id", CODE, nullable=True))
        batch_op.add_column(sa.Column("units", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE repeat_records SET"
        " source_id = (SELECT r.source_id FROM service_records r WHERE r.id = record_id),"
        " units = (SELECT r.units FROM service_records r WHERE r.id = record_id)"
    )
    with op.batch_alter_table("repeat_records") as batch_op:
        batch_op.alter_column("source_id", existing_type=CODE, nullable=False)
        batch_op.alter_column("units", existing_type=sa.BigInteger(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("repeat_records") as batch_op:
        batch_op.drop_column("units")
        batch_op.drop_column("source_id")
