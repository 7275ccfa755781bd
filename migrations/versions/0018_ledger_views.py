"""the ledger's page reads cheaply: running balances over an index; verifications kept

Revision ID: 0018_ledger_views
Revises: 0017_password_must_change
Create Date: 2026-12-06 20:30:00

An account's balance after a posting is the sum of its postings up to that
entry: `ix_ledger_postings_account_entry` (account, entry_id, amount) answers it
from the index alone, so the ledger page sums one range per account it shows
instead of every posting of the ledger. It starts with the account, so the
index on the account alone is dropped.

`ledger_checks` keeps each verification of the books (`haiyan ledger verify`,
the page's 核对台账): when, who, up to which entry, and what it found. The
ledger page shows the latest instead of recomputing the whole chain on every
view.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_ledger_views"
down_revision = "0017_password_must_change"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_postings") as batch:
        batch.create_index(
            "ix_ledger_postings_account_entry", ["account", "entry_id", "amount"], unique=False
        )
        batch.drop_index("ix_ledger_postings_account")
    op.create_table(
        "ledger_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_by", sa.String(length=100), nullable=False),
        sa.Column("head_id", sa.Integer(), nullable=True),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checks")),
    )


def downgrade() -> None:
    op.drop_table("ledger_checks")
    with op.batch_alter_table("ledger_postings") as batch:
        batch.create_index("ix_ledger_postings_account", ["account"], unique=False)
        batch.drop_index("ix_ledger_postings_account_entry")
