"""records by staff member and day: the staff index gains the service date

Revision ID: 0019_records_staff_day_index
Revises: 0018_ledger_views
Create Date: 2026-12-06 23:00:00

The automatic checks list the records of a staff member's day: every record
of a day over 32.00 units, every record dated after its import. The only way
to a staff member's records was the index on (staff_id), which holds all of
that member's years, so listing 10,000 flags at 1,000,000 records read every
record of an institution (2 s on PostgreSQL). On (staff_id, service_date) a
staff-day's records are one range of the index, and a member's records are
still found by the same index's first column (the records search). The key is
no wider in the index than staff_id alone (a 4-byte integer is padded to 8).
"""

from __future__ import annotations

from alembic import op

revision = "0019_records_staff_day_index"
down_revision = "0018_ledger_views"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_service_records_staff", table_name="service_records")
    op.create_index("ix_service_records_staff_day", "service_records", ["staff_id", "service_date"])


def downgrade() -> None:
    op.drop_index("ix_service_records_staff_day", table_name="service_records")
    op.create_index("ix_service_records_staff", "service_records", ["staff_id"])
