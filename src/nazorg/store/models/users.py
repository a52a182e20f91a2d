"""Accounts of the web application and their sessions.

A local account has an Argon2 password hash; an account that logs in through the organisation's
OpenID provider has none (its roles come from the provider's claim at each login). Sessions are
rows, so that logging out or disabling an account ends them at once, on every node and worker:
the browser's cookie holds only the session's random id, signed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column


class UserAccount(SQLModel, table=True):
    """Someone who may log in: their roles and, for a leader, their employee record."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=200, unique=True)
    # Space-separated roles from nazorg.core.access.ROLES, e.g. "staff reports".
    roles: str = Field(max_length=200)
    employee_number: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    # Space-separated team codes a staff member is limited to; NULL: every team.
    teams: str | None = Field(default=None, max_length=2000)
    password_hash: str | None = Field(default=None, max_length=500)  # NULL: OpenID only
    source: str = Field(default="local", max_length=16)  # local, oidc
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_login_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class WebSession(SQLModel, table=True):
    """One logged-in browser: found by the SHA-256 of its random id, ended by logout, by the
    account being disabled, or after a time without use."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=utc_column())
    last_seen_at: datetime = Field(sa_column=utc_column())


class InstanceSecret(SQLModel, table=True):
    """A random key of this installation (e.g. the one that signs session cookies when no
    `web.secret_key` is set), made once and shared by every worker and node through the
    database."""

    __tablename__ = "instance_secret"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column())
