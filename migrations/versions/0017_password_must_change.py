"""a user given a one-time password must choose their own at the next sign-in

Revision ID: 0017_password_must_change
Revises: 0013_jobs
Create Date: 2026-12-06 19:30:00

An administrator who resets a password on the admin pages sets a one-time
password: `users.must_change_password` is then true, and every page sends the
user to the password change page until they have chosen their own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_password_must_change"
down_revision = "0013_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
