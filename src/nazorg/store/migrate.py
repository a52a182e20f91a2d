"""Migrations: create or upgrade the schema with Alembic, and refuse a database that is behind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from nazorg.core.errors import DatabaseError
from nazorg.store.engine import safe_url


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    from nazorg.core.resources import migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


#: Key of the PostgreSQL session advisory lock that `nazorg init` holds while it migrates.
MIGRATION_LOCK_KEY = 0x6E617A6D  # "nazm"


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Create or upgrade the schema to the newest migration; returns (before, after) revisions.

    On PostgreSQL the whole upgrade runs on one connection that holds a session advisory lock
    (`MIGRATION_LOCK_KEY`), so of two nodes starting together one migrates and the other waits,
    then finds the schema current; the lock dies with the connection if the process does. The
    statement timeout is lifted for the migrations (a rewrite of a large table may take long)."""
    from alembic import command

    if engine.dialect.name != "postgresql":
        before = current_revision(engine)
        command.upgrade(alembic_config(engine), "head")
        return before, current_revision(engine)
    with engine.connect() as connection:
        connection.execute(text("SET statement_timeout = 0"))
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
        try:
            before = _revision_on(connection)
            connection.commit()
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
            return before, _revision_on(connection)
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.execute(text("RESET statement_timeout"))
            connection.commit()


def _revision_on(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _revision_on(connection)


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def newest_revision() -> str:
    """The newest migration without loading Alembic (every command checks it, so it must be
    quick): migrations are named after their revision id and numbered, so the newest is the last
    file name in order. `tests/test_migrations.py` holds Alembic's own answer against it."""
    from nazorg.core.resources import migrations_dir

    return max(path.stem for path in (migrations_dir() / "versions").glob("[0-9]*.py"))


def stored_revision(engine: Engine) -> str | None:
    """The revision the database is at, read from Alembic's table (None: no schema yet)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def check_schema(engine: Engine) -> None:
    """Refuse to work on a database that is not at the newest migration (names the fix)."""
    if stored_revision(engine) != newest_revision():
        raise DatabaseError(
            f"database {safe_url(str(engine.url.render_as_string(hide_password=False)))} "
            "is niet bijgewerkt; voer eerst 'nazorg init' uit"
        )
