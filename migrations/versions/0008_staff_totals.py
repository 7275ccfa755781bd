"""running totals per staff member and per frozen population's staff (R18)

Revision ID: 0008_staff_totals
Revises: 0007_signin_attempts
Create Date: 2026-12-02 13:30:00

The bonus (R18) summed every record of a year, and joined the populations of
failed batches to their records, on every call: seconds at 1,000,000 records.
Two small tables now keep what it reads, in step with every write (like
unit_totals): each staff member's purchasable units per year and institution,
and each frozen population's purchasable units per staff member. Both are
filled here from the records and populations already stored, so an upgraded
county has them right at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_staff_totals"
down_revision = "0007_signin_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_totals",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("institution_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("staff_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("purchasable", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("year", "institution_id", "staff_id", name=op.f("pk_staff_totals")),
    )
    op.create_table(
        "audit_population_staff",
        sa.Column("batch_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("staff_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("purchasable", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", "staff_id", name=op.f("pk_audit_population_staff")),
    )
    op.execute(
        "INSERT INTO staff_totals (year, institution_id, staff_id, records, purchasable)"
        " SELECT year, institution_id, staff_id, COUNT(*), SUM(purchasable)"
        " FROM service_records GROUP BY year, institution_id, staff_id"
    )
    op.execute(
        "INSERT INTO audit_population_staff (batch_id, staff_id, records, purchasable)"
        " SELECT p.batch_id, r.staff_id, COUNT(*), SUM(r.purchasable)"
        " FROM audit_population p JOIN service_records r ON r.id = p.record_id"
        " GROUP BY p.batch_id, r.staff_id"
    )


def downgrade() -> None:
    op.drop_table("audit_population_staff")
    op.drop_table("staff_totals")
