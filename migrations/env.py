"""Alembic environment: the schema is SQLModel's metadata; the engine comes from nazorg.

`nazorg init` passes its engine in `config.attributes["engine"]`; a developer running the
`alembic` command in a checkout gets the engine from nazorg's settings (NAZORG_DATABASE_URL or the
config file), so there is one place that decides which database is used.
"""

from alembic import context
from sqlmodel import SQLModel

import nazorg.store.models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def _engine():  # type: ignore[no-untyped-def]
    engine = config.attributes.get("engine")
    if engine is None:
        from nazorg.settings import load_settings
        from nazorg.store.engine import make_engine

        engine = make_engine(load_settings().database_url)
    return engine


def run_migrations_offline() -> None:
    from nazorg.settings import load_settings

    context.configure(
        url=load_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:  # `nazorg init` on PostgreSQL: the connection holding the lock
        context.configure(
            connection=given,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = _engine()
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
