"""money: year configuration, prepayment, settlement, ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:29:25.373111
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


APPEND_ONLY = """
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def upgrade() -> None:
    op.create_table(
        "config_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_changes")),
    )
    op.create_table(
        "baselines",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("basic_medical_units", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_baselines_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("year", "institution_id", name=op.f("pk_baselines")),
    )
    op.create_table(
        "instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("cash", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("paid_by", sa.String(length=100), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_instalments_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instalments")),
        sa.UniqueConstraint(
            "year",
            "institution_id",
            "number",
            name=op.f("uq_instalments_year_institution_id_number"),
        ),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_ledger_entries_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_year_institution", ["year", "institution_id"], unique=False
        )

    op.create_table(
        "prepayment_plans",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "(weight IS NULL) <> (total IS NULL)", name=op.f("ck_prepayment_plans_weight_or_total")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_prepayment_plans_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("year", "institution_id", name=op.f("pk_prepayment_plans")),
    )
    op.create_table(
        "prepayment_totals",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_prepayment_totals_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("year", "institution_id", name=op.f("pk_prepayment_totals")),
    )
    op.create_table(
        "year_configs",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("price_mode", sa.String(length=10), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=True),
        sa.Column("growth_cap", sa.Integer(), nullable=True),
        sa.Column("risk_fund", sa.BigInteger(), nullable=False),
        sa.Column("prepay_ratio", sa.Integer(), nullable=False),
        sa.Column("instalments", sa.Integer(), nullable=False),
        sa.Column("basic_share", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(price_mode = 'fixed' AND unit_price > 0)"
            " OR (price_mode = 'floating' AND unit_price IS NULL)",
            name=op.f("ck_year_configs_price_mode_consistent"),
        ),
        sa.CheckConstraint("budget >= 0", name=op.f("ck_year_configs_budget_not_negative")),
        sa.CheckConstraint(
            "instalments IN (1, 2, 3, 4, 6, 12)", name=op.f("ck_year_configs_instalments_allowed")
        ),
        sa.CheckConstraint(
            "prepay_ratio > 0 AND prepay_ratio <= 10000",
            name=op.f("ck_year_configs_ratio_in_range"),
        ),
        sa.CheckConstraint("risk_fund >= 0", name=op.f("ck_year_configs_risk_fund_not_negative")),
        sa.ForeignKeyConstraint(["year"], ["years.year"], name=op.f("fk_year_configs_year_years")),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_year_configs")),
    )
    op.create_table(
        "year_settlements",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("unit_price", sa.String(length=20), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("risk_fund_draw", sa.BigInteger(), nullable=False),
        sa.Column("settled_by", sa.String(length=100), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["year"], ["years.year"], name=op.f("fk_year_settlements_year_years")
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_year_settlements")),
    )
    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=60), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_postings_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_postings_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_postings_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "settlements",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("verified_basic_medical", sa.BigInteger(), nullable=False),
        sa.Column("verified_public_health", sa.BigInteger(), nullable=False),
        sa.Column("purchased_basic_medical", sa.BigInteger(), nullable=False),
        sa.Column("purchased", sa.BigInteger(), nullable=False),
        sa.Column("entitlement", sa.BigInteger(), nullable=False),
        sa.Column("final", sa.BigInteger(), nullable=False),
        sa.Column("prepaid", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_settlements_institution_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["year"], ["year_settlements.year"], name=op.f("fk_settlements_year_year_settlements")
        ),
        sa.PrimaryKeyConstraint("year", "institution_id", name=op.f("pk_settlements")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Nothing in the application updates or deletes a ledger row; the
        # database refuses it too, for anyone with SQL access (R15).
        op.execute(APPEND_ONLY)
        for table in ("ledger_entries", "ledger_postings"):
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
            )


def downgrade() -> None:
    op.drop_table("settlements")
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_postings_entry_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_postings_account"))

    op.drop_table("ledger_postings")
    op.drop_table("year_settlements")
    op.drop_table("year_configs")
    op.drop_table("prepayment_totals")
    op.drop_table("prepayment_plans")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_year_institution")

    op.drop_table("ledger_entries")
    op.drop_table("instalments")
    op.drop_table("baselines")
    op.drop_table("config_changes")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
