"""sign-in attempts, counted in the database

Revision ID: 0007_signin_attempts
Revises: 0006
Create Date: 2026-11-24 10:00:00

Failed sign-ins were counted in each worker process's memory, so four
workers allowed four times the limit. A row per password check that did not
succeed lets every worker process and machine count the same attempts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_signin_attempts"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_attempts")),
    )
    with op.batch_alter_table("signin_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_signin_attempts_account_at", ["account", "at"], unique=False)
        batch_op.create_index("ix_signin_attempts_address_at", ["address", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_signin_attempts_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("signin_attempts")
