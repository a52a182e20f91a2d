"""Locks between processes that must not decide the same thing at once.

On PostgreSQL a transaction advisory lock, released with the transaction (and with the session if
the process dies). On SQLite every transaction began with BEGIN IMMEDIATE (`nazorg.store.engine`)
and already holds the database's one write lock.
"""

from __future__ import annotations

from sqlalchemy import text
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
