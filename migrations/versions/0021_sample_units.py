"""a sampled record carries its purchasable units at the draw: its batch's population is not read

Revision ID: 0021_sample_units
Revises: 0020_repeat_records_listed
Create Date: 2026-12-07 04:00:00

A failed record's deduction share, the batch page and the explanation of a final
amount show each sampled record's purchasable units as frozen at the draw (R5).
They were read from audit_population, which has no index by record (only a BRIN
or b-tree on the batch: the draw writes it in bulk), so finding a batch's few
sampled records there read its whole population: 20 ms of the 37 ms explanation
of a 5,000,000-record county's institution-year on PostgreSQL. The verdict row,
written at the same draw, now keeps the same figure. Filled here from the
populations already frozen.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_sample_units"
down_revision = "0020_repeat_records_listed"
branch_labels = None
depends_on = None

FILL = (
    "UPDATE audit_verdicts SET purchasable = p.purchasable FROM audit_population p"
    " WHERE p.batch_id = audit_verdicts.batch_id AND p.record_id = audit_verdicts.record_id"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a NOT NULL column only with a default; rebuilding the table instead
        # would have to drop it under the verdict changes' foreign key.
        op.execute("ALTER TABLE audit_verdicts ADD COLUMN purchasable BIGINT NOT NULL DEFAULT 0")
        op.execute(FILL)
        return
    op.add_column("audit_verdicts", sa.Column("purchasable", sa.BigInteger(), nullable=True))
    op.execute(FILL)
    op.alter_column("audit_verdicts", "purchasable", existing_type=sa.BigInteger(), nullable=False)


def downgrade() -> None:
    # SQLite (3.35 and later) drops the column in place, as PostgreSQL does: no rebuild.
    op.execute("ALTER TABLE audit_verdicts DROP COLUMN purchasable")
