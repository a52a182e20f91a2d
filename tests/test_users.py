"""Local accounts (`nazorg user`), logging in with its lock, and web sessions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from nazorg.core.access import LEADER, MANAGEMENT, STAFF
from nazorg.core.errors import ValidationError
from nazorg.services import sessions, users
from nazorg.store.engine import transaction
from nazorg.store.models import AuditEvent, UserAccount
from tests.conftest import load_team

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def team(engine: Any) -> Any:
    """A database (SQLite and PostgreSQL) with the small test team."""
    load_team(engine)
    return engine


def _add(engine: Any, name: str, roles: list[str], employee: str | None = None) -> None:
    with transaction(engine) as session:
        users.add(
            session,
            users.NewUser(name, roles, PASSWORD, employee_number=employee),
            actor="beheer",
            now=NOW,
        )


def _login(engine: Any, name: str, password: str, now: datetime) -> users.Login:
    with transaction(engine) as session:
        return users.authenticate(session, name, password, now=now)


def test_a_password_is_stored_as_an_argon2_hash_and_checked(team: Any) -> None:
    _add(team, "tineke", [STAFF])
    with transaction(team) as session:
        account = users.get(session, "tineke")
        assert account.password_hash is not None
        assert account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash
    assert _login(team, "tineke", PASSWORD, NOW).account is not None
    refused = _login(team, "tineke", "wrong password!", NOW)
    assert refused.account is None and refused.refusal == users.WRONG
    # An unknown name gets the very same message.
    assert _login(team, "niemand", PASSWORD, NOW).refusal == users.WRONG


def test_failed_logins_slow_an_account_down_and_then_lock_it(team: Any) -> None:
    _add(team, "tineke", [STAFF])
    for _ in range(2):
        assert _login(team, "tineke", "fout-fout-fout", NOW).refusal == users.WRONG
    assert _login(team, "tineke", "fout-fout-fout", NOW).refusal == users.WRONG  # third: 30 s
    locked = _login(team, "tineke", PASSWORD, NOW + timedelta(seconds=10))
    assert locked.account is None
    assert locked.refusal == "te veel mislukte pogingen; probeer het over 20 seconden opnieuw"
    later = NOW + timedelta(seconds=31)
    assert _login(team, "tineke", "fout-fout-fout", later).refusal == users.WRONG  # 4th: 1 min
    assert _login(team, "tineke", "fout-fout-fout", later + timedelta(minutes=1, seconds=1))
    locked = _login(team, "tineke", PASSWORD, later + timedelta(minutes=2))
    assert locked.refusal == "te veel mislukte pogingen; probeer het over 15 minuten opnieuw"
    ok = _login(team, "tineke", PASSWORD, later + timedelta(minutes=17))
    assert ok.account is not None and ok.account.failed_logins == 0
    with transaction(team) as session:
        failures = session.exec(
            select(AuditEvent).where(AuditEvent.action == "user.login_failed")
        ).all()
    assert len(failures) == 5


@pytest.mark.parametrize(
    ("name", "roles", "employee", "password", "message"),
    [
        ("a b", [STAFF], None, PASSWORD, "gebruikersnaam 'a b' bevat een spatie"),
        ("anna", ["baas"], None, PASSWORD, "onbekende rol 'baas'"),
        ("anna", [LEADER], None, PASSWORD, "een leidinggevende heeft een personeelsnummer nodig"),
        ("anna", [LEADER], "X999", PASSWORD, "onbekende medewerker X999"),
        ("anna", [STAFF], None, "kort", "wachtwoord te kort; gebruik minstens 10 tekens"),
    ],
)
def test_bad_accounts_are_refused_with_the_fix_named(
    team: Any, name: str, roles: list[str], employee: str | None, password: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused, transaction(team) as session:
        users.add(
            session,
            users.NewUser(name, roles, password, employee_number=employee),
            actor="beheer",
            now=NOW,
        )
    assert message in str(refused.value)
    with transaction(team) as session:
        assert session.exec(select(UserAccount)).all() == []


def test_sessions_end_after_idle_time_at_logout_and_when_disabled(team: Any) -> None:
    _add(team, "lars", [LEADER], employee="L1")
    idle = timedelta(minutes=30)
    with transaction(team) as session:
        started = sessions.start(session, users.get(session, "lars"), now=NOW)
    with transaction(team) as session:
        resumed = sessions.resume(
            session, started.token, now=NOW + timedelta(minutes=20), idle=idle
        )
        assert resumed is not None and resumed.account.username == "lars"
        assert resumed.csrf_token == started.csrf_token
        assert users.principal_of(resumed.account).employee_number == "L1"
    with transaction(team) as session:  # 20 minutes after the last use: still alive
        assert sessions.resume(session, started.token, now=NOW + timedelta(minutes=40), idle=idle)
    with transaction(team) as session:
        assert (
            sessions.resume(session, started.token, now=NOW + timedelta(hours=2), idle=idle) is None
        )
    with transaction(team) as session:
        second = sessions.start(session, users.get(session, "lars"), now=NOW)
    with transaction(team) as session:
        sessions.end(session, second.token, now=NOW)
    with transaction(team) as session:
        assert sessions.resume(session, second.token, now=NOW, idle=idle) is None
    with transaction(team) as session:
        third = sessions.start(session, users.get(session, "lars"), now=NOW)
        users.disable(session, "lars", actor="beheer", now=NOW)
    with transaction(team) as session:
        assert sessions.resume(session, third.token, now=NOW, idle=idle) is None
    assert _login(team, "lars", PASSWORD, NOW).account is None
    with transaction(team) as session:
        assert sessions.resume(session, "not-a-token", now=NOW, idle=idle) is None


def test_user_commands_read_the_password_from_stdin_and_never_show_it(cli_team: Any) -> None:
    cli = cli_team
    result = cli("user", "add", "lars", "--role", "leader", "--employee", "L1", input=PASSWORD)
    assert result.exit_code == 0, result.output
    assert result.output == "gebruiker lars aangemaakt (rollen: leader)\n"
    result = cli("user", "add", "sector", "--role", MANAGEMENT, "--json", input=PASSWORD + "\n")
    assert json.loads(result.output)["roles"] == ["management"]
    listed = cli("user", "list", "--json")
    assert [u["username"] for u in json.loads(listed.output)] == ["lars", "sector"]
    assert PASSWORD not in listed.output and "argon2" not in listed.output
    assert cli("user", "disable", "sector").output == "gebruiker sector uitgezet\n"
    bad = cli("user", "add", "x", "--role", "baas", input=PASSWORD)
    assert bad.exit_code == 1
    assert bad.output.startswith("fout: onbekende rol 'baas'; kies uit staff, reports, leader")
    assert [u["username"] for u in json.loads(cli("user", "list", "--json").output)] == [
        "lars",
        "sector",
    ]
    missing = cli("user", "disable", "niemand")
    assert missing.exit_code == 1
    assert missing.output == "fout: onbekende gebruiker niemand; zie 'nazorg user list'\n"
