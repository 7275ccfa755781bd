"""years whose automatic checks' totals are recounted at their first read

Revision ID: 0011_flag_years_due
Revises: 0010_records_staff_index
Create Date: 2026-12-06 19:30:00

An import of a good share of its year (the year's first load, say) spent
about 1.7 s of a 1,000,000-row import regrouping the year's staff-days and
repeated records for the audit's checks, which are read far less often than
a year is loaded. Such an import now names the year in flag_years_due, and
the first read of the checks recounts it (records/day_totals.py); smaller
imports still add their rows to the totals as they go.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_flag_years_due"
down_revision = "0010_records_staff_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flag_years_due",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_flag_years_due")),
    )


def downgrade() -> None:
    op.drop_table("flag_years_due")
