"""Keys of this installation, made once and kept in the database so that every worker and node
uses the same one (the first to need it creates it; a concurrent creator finds it there)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from nazorg.store.models import InstanceSecret


def instance_secret(session: Session, name: str, *, now: datetime) -> str:
    """The secret `name`, created (256 random bits) the first time it is asked for."""
    row = session.get(InstanceSecret, name)
    if row is not None:
        return row.value
    try:
        with session.begin_nested():
            session.add(InstanceSecret(name=name, value=secrets.token_urlsafe(32), created_at=now))
    except IntegrityError:
        pass  # another process made it first
    row = session.get(InstanceSecret, name)
    assert row is not None
    return row.value
