"""Running a unit of work again when PostgreSQL aborted it under concurrent use.

PostgreSQL aborts a transaction with a serialization failure (SQLSTATE 40001, under REPEATABLE
READ or SERIALIZABLE) or a deadlock (40P01, two transactions locking rows in opposite order).
Both are safe to retry: nothing of the aborted transaction was written. `run_transaction` runs
the work in a fresh transaction again, at most `retry_attempts` times in all (the engine's
`[database]` settings), after a random wait (full jitter: between 0 and `retry_delay` x
2^(attempt-1) seconds, so two colliding processes do not collide again in step), and logs every
retry. Any other error, or the last attempt's, is not retried. The work must touch nothing
outside the database that a second run would do twice (or do it idempotently).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from nazorg.core.errors import DatabaseError
from nazorg.store.engine import engine_options, transaction

T = TypeVar("T")

log = logging.getLogger(__name__)

#: SQLSTATEs that abort a transaction which may simply be run again, with their Dutch name.
RETRYABLE = {"40001": "serialisatiefout", "40P01": "deadlock"}


def retryable_sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of `exc` when it is a serialization failure or a deadlock, else None."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code if code in RETRYABLE else None


def run_transaction(
    engine: Engine,
    work: Callable[[Session], T],
    *,
    attempts: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> T:
    """`work(session)` in one transaction, committed; run again in a new transaction when
    PostgreSQL aborted it with 40001 or 40P01 (see the module). After the last attempt the
    failure becomes one line (DatabaseError) that names what to do."""
    options = engine_options(engine)
    total = attempts or options.retry_attempts
    for attempt in range(1, total + 1):
        try:
            with transaction(engine) as session:
                return work(session)
        except DBAPIError as exc:
            code = retryable_sqlstate(exc)
            if code is None:
                raise
            if attempt == total:
                log.warning(
                    "transaction aborted (%s, SQLSTATE %s) on attempt %d of %d; giving up",
                    RETRYABLE[code],
                    code,
                    attempt,
                    total,
                )
                raise DatabaseError(
                    f"de database brak de transactie {total} keer af ({RETRYABLE[code]}, "
                    f"SQLSTATE {code}) door gelijktijdig werk; probeer het zo opnieuw"
                ) from None
            delay = jitter() * options.retry_delay * 2 ** (attempt - 1)
            log.warning(
                "transaction aborted (%s, SQLSTATE %s) on attempt %d of %d; retrying in %.3f s",
                RETRYABLE[code],
                code,
                attempt,
                total,
                delay,
            )
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
