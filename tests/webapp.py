"""Fixtures for the web application's route tests: the app over the test databases (SQLite and
PostgreSQL), with the small test team, two incidents and an account for each role."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from nazorg.core.workdays import WorkCalendar
from nazorg.services import incidents, users
from nazorg.store.engine import transaction
from tests.conftest import load_team

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Amsterdam
TODAY = date(2026, 3, 2)
PASSWORD = "correct horse battery"
ACCOUNTS = {
    "tineke": (["staff"], None),
    "lars": (["leader"], "L1"),
    "lea": (["leader"], "L2"),
    "sector": (["management"], None),
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    engine: Any
    settings: Any
    app: Any
    e1_checkin: int  # E1's first check-in (held by L1)
    e3_checkin: int  # E3's first check-in (held by L2)
    incident_e1: int

    def client(self, username: str | None = None) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient

        client = TestClient(self.app, follow_redirects=False)
        if username is not None:
            page = client.get("/login")
            token = CSRF.search(page.text)
            assert token is not None
            response = client.post(
                "/login",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "csrf_token": token.group(1),
                    "next": "/",
                },
            )
            assert response.status_code == 303, response.text
        return client


def csrf_of(client: Any, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match is not None
    return match.group(1)


def _register(engine: Any, settings: Any, number: str, note: str = "intern") -> Any:
    with transaction(engine) as session:
        return incidents.register(
            session,
            employees=[number],
            occurred_on=date(2026, 2, 20),
            kind="geweld",
            note=note,
            actor="tester",
            today=date(2026, 2, 20),
            now=NOW,
            kinds=settings.incident_kinds,
            plan=settings.plan("geweld"),
            calendar=WorkCalendar(),
        )


@pytest.fixture
def site(engine: Any, settings: Any) -> Iterator[Site]:
    from nazorg.web.app import create_app

    load_team(engine)
    with transaction(engine) as session:
        for name, (roles, employee) in ACCOUNTS.items():
            users.add(
                session,
                users.NewUser(name, roles, PASSWORD, employee_number=employee),
                actor="beheer",
                now=NOW,
            )
    first = _register(engine, settings, "E1", note="Geheime notitie over E1")
    third = _register(engine, settings, "E3")
    app = create_app(settings, engine=engine, clock=lambda: NOW, today=lambda: TODAY)
    assert first.incident.id is not None
    yield Site(
        engine,
        settings,
        app,
        e1_checkin=first.followups[0].id,
        e3_checkin=third.followups[0].id,
        incident_e1=first.incident.id,
    )
