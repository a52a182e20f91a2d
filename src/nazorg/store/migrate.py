"""Migrations: create or upgrade the schema with Alembic, and refuse a database that is behind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from nazorg.core.errors import DatabaseError
from nazorg.store.engine import safe_url


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    from nazorg.core.resources import migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Create or upgrade the schema to the newest migration; returns (before, after) revisions."""
    from alembic import command

    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def check_schema(engine: Engine) -> None:
    """Refuse to work on a database that is not at the newest migration (names the fix)."""
    current = current_revision(engine)
    if current != head_revision(engine):
        raise DatabaseError(
            f"database {safe_url(str(engine.url.render_as_string(hide_password=False)))} "
            "is niet bijgewerkt; voer eerst 'nazorg init' uit"
        )
