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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class EngineOptions:
    """How connections to PostgreSQL are pooled and bounded (the `[database]` settings).

    `statement_timeout` in seconds (0 = no limit); `retry_attempts` and `retry_delay` steer
    `nazorg.store.retry.run_transaction`. SQLite ignores the pool and the timeout."""

    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout: float = 30.0
    statement_timeout: float = 120.0
    retry_attempts: int = 5
    retry_delay: float = 0.05


#: The options each engine was made with (read by the retry of `nazorg.store.retry`).
_OPTIONS: weakref.WeakKeyDictionary[Engine, EngineOptions] = weakref.WeakKeyDictionary()


def engine_options(engine: Engine) -> EngineOptions:
    """The options `engine` was made with (the defaults for an engine made elsewhere)."""
    return _OPTIONS.get(engine) or EngineOptions()


def _postgres_connect_args(parsed: Any, options: EngineOptions) -> dict[str, Any]:
    """The statement timeout as a libpq startup option, so it is the session's default (which
    `RESET statement_timeout` returns to) on every connection of the pool; an `options` already
    in the URL is kept."""
    if not options.statement_timeout:
        return {}
    own = f"-c statement_timeout={round(options.statement_timeout * 1000)}"
    given = parsed.query.get("options")
    if isinstance(given, tuple):
        given = " ".join(given)
    return {"options": f"{given} {own}" if given else own}


def make_engine(url: str, options: EngineOptions | None = None) -> Engine:
    """An engine for `url`; on PostgreSQL a pool sized by `options` with its statement timeout."""
    options = options or EngineOptions()
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
            connect_args = _postgres_connect_args(parsed, options)
            if "options" in connect_args:
                parsed = parsed.difference_update_query(["options"])
            engine = create_engine(
                parsed,
                pool_pre_ping=True,
                pool_size=options.pool_size,
                max_overflow=options.max_overflow,
                pool_timeout=options.pool_timeout,
                connect_args=connect_args,
            )
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
    _OPTIONS[engine] = options
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
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


#: The execution option of a connection that only reads (`reading`).
READ_ONLY = "nazorg_read_only"

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


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A unit of work that only reads, and is never committed (whatever it wrote is rolled back).

    On SQLite it starts with a plain (deferred) BEGIN and skips the process lock: in WAL mode a
    reader sees the last commit and neither waits for the writer nor holds it up, so a request
    that only reads (a session check) does not queue behind a page being written. Anything that
    writes, or reads in order to write, belongs in `transaction`."""
    with Session(engine, expire_on_commit=False) as session:
        session.connection(execution_options={READ_ONLY: True})
        yield session
