"""Accounts: local ones for small installations and the demo, and those of the organisation's
OpenID provider; logging in, with a lock against guessing.

Rules:
- A username is one line of at most 200 characters without spaces; roles come from
  `nazorg.core.access.ROLES`; a leader's account names their employee record, since a leader sees
  the conversations that record holds.
- Passwords are stored as Argon2id hashes (argon2-cffi's defaults), at least 10 characters.
- Failed logins for one account slow it down and then lock it for a while: from the third
  failure in a row the account is refused for 30 seconds, from the fourth for a minute, and from
  the fifth for 15 minutes; a successful login resets the count. An unknown name costs the same
  hash check as a known one and gets the same message, so names cannot be guessed either.
- Every change to an account is audited; a disabled account's sessions end at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from nazorg.core.access import LEADER, ROLE_NL, ROLES, Principal
from nazorg.core.errors import NotFoundError, ValidationError
from nazorg.core.text import clean_email, clean_line, clean_number, printable
from nazorg.services import audit
from nazorg.store.models import Employee, UserAccount, WebSession

MIN_PASSWORD = 10
WRONG = "onbekende gebruikersnaam of onjuist wachtwoord"


@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"wachtwoord te kort; gebruik minstens {MIN_PASSWORD} tekens")
    if "\n" in password or "\r" in password or "\x00" in password:
        raise ValidationError("wachtwoord bevat een regeleinde of stuurteken")
    return str(_hasher().hash(password))


def _verify(password_hash: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        # An account without a password (OpenID only) is checked against a throw-away hash, so
        # it costs the same time as a real one and never matches.
        _hasher().verify(password_hash or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return password_hash is not None


@cache
def _dummy_hash() -> str:
    return str(_hasher().hash("nazorg-geen-wachtwoord"))


def clean_username(value: str) -> str:
    name = clean_line(value, "gebruikersnaam", 200)
    if any(ch.isspace() for ch in name):
        raise ValidationError(f"gebruikersnaam '{printable(name)}' bevat een spatie")
    return name


def clean_roles(values: list[str]) -> frozenset[str]:
    roles = frozenset(v.strip() for v in values if v.strip())
    unknown = sorted(roles - set(ROLES))
    if unknown:
        raise ValidationError(
            f"onbekende rol '{printable(unknown[0])}'; kies uit {', '.join(ROLES)}"
        )
    if not roles:
        raise ValidationError(f"geef een rol: {', '.join(ROLES)}")
    return roles


def principal_of(account: UserAccount) -> Principal:
    teams = frozenset(account.teams.split()) if account.teams else None
    return Principal(
        name=account.username,
        roles=frozenset(account.roles.split()),
        employee_number=account.employee_number,
        teams=teams,
    )


def get(session: Session, username: str) -> UserAccount:
    account = session.exec(select(UserAccount).where(UserAccount.username == username)).first()
    if account is None:
        raise NotFoundError(f"onbekende gebruiker {printable(username)}; zie 'nazorg user list'")
    return account


def find(session: Session, username: str) -> UserAccount | None:
    return session.exec(select(UserAccount).where(UserAccount.username == username)).first()


@dataclass(frozen=True)
class NewUser:
    username: str
    roles: list[str]
    password: str | None = None
    employee_number: str | None = None
    email: str | None = None
    teams: list[str] | None = None


def add(session: Session, data: NewUser, *, actor: str, now: datetime) -> UserAccount:
    """Create a local account (validated as the module doc says)."""
    username = clean_username(data.username)
    roles = clean_roles(data.roles)
    if find(session, username) is not None:
        raise ValidationError(f"gebruiker {username} bestaat al")
    number = clean_number(data.employee_number) if data.employee_number else None
    if number is not None and session.get(Employee, number) is None:
        raise NotFoundError(f"onbekende medewerker {number}; zie 'nazorg employee list'")
    if LEADER in roles and number is None:
        raise ValidationError(
            "een leidinggevende heeft een personeelsnummer nodig (--employee NR): "
            "daarmee ziet die de eigen gesprekken"
        )
    email = clean_email(data.email) if data.email else None
    teams = " ".join(sorted({clean_line(t, "team", 64) for t in data.teams or []})) or None
    account = UserAccount(
        username=username,
        roles=" ".join(r for r in ROLES if r in roles),
        employee_number=number,
        email=email,
        teams=teams,
        password_hash=hash_password(data.password) if data.password is not None else None,
        source="local",
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    session.flush()
    audit.record(
        session,
        now=now,
        actor=audit.clean_actor(actor),
        action="user.create",
        entity="user",
        entity_id=username,
        employee_number=number,
        details="rollen: " + ", ".join(ROLE_NL[r] for r in ROLES if r in roles),
    )
    return account


def list_accounts(session: Session) -> list[UserAccount]:
    return list(session.exec(select(UserAccount).order_by(col(UserAccount.username))).all())


def disable(session: Session, username: str, *, actor: str, now: datetime) -> UserAccount:
    """Disable an account: it can no longer log in, and its sessions end now."""
    account = get(session, username)
    account.disabled = True
    account.updated_at = now
    session.add(account)
    session.execute(delete(WebSession).where(col(WebSession.user_id) == account.id))
    audit.record(
        session,
        now=now,
        actor=audit.clean_actor(actor),
        action="user.disable",
        entity="user",
        entity_id=account.username,
        employee_number=account.employee_number,
    )
    return account


def lock_time(failures: int) -> timedelta | None:
    """How long an account is refused after `failures` failed logins in a row."""
    if failures >= 5:
        return timedelta(minutes=15)
    if failures == 4:
        return timedelta(minutes=1)
    if failures == 3:
        return timedelta(seconds=30)
    return None


def _wait_words(until: datetime, now: datetime) -> str:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    if seconds < 90:
        return f"{seconds} seconden"
    return f"{(seconds + 59) // 60} minuten"


@dataclass(frozen=True)
class Login:
    """The outcome of a login: the account, or why it was refused (one message for every wrong
    name or password; the wait while the account is locked). The caller commits either way, so
    that a failure counts."""

    account: UserAccount | None
    refusal: str | None = None


def authenticate(session: Session, username: str, password: str, *, now: datetime) -> Login:
    """Check a username and password against the account (rules in the module doc)."""
    account = find(session, username.strip())
    if account is not None and account.locked_until is not None and account.locked_until > now:
        wait = _wait_words(account.locked_until, now)
        return Login(None, f"te veel mislukte pogingen; probeer het over {wait} opnieuw")
    ok = _verify(account.password_hash if account else None, password)
    if account is None or not ok or account.disabled:
        if account is not None and not account.disabled:
            account.failed_logins += 1
            wait_for = lock_time(account.failed_logins)
            account.locked_until = now + wait_for if wait_for else None
            session.add(account)
            audit.record(
                session,
                now=now,
                actor=account.username,
                action="user.login_failed",
                entity="user",
                entity_id=account.username,
                details=f"mislukte poging {account.failed_logins}",
            )
        return Login(None, WRONG)
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    session.add(account)
    return Login(account)


def sign_in_oidc(
    session: Session,
    *,
    subject: str,
    email: str,
    groups: list[str],
    group_roles: dict[str, tuple[str, ...]],
    now: datetime,
) -> Login:
    """The account of someone the identity provider vouched for: made at the first login and
    brought up to date at each one (roles from their groups; a leader's employee record from
    their e-mail address). Refused: no role from any group, or a leader without an employee
    record with that address."""
    roles = frozenset(r for g in groups for r in group_roles.get(g, ()))
    if not roles:
        return Login(None, "geen toegang: uw account heeft geen rol in nazorg; vraag het beheer")
    username = email.strip().lower() or subject.strip()
    if not username:
        return Login(None, "de identiteitsprovider gaf geen e-mailadres of gebruikers-id")
    employee = (
        session.exec(
            select(Employee).where(func.lower(col(Employee.email)) == email.strip().lower())
        ).first()
        if email
        else None
    )
    if LEADER in roles and employee is None:
        return Login(
            None,
            f"geen medewerker met e-mailadres {printable(email)}; een leidinggevende moet als "
            "medewerker in nazorg staan",
        )
    account = find(session, username)
    if account is None:
        account = UserAccount(
            username=username, roles="", source="oidc", created_at=now, updated_at=now
        )
    if account.disabled:
        return Login(None, WRONG)
    account.roles = " ".join(r for r in ROLES if r in roles)
    account.employee_number = employee.personnel_number if employee is not None else None
    account.email = email.strip().lower() or None
    account.source = "oidc"
    account.last_login_at = now
    account.updated_at = now
    session.add(account)
    session.flush()
    return Login(account)
