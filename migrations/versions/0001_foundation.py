"""foundation: catalogue, institutions, staff, records, unit totals

Revision ID: 0001
Revises:
Create Date: 2026-11-23 16:08:42.498402
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "institutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("code", name=op.f("uq_institutions_code")),
    )
    op.create_table(
        "record_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("strict", sa.Boolean(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_imports")),
    )
    op.create_table(
        "service_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("resident_id", sa.String(length=64), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("purchasable", sa.BigInteger(), nullable=False),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_records")),
        sa.UniqueConstraint(
            "institution_id", "source_id", name=op.f("uq_service_records_institution_id_source_id")
        ),
    )
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_records_item_resident",
            ["institution_id", "item_id", "resident_id", "service_date", "source_id"],
            unique=False,
        )

    op.create_table(
        "unit_totals",
        sa.Column("institution_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("purchasable", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("institution_id", "item_id", "month", name=op.f("pk_unit_totals")),
    )
    with op.batch_alter_table("unit_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_totals_year"), ["year"], unique=False)

    op.create_table(
        "years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_years")),
    )
    op.create_table(
        "service_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=True),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("data_rule", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "category IN ('basic_medical', 'public_health')",
            name=op.f("ck_service_items_category_known"),
        ),
        sa.CheckConstraint("cap IS NULL OR cap > 0", name=op.f("ck_service_items_cap_positive")),
        sa.CheckConstraint("value > 0", name=op.f("ck_service_items_value_positive")),
        sa.ForeignKeyConstraint(["year"], ["years.year"], name=op.f("fk_service_items_year_years")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_items")),
        sa.UniqueConstraint("year", "code", name=op.f("uq_service_items_year_code")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_staff_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("code", name=op.f("uq_staff_code")),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_institution_id"), ["institution_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_institution_id"))

    op.drop_table("staff")
    op.drop_table("service_items")
    op.drop_table("years")
    with op.batch_alter_table("unit_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_totals_year"))

    op.drop_table("unit_totals")
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.drop_index("ix_service_records_item_resident")

    op.drop_table("service_records")
    op.drop_table("record_imports")
    op.drop_table("institutions")
