"""Locks between processes that must not decide the same thing at once, and between nodes.

On PostgreSQL a transaction advisory lock, released with the transaction (and with the session if
the process dies). On SQLite every transaction began with BEGIN IMMEDIATE (`nazorg.store.engine`)
and already holds the database's one write lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlmodel import Session

#: Key of the PostgreSQL advisory lock that serialises deciding emissions.
EMISSION_LOCK_KEY = 0x6E617A6F  # "nazo"


def lock_for_emission(session: Session) -> None:
    """Serialise deciding emissions between processes, until the end of this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EMISSION_LOCK_KEY})
    # SQLite: the transaction began IMMEDIATE and already holds the write lock.


#: Key of the PostgreSQL advisory lock that serialises recording answers to invites (issue 13).
REPLIES_LOCK_KEY = 0x6E617A72  # "nazr"


def lock_for_replies(session: Session) -> None:
    """Serialise recording answers between processes (the daily run's step and the scheduler's
    job reading one mailbox), until the end of this transaction; so a message read by both is
    recorded by one and found recorded by the other."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REPLIES_LOCK_KEY})


#: Key of the PostgreSQL session advisory lock held by the node that runs the daily job.
NODE_LOCK_KEY = 0x6E617A6E  # "nazn"


@dataclass(frozen=True)
class NodeLock:
    """The daily job's lock, held: `waited` says another node held it when this one asked."""

    waited: bool


@contextmanager
def node_lock(
    engine: Engine, *, stop: threading.Event | None = None, poll_seconds: float = 0.5
) -> Iterator[NodeLock | None]:
    """Hold the lock that lets one node at a time run the daily job, until the block ends.

    On PostgreSQL a session advisory lock on a connection of its own: it dies with that session,
    so when a node is killed mid-run the server releases it and a waiting node takes over. Waits
    by asking again every `poll_seconds`; yields None if `stop` is set while waiting. On SQLite
    (one machine) there is no such lock: every transaction of the run already queues on the
    database's write lock (BEGIN IMMEDIATE), and exactly-once holds without it.
    """
    if engine.dialect.name != "postgresql":
        yield NodeLock(waited=False)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        waited = False
        try_lock = text("SELECT pg_try_advisory_lock(:key)")
        while not connection.execute(try_lock, {"key": NODE_LOCK_KEY}).scalar_one():
            waited = True
            if stop is not None and stop.wait(poll_seconds):
                yield None
                return
            if stop is None:
                time.sleep(poll_seconds)
        try:
            yield NodeLock(waited=waited)
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": NODE_LOCK_KEY})
