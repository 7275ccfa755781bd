"""the ledger's hash chain, descriptions by code, the years' seals, SQLite's triggers

Revision ID: 0012_ledger_chain
Revises: 0011_flag_years_due
Create Date: 2026-12-06 19:30:00

Every ledger entry gets its description as a message code and parameters
(read back from the English it was booked with) and a hash over its content
and the previous entry's hash (haiyan_comp/ledger/chain.py, version 1),
computed here for the entries already booked, in id order. Each settled year
gets its seal: the chain's hash at the last entry its settlement booked.

The ledger was append-only on PostgreSQL only; SQLite now refuses UPDATE and
DELETE on the ledger's tables with triggers too. Filling the new columns is
the one update the ledger ever takes: on PostgreSQL with its triggers
disabled for the time (the owner runs migrations), on SQLite before its
triggers exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from haiyan_comp.ledger import chain
from haiyan_comp.ledger.descriptions import describe

revision = "0012_ledger_chain"
down_revision = "0011_flag_years_due"
branch_labels = None
depends_on = None

TABLES = ("ledger_entries", "ledger_postings", "ledger_seals")
SETTLEMENT_KINDS = ("risk_fund_draw", "settlement", "top_up", "debt")
_SQLITE_TRIGGER = (
    "CREATE TRIGGER {table}_no_{verb} BEFORE {op} ON {table} BEGIN "
    "SELECT RAISE(ABORT, 'ledger rows are append-only: {op} on {table} refused'); END"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column(
        "ledger_entries", sa.Column("code", sa.String(60), server_default="", nullable=False)
    )
    op.add_column(
        "ledger_entries", sa.Column("params", sa.Text(), server_default="{}", nullable=False)
    )
    op.add_column(
        "ledger_entries", sa.Column("hash", sa.String(64), server_default="", nullable=False)
    )
    op.create_table(
        "ledger_seals",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_seals_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_ledger_seals")),
    )
    if postgres:
        op.execute("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
    _fill_the_chain()
    _seal_the_settled_years()
    if postgres:
        op.execute("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only")
        op.execute(
            "CREATE TRIGGER ledger_seals_append_only BEFORE UPDATE OR DELETE ON ledger_seals"
            " FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
        )
        op.execute(
            "CREATE TRIGGER ledger_seals_no_truncate BEFORE TRUNCATE ON ledger_seals"
            " FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
        )
        return
    for table in TABLES:
        for verb, statement in (("update", "UPDATE"), ("delete", "DELETE")):
            op.execute(_SQLITE_TRIGGER.format(table=table, verb=verb, op=statement))


def _rows(bind: Any) -> Iterator[tuple[Any, dict[str, int]]]:
    entries = bind.execute(
        sa.text(
            "SELECT id, kind, year, institution_id, amount, reason, created_by, created_at "
            "FROM ledger_entries ORDER BY id"
        )
    ).all()
    legs: dict[int, dict[str, int]] = {}
    for entry_id, account, amount in bind.execute(
        sa.text("SELECT entry_id, account, amount FROM ledger_postings ORDER BY entry_id, id")
    ):
        row = legs.setdefault(entry_id, {})
        row[account] = row.get(account, 0) + amount
    for entry in entries:
        yield entry, legs.get(entry[0], {})


def _fill_the_chain() -> None:
    bind = op.get_bind()
    table = sa.table(
        "ledger_entries",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    read = sa.select(table.c.id, table.c.created_at).order_by(table.c.id)
    moments = dict(bind.execute(read).all())  # as the application reads them back
    previous = chain.GENESIS
    updates = []
    for (entry_id, kind, year, institution, amount, reason, by, _), legs in _rows(bind):
        code, params = describe(reason)
        stored = chain.canonical_params(params)
        previous = chain.entry_hash(
            previous, kind, year, institution, amount, code, stored, reason, by,
            moments[entry_id], legs.items(),
        )  # fmt: skip
        updates.append({"i": entry_id, "c": code, "p": stored, "h": previous})
    if updates:
        bind.execute(
            sa.text("UPDATE ledger_entries SET code = :c, params = :p, hash = :h WHERE id = :i"),
            updates,
        )


def _seal_the_settled_years() -> None:
    bind = op.get_bind()
    kinds = ", ".join(f"'{kind}'" for kind in SETTLEMENT_KINDS)
    for year, settled_at in bind.execute(
        sa.text("SELECT year, settled_at FROM year_settlements ORDER BY year")
    ).all():
        last = bind.execute(
            sa.text(f"SELECT max(id) FROM ledger_entries WHERE year = :y AND kind IN ({kinds})"),
            {"y": year},
        ).scalar()
        digest = chain.GENESIS
        if last is not None:
            digest = bind.execute(
                sa.text("SELECT hash FROM ledger_entries WHERE id = :i"), {"i": last}
            ).scalar()
        bind.execute(
            sa.text(
                "INSERT INTO ledger_seals (year, entry_id, hash, sealed_at) VALUES (:y, :e, :h, :t)"
            ),
            {"y": year, "e": last, "h": digest, "t": settled_at},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_seals_no_truncate ON ledger_seals")
        op.execute("DROP TRIGGER IF EXISTS ledger_seals_append_only ON ledger_seals")
    else:
        for table in TABLES:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    op.drop_table("ledger_seals")
    for name in ("hash", "params", "code"):
        op.drop_column("ledger_entries", name)
