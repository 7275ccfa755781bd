"""The schema comes from the migrations, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from haiyan_comp import migrate
from haiyan_comp.db import Base


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], (
        "a model changed without a migration: run alembic revision --autogenerate"
    )


def test_downgrade_to_base_and_up_again(scratch_url: str) -> None:
    migrate.downgrade(scratch_url, "base")
    engine = create_engine(scratch_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(scratch_url)
    assert "service_records" in inspect(engine).get_table_names()
    engine.dispose()
