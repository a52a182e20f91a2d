"""Operations on PostgreSQL (issue 16): the pool and statement timeout from the settings, the
retry of transactions PostgreSQL aborts (a real serialization failure and a real deadlock), and
the migration lock of `nazorg init` (two processes starting together on a fresh database)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from nazorg.core.errors import DatabaseError
from nazorg.settings import Settings
from nazorg.store.engine import EngineOptions, make_engine
from nazorg.store.retry import run_transaction


def test_database_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAZORG_DATABASE__POOL_SIZE", "12")
    monkeypatch.setenv("NAZORG_DATABASE__STATEMENT_TIMEOUT", "2.5")
    database = Settings().database
    assert (database.pool_size, database.max_overflow, database.statement_timeout) == (12, 10, 2.5)
    options = EngineOptions(**database.model_dump())
    assert options.pool_size == 12 and options.retry_attempts == 5


def test_a_bad_pool_size_is_one_line_naming_the_setting(cli: Any) -> None:
    cli.env["NAZORG_DATABASE__POOL_SIZE"] = "0"
    result = cli("status")
    assert result.exit_code == 1
    assert "database.pool_size" in result.output and "Traceback" not in result.output


def test_other_errors_are_not_retried(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    calls = []

    def work(session: Session) -> None:
        calls.append(1)
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(OperationalError):
        run_transaction(engine, work)
    assert len(calls) == 1


pg = pytest.mark.postgres


def _table(engine: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (1, 0), (2, 0)"))


@pg
def test_the_pool_and_statement_timeout_come_from_the_options(pg_url: str) -> None:
    options = EngineOptions(pool_size=3, max_overflow=2, pool_timeout=1.5, statement_timeout=0.3)
    engine = make_engine(pg_url + "?options=-c%20work_mem%3D8MB", options)
    pool: Any = engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 2, 1.5)
    with engine.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "300ms"
        assert connection.execute(text("SHOW work_mem")).scalar() == "8MB"
        with pytest.raises(OperationalError) as raised:
            connection.execute(text("SELECT pg_sleep(2)"))
        assert getattr(raised.value.orig, "sqlstate", None) == "57014"
    engine.dispose()


@pg
def test_a_serialization_failure_is_retried(pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Attempt 1 reads a row under REPEATABLE READ, another connection then changes and commits
    it, and attempt 1's update of that row fails with 40001; attempt 2 succeeds."""
    engine = make_engine(pg_url, EngineOptions(retry_delay=0.01))
    _table(engine)
    attempts = []

    def work(session: Session) -> int:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        attempts.append(1)
        seen = session.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
        if len(attempts) == 1:
            with engine.begin() as other:
                other.execute(text("UPDATE counter SET value = value + 10 WHERE id = 1"))
        session.execute(text("UPDATE counter SET value = :v WHERE id = 1"), {"v": seen + 1})
        return int(seen)

    with caplog.at_level(logging.WARNING, logger="nazorg.store.retry"):
        seen = run_transaction(engine, work)
    assert (len(attempts), seen) == (2, 10)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT value FROM counter WHERE id = 1")).scalar() == 11
    assert "serialisatiefout, SQLSTATE 40001) on attempt 1 of 5; retrying" in caplog.text
    engine.dispose()


@pg
def test_serialization_failures_give_up_after_the_attempts(pg_url: str) -> None:
    engine = make_engine(pg_url, EngineOptions(retry_attempts=2, retry_delay=0))
    _table(engine)

    def work(session: Session) -> None:
        session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        session.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
        with engine.begin() as other:
            other.execute(text("UPDATE counter SET value = value + 1 WHERE id = 1"))
        session.execute(text("UPDATE counter SET value = 0 WHERE id = 1"))

    with pytest.raises(DatabaseError, match="2 keer af \\(serialisatiefout, SQLSTATE 40001\\)"):
        run_transaction(engine, work)
    engine.dispose()


@pg
def test_a_deadlock_is_retried(pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Two threads lock rows 1 and 2 in opposite order; PostgreSQL aborts one with 40P01 and
    its retry completes after the other committed: both increments count."""
    engine = make_engine(pg_url, EngineOptions(retry_delay=0.01))
    _table(engine)
    with engine.begin() as connection:
        connection.execute(text("SET deadlock_timeout = '100ms'"))
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    def worker(name: str, first: int, second: int) -> None:
        def work(session: Session) -> None:
            session.execute(text("SET LOCAL deadlock_timeout = '100ms'"))
            attempts[name] += 1
            lock = "UPDATE counter SET value = value + 1 WHERE id = :id"
            session.execute(text(lock), {"id": first})
            if attempts[name] == 1:
                both_hold_one.wait()
            session.execute(text(lock), {"id": second})

        try:
            run_transaction(engine, work)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=("a", 1, 2)),
        threading.Thread(target=worker, args=("b", 2, 1)),
    ]
    with caplog.at_level(logging.WARNING, logger="nazorg.store.retry"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors
    assert sorted(attempts.values()) == [1, 2]
    with engine.connect() as connection:
        values = connection.execute(text("SELECT value FROM counter ORDER BY id")).scalars()
        assert list(values) == [2, 2]
    assert "(deadlock, SQLSTATE 40P01) on attempt 1 of 5; retrying" in caplog.text
    engine.dispose()


@pg
def test_two_inits_at_once_migrate_once(pg_url: str, tmp_path: Any) -> None:
    """The test holds the migration lock until both processes wait for it (so they really start
    together), then lets go: one creates the schema, the other waits and finds it current."""
    import time

    from nazorg.store.migrate import MIGRATION_LOCK_KEY

    gate_engine = make_engine(pg_url)
    gate = gate_engine.connect()
    gate.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    gate.commit()
    environ = {
        **os.environ,
        "NAZORG_DATABASE_URL": pg_url,
        "NAZORG_OUTBOX": str(tmp_path / "outbox"),
        "NAZORG_USER": "tester",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "nazorg", "init"],
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    waiting = 0
    for _ in range(600):
        waiting = gate.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        ).scalar_one()
        gate.commit()
        if waiting == 2 or any(p.poll() is not None for p in processes):
            break
        time.sleep(0.1)
    gate.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    gate.commit()
    gate.close()
    gate_engine.dispose()
    outputs = [p.communicate(timeout=120) for p in processes]
    assert waiting == 2, outputs
    assert [p.returncode for p in processes] == [0, 0], outputs
    said = sorted(out.split(" (versie")[0].rsplit(" ", 1)[-1] for out, _ in outputs)
    assert said == ["aangemaakt", "bijgewerkt"], outputs
    engine = make_engine(pg_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT count(*) FROM alembic_version")).scalar()
        locks = connection.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        ).scalar()
    assert (versions, locks) == (1, 0)
    engine.dispose()
