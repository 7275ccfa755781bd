"""an index of the records by staff member, for the records search

Revision ID: 0010_records_staff_index
Revises: 0009_flag_totals
Create Date: 2026-12-06 17:00:00

The records search (haiyan_comp/records/queries.py) finds most pages by
walking the primary key, or through the (institution, item, resident, …)
index when an item is rare; a staff member who records little had no index
and the walk read the whole table (0.3 s and more at 5,000,000 records). On
(staff_id) alone: staff ids are unique in the county, SQLite keeps the rowid
(the record id) in every index entry, so a member's records come in id order,
and PostgreSQL deduplicates the repeated keys into a small index.
"""

from __future__ import annotations

from alembic import op

revision = "0010_records_staff_index"
down_revision = "0009_flag_totals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_service_records_staff", "service_records", ["staff_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_service_records_staff", table_name="service_records")
