"""audit: batches, frozen populations, verdicts and their trail (R5–R7)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:27:09.956673

audit_population has no primary key and no foreign keys on purpose (a draw
writes a million rows in one INSERT … SELECT; see PopulationRecord); on
PostgreSQL its batch_id index is a BRIN index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("stratum", sa.String(length=10), nullable=False),
        sa.Column("seed", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("population_count", sa.Integer(), nullable=False),
        sa.Column("population_units", sa.BigInteger(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_by", sa.String(length=100), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("failed", sa.Integer(), nullable=True),
        sa.Column("deduction", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "stratum IN ('all', 'flagged')", name=op.f("ck_audit_batches_stratum_known")
        ),
        sa.CheckConstraint(
            "(closed_at IS NULL AND failed IS NULL AND deduction IS NULL)"
            " OR (closed_at IS NOT NULL AND failed IS NOT NULL AND deduction IS NOT NULL)",
            name=op.f("ck_audit_batches_closed_together"),
        ),
        sa.CheckConstraint("date_from <= date_to", name=op.f("ck_audit_batches_range_ordered")),
        sa.CheckConstraint("size >= 1", name=op.f("ck_audit_batches_size_positive")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_audit_batches_institution_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["service_items.id"], name=op.f("fk_audit_batches_item_id_service_items")
        ),
        sa.ForeignKeyConstraint(["year"], ["years.year"], name=op.f("fk_audit_batches_year_years")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_batches")),
    )
    with op.batch_alter_table("audit_batches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_batches_stratum", ["institution_id", "item_id", "year"], unique=False
        )
    op.create_table(
        "audit_population",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column(
            "record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("purchasable", sa.BigInteger(), nullable=False),
    )
    with op.batch_alter_table("audit_population", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_population_batch_id", ["batch_id"], unique=False, postgresql_using="brin"
        )
    op.create_table(
        "audit_verdicts",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column(
            "record_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=4), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome = 'pass' OR reason IS NOT NULL",
            name=op.f("ck_audit_verdicts_reason"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('pass', 'fail')",
            name=op.f("ck_audit_verdicts_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["audit_batches.id"],
            name=op.f("fk_audit_verdicts_batch_id_audit_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_audit_verdicts_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("batch_id", "record_id", name=op.f("pk_audit_verdicts")),
        sa.UniqueConstraint("batch_id", "rank", name=op.f("uq_audit_verdicts_batch_id_rank")),
        sa.UniqueConstraint(
            "batch_id", "source_id", name=op.f("uq_audit_verdicts_batch_id_source_id")
        ),
    )
    with op.batch_alter_table("audit_verdicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_verdicts_staff_id"), ["staff_id"], unique=False)
    op.create_table(
        "audit_verdict_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column(
            "record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("old_outcome", sa.String(length=4), nullable=True),
        sa.Column("old_reason", sa.Text(), nullable=True),
        sa.Column("old_staff_id", sa.Integer(), nullable=True),
        sa.Column("new_outcome", sa.String(length=4), nullable=False),
        sa.Column("new_reason", sa.Text(), nullable=True),
        sa.Column("new_staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id", "record_id"],
            ["audit_verdicts.batch_id", "audit_verdicts.record_id"],
            name=op.f("fk_audit_verdict_changes_batch_id_audit_verdicts"),
        ),
        sa.ForeignKeyConstraint(
            ["new_staff_id"], ["staff.id"], name=op.f("fk_audit_verdict_changes_new_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["old_staff_id"], ["staff.id"], name=op.f("fk_audit_verdict_changes_old_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verdict_changes")),
    )
    with op.batch_alter_table("audit_verdict_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_verdict_changes_verdict", ["batch_id", "record_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_verdict_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_verdict_changes_verdict")

    op.drop_table("audit_verdict_changes")
    with op.batch_alter_table("audit_verdicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_verdicts_staff_id"))

    op.drop_table("audit_verdicts")
    with op.batch_alter_table("audit_population", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_population_batch_id", postgresql_using="brin")

    op.drop_table("audit_population")
    with op.batch_alter_table("audit_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_batches_stratum")

    op.drop_table("audit_batches")
