"""The migrations create the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import nazorg.store.models  # noqa: F401
from nazorg.store.engine import make_engine
from nazorg.store.migrate import current_revision, head_revision, upgrade


def test_upgrade_creates_every_table_and_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    before, after = upgrade(engine)
    assert before is None and after == head_revision(engine)
    assert upgrade(engine) == (after, after)
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    engine.dispose()


def test_models_and_migrations_agree(engine: Any) -> None:
    """The equivalent of `alembic check`: autogenerate finds nothing left to migrate."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_current_revision_is_head_after_init(engine: Any) -> None:
    assert current_revision(engine) == head_revision(engine)


def test_the_quick_schema_check_agrees_with_alembic(database_url: str) -> None:
    """`check_schema` reads the revision without Alembic; its answers must be Alembic's."""
    from nazorg.store.migrate import newest_revision, stored_revision

    engine = make_engine(database_url)
    assert newest_revision() == head_revision(engine)
    assert stored_revision(engine) is None
    upgrade(engine)
    assert stored_revision(engine) == current_revision(engine) == newest_revision()
    engine.dispose()
