"""Engines and transactions, for SQLite (embedded default) and PostgreSQL (production).

Locking rule: on SQLite every transaction starts with BEGIN IMMEDIATE, so two processes never both
hold a read lock they then try to upgrade (which SQLite answers with "database is locked" at once,
ignoring the busy timeout); they queue instead. On PostgreSQL the daily run takes a transaction
advisory lock (`nazorg.store.locks`).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlmodel import Session

from nazorg.core.errors import ConfigError, DatabaseError


def safe_url(url: str) -> str:
    """The URL as it may be shown to people and logs: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<ongeldige database-URL>"


def _prepare_sqlite_file(database: str) -> None:
    """Create the folder (0700) and file (0600) of a SQLite database readable by its owner only."""
    path = Path(database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "ongeldige instelling 'database_url': geen SQLAlchemy-URL; bijvoorbeeld "
            "sqlite:////var/lib/nazorg/nazorg.db of postgresql+psycopg://user@host/nazorg"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"ongeldige instelling 'database_url': {backend} wordt niet ondersteund; "
            "gebruik sqlite of postgresql"
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if backend == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                _prepare_sqlite_file(parsed.database)
            engine = create_engine(parsed, connect_args={"timeout": 60})
            _configure_sqlite(engine)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError:
        raise ConfigError(
            f"ongeldige instelling 'database_url': stuurprogramma {parsed.drivername} ontbreekt; "
            "installeer nazorg[postgres]"
        ) from None
    except (ModuleNotFoundError, ImportError):
        raise ConfigError(
            "PostgreSQL-stuurprogramma ontbreekt: installeer het met pip install 'nazorg[postgres]'"
        ) from None
    except OSError as exc:
        raise DatabaseError(f"database {safe_url(url)} niet bereikbaar: {exc.strerror}") from None
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


#: One lock per SQLite engine: the threads of one process (the web app's) queue here, in order,
#: for the database's single write lock, instead of in SQLite's busy handler, which polls with
#: growing sleeps and lets a waiter starve for seconds under load.
_SQLITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _process_lock(engine: Engine) -> AbstractContextManager[Any]:
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _LOCKS_GUARD:
        lock = _SQLITE_LOCKS.get(engine)
        if lock is None:
            lock = _SQLITE_LOCKS[engine] = threading.RLock()
    return lock


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back (nothing written) on error.

    On SQLite, where every transaction takes the write lock at its start (BEGIN IMMEDIATE), the
    threads of one process take turns through a lock of the process first (see `_SQLITE_LOCKS`);
    processes still queue on SQLite's own lock."""
    with _process_lock(engine), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
