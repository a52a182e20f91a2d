"""The `[database]` settings: the connection pool, the statement timeout and the retry of
transactions that PostgreSQL aborted under concurrent use.

Only pydantic and the standard library here: the settings are read when any command starts.
They apply to PostgreSQL; SQLite (one file, one writer) ignores the pool and the timeout.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DatabaseSettings(BaseModel):
    """`[database]` (or NAZORG_DATABASE__POOL_SIZE and friends).

    Connections one process may hold: `pool_size` kept open plus `max_overflow` opened when
    busy; a request that finds all of them taken waits `pool_timeout` seconds, then fails with
    one line. Size it so that (nodes x processes x (pool_size + max_overflow)) stays below the
    server's max_connections. `statement_timeout` (seconds, 0 = no limit) ends any single
    statement that runs longer; `nazorg init` lifts it for migrations. A transaction aborted
    by a serialization failure or a deadlock is run again up to `retry_attempts` times in all,
    after a random wait of up to `retry_delay` x 2^attempt seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pool_size: int = Field(default=5, ge=1, le=200)
    max_overflow: int = Field(default=10, ge=0, le=200)
    pool_timeout: float = Field(default=30.0, gt=0, le=600)
    statement_timeout: float = Field(default=120.0, ge=0, le=86400)
    retry_attempts: int = Field(default=5, ge=1, le=20)
    retry_delay: float = Field(default=0.05, ge=0, le=10)
