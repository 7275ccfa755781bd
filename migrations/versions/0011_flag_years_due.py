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

from datetime import date

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


_DAYS = "year, institution_id, staff_id, service_date"
_IMPORTS = "import_id, service_date, institution_id, staff_id, year"
_REPEATS = (
    "record_id, year, institution_id, item_id, resident_id, service_date, staff_id, import_id"
)
_SAME = (
    "g.institution_id = r.institution_id AND g.item_id = r.item_id"
    " AND g.resident_id = r.resident_id AND g.service_date = r.service_date"
)


def downgrade() -> None:
    """Recount the years still waiting for it (0010 keeps every year in step), then drop."""
    bind = op.get_bind()
    for (year,) in bind.execute(sa.text("SELECT year FROM flag_years_due")).all():
        params = {"year": year, "first": date(year, 1, 1), "last": date(year, 12, 31)}
        for table in ("staff_day_totals", "staff_day_imports", "repeat_records"):
            bind.execute(sa.text(f"DELETE FROM {table} WHERE year = :year"), params)
        for statement in (
            f"INSERT INTO staff_day_imports ({_IMPORTS}, records, units)"
            f" SELECT {_IMPORTS}, COUNT(*), SUM(units) FROM service_records"
            f" WHERE year = :year GROUP BY {_IMPORTS}",
            f"INSERT INTO staff_day_totals ({_DAYS}, records, units)"
            f" SELECT {_DAYS}, SUM(records), SUM(units) FROM staff_day_imports"
            f" WHERE year = :year GROUP BY {_DAYS}",
            f"INSERT INTO repeat_records ({_REPEATS})"
            " SELECT r.id, r.year, r.institution_id, r.item_id, r.resident_id, r.service_date,"
            " r.staff_id, r.import_id"
            " FROM service_records r JOIN ("
            "  SELECT institution_id, item_id, resident_id, service_date FROM service_records"
            "  WHERE service_date BETWEEN :first AND :last AND resident_id IS NOT NULL"
            "  GROUP BY institution_id, item_id, resident_id, service_date HAVING COUNT(*) > 1"
            f" ) g ON {_SAME}",
        ):
            bind.execute(sa.text(statement), params)
    op.drop_table("flag_years_due")
