"""Web sessions: a random id in the browser's cookie, its SHA-256 in the database.

A session ends at logout, when its account is disabled, or after `idle` without a request (the
last request is written at most once a minute, so that a busy page does not write on every hit).
Each session has its own CSRF token for the forms of its pages.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from nazorg.services import audit
from nazorg.store.models import UserAccount, WebSession

TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Started:
    token: str  # goes into the cookie, never stored
    csrf_token: str


def start(session: Session, account: UserAccount, *, now: datetime) -> Started:
    """A new session for a user who just logged in (any earlier session id is not reused)."""
    assert account.id is not None
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=account.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
        )
    )
    audit.record(
        session,
        now=now,
        actor=account.username,
        action="user.login",
        entity="user",
        entity_id=account.username,
        employee_number=account.employee_number,
    )
    return Started(token, csrf)


@dataclass(frozen=True)
class Resumed:
    account: UserAccount
    csrf_token: str


def _find(session: Session, token: str) -> tuple[WebSession, UserAccount] | None:
    if not token or len(token) > 200:
        return None
    row = session.exec(
        select(WebSession, UserAccount)
        .join(UserAccount, col(UserAccount.id) == col(WebSession.user_id))
        .where(WebSession.token_hash == _digest(token))
    ).first()
    return None if row is None else (row[0], row[1])


def peek(session: Session, token: str, *, now: datetime, idle: timedelta) -> Resumed | None:
    """The account of a live session that needs no write now: its last request is less than
    TOUCH_EVERY (and less than `idle`) ago and its account is enabled. Reads only, so it may run
    without the write lock (`nazorg.store.engine.reading`); None means "ask `resume`", which
    decides (and writes: the new last-seen time, or the end of the session)."""
    found = _find(session, token)
    if found is None:
        return None
    web, account = found
    since = now - web.last_seen_at
    if account.disabled or since >= TOUCH_EVERY or since > idle:
        return None
    return Resumed(account, web.csrf_token)


def resume(session: Session, token: str, *, now: datetime, idle: timedelta) -> Resumed | None:
    """The account of a live session, or None (unknown, ended, idle too long, or disabled).
    The last-seen time is written when it is TOUCH_EVERY or more behind `now`, so a session
    is written at most once a minute however many pages it asks for."""
    found = _find(session, token)
    if found is None:
        return None
    web, account = found
    if account.disabled or now - web.last_seen_at > idle:
        session.delete(web)
        return None
    if now - web.last_seen_at >= TOUCH_EVERY:
        web.last_seen_at = now
        session.add(web)
    return Resumed(account, web.csrf_token)


def end(session: Session, token: str, *, now: datetime) -> None:
    """Log out: the session is gone, whatever cookie the browser still holds."""
    row = session.exec(select(WebSession).where(WebSession.token_hash == _digest(token))).first()
    if row is None:
        return
    account = session.get(UserAccount, row.user_id)
    session.execute(delete(WebSession).where(col(WebSession.id) == row.id))
    if account is not None:
        audit.record(
            session,
            now=now,
            actor=account.username,
            action="user.logout",
            entity="user",
            entity_id=account.username,
        )
