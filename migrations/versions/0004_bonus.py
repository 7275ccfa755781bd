"""assessments, indicators, bonus pools

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:00:55.794329
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_indicators",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("max_points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "code", name=op.f("pk_assessment_indicators")),
    )
    op.create_table(
        "assessment_indicator_scores",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("indicator_code", sa.String(length=32), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_assessment_indicator_scores_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint(
            "year", "indicator_code", "institution_id", name=op.f("pk_assessment_indicator_scores")
        ),
    )
    op.create_table(
        "assessments",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("surplus", sa.BigInteger(), nullable=False),
        sa.Column("pool", sa.BigInteger(), nullable=True),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "pool IS NULL OR pool >= 0", name=op.f("ck_assessments_pool_not_negative")
        ),
        sa.CheckConstraint(
            "score >= 0 AND score <= 100000", name=op.f("ck_assessments_score_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_assessments_institution_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["year"], ["year_settlements.year"], name=op.f("fk_assessments_year_year_settlements")
        ),
        sa.PrimaryKeyConstraint("year", "institution_id", name=op.f("pk_assessments")),
    )


def downgrade() -> None:
    op.drop_table("assessments")
    op.drop_table("assessment_indicator_scores")
    op.drop_table("assessment_indicators")
