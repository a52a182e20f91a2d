"""Shared fixtures: a clean environment, databases on SQLite and PostgreSQL, and a CLI runner.

`database_url` is parametrised over SQLite and a real PostgreSQL server that the tests start
(tests/pgserver.py); tests that take it run on both. Mail and calendar servers come from
tests/mailservers.py; an OpenID provider, a browser and axe from tests/webservers.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

pytest_plugins = [
    "tests.pgserver",
    "tests.mailservers",
    "tests.webservers",
    "tests.webapp",
    "tests.livesite",
]

FIXED_NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
#: Variables that steer the test PostgreSQL server, not nazorg itself.
KEEP_ENV = (
    "NAZORG_PG_BIN",
    "NAZORG_PG_USER",
    "NAZORG_TEST_POSTGRES",
    "NAZORG_TEST_WEB",
    "NAZORG_SCREENSHOTS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No NAZORG_* variable or user config leaks in from the machine running the tests."""
    for key in list(os.environ):
        if key.startswith("NAZORG_") and key not in KEEP_ENV:
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("NAZORG_USER", "tester")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nazorg.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'nazorg.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Any]:
    from nazorg.store.engine import make_engine
    from nazorg.store.migrate import upgrade

    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Any:
    from nazorg.settings import Settings

    # Check-in tests see only check-ins; tests of the leadership cycles switch them on.
    return Settings(database_url=database_url, outbox=tmp_path / "outbox", cycle_kinds=())


@dataclass
class Cli:
    env: dict[str, str]
    runner: CliRunner

    def __call__(self, *args: str, today: str | None = None, input: str | None = None) -> Any:
        from nazorg.cli import app

        env = dict(self.env)
        if today:
            env["NAZORG_TODAY"] = today
        return self.runner.invoke(app, list(args), env=env, input=input)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The CLI on a fresh SQLite database (initialised), with today fixed to 2026-03-02."""
    env = {
        "NAZORG_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "NAZORG_OUTBOX": str(tmp_path / "outbox"),
        "NAZORG_TODAY": "2026-03-02",
        "NAZORG_USER": "tester",
        "NAZORG_CYCLE_KINDS": "[]",
    }
    runner = Cli(env, CliRunner())
    result = runner("init")
    assert result.exit_code == 0, result.output
    return runner


TEAM_CSV = """personnel_number,name,email,team,leader,role
T1,Tineke Chef,tineke@politie.example,BT1,,teamchef
L1,Lars Leider,lars@politie.example,BT1,T1,leidinggevende
L2,Lea Leider,lea@politie.example,BT1,T1,leidinggevende
E1,Eva Eerste,eva@politie.example,BT1,L1,medewerker
E2,Jérôme Ğüneş,jerome@politie.example,BT1,L1,medewerker
E3,Els Derde,els@politie.example,BT1,L2,medewerker
"""


@pytest.fixture
def team_csv(tmp_path: Path) -> Path:
    path = tmp_path / "team.csv"
    path.write_text(TEAM_CSV, encoding="utf-8")
    return path


@pytest.fixture
def cli_team(cli: Cli, team_csv: Path) -> Cli:
    result = cli("employee", "import", str(team_csv))
    assert result.exit_code == 0, result.output
    return cli


def load_team(engine: Any, now: datetime = FIXED_NOW) -> None:
    """The small test team in a database, through the same import the CLI uses."""
    from nazorg.services import employees
    from nazorg.store.engine import transaction

    rows = employees.read_csv(TEAM_CSV.encode())
    with transaction(engine) as session:
        employees.import_employees(session, rows, filename="team.csv", actor="tester", now=now)


def register(
    engine: Any,
    settings: Any,
    *,
    employee: str = "E1",
    occurred: date,
    today: date,
    kind: str = "geweld",
    note: str | None = None,
) -> Any:
    from nazorg.core.workdays import WorkCalendar
    from nazorg.services import incidents
    from nazorg.store.engine import transaction

    with transaction(engine) as session:
        return incidents.register(
            session,
            employees=[employee],
            occurred_on=occurred,
            kind=kind,
            note=note,
            actor="tester",
            today=today,
            now=FIXED_NOW,
            kinds=settings.incident_kinds,
            plan=settings.plan(kind),
            calendar=WorkCalendar(),
        )
