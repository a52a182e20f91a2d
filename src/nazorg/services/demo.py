"""The bundled demo organisation: one basic team, its leaders, employees and some incidents."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from nazorg.core.errors import ValidationError
from nazorg.core.resources import demo_dir
from nazorg.core.workdays import WorkCalendar
from nazorg.services import employees, incidents
from nazorg.services.slots import SlotPolicy
from nazorg.settings import Settings
from nazorg.store.models import Team

DEMO_TEAM = "BT-CENTRUM"


@dataclass(frozen=True)
class DemoResult:
    employees: int
    incidents: int
    followups: int


def load(
    session: Session, *, settings: Settings, today: date, now: datetime, actor: str
) -> DemoResult:
    """Load the demo team; each incident is planned as if registered on its own `registered` day."""
    if session.get(Team, DEMO_TEAM) is not None:
        raise ValidationError(
            "de demo-organisatie is al geladen; gebruik een lege database (NAZORG_DATABASE_URL)"
        )
    rows = employees.read_csv((demo_dir() / "employees.csv").read_bytes())
    result = employees.import_employees(session, rows, filename="demo", actor=actor, now=now)
    session.get(Team, DEMO_TEAM).name = "Basisteam Rotterdam Centrum"  # type: ignore[union-attr]
    with (demo_dir() / "incidents.toml").open("rb") as handle:
        spec = tomllib.load(handle)["incident"]
    calendar = WorkCalendar()
    count = followups = 0
    for item in spec:
        occurred = date.fromisoformat(item["date"])
        if occurred > today:
            continue
        registered = min(date.fromisoformat(item["registered"]), today)
        registration = incidents.register(
            session,
            employees=item["employees"],
            occurred_on=occurred,
            kind=item["kind"],
            note=item["note"],
            actor=actor,
            today=registered,
            now=now,
            kinds=settings.incident_kinds,
            plan=settings.plan(item["kind"]),
            calendar=calendar,
            policy=SlotPolicy.of(settings),
        )
        count += 1
        followups += len(registration.followups)
    return DemoResult(result.created, count, followups)


#: The demo's accounts, one per role (demo only: the passwords are printed by `make web`).
DEMO_ACCOUNTS = (
    ("tco", ("staff", "reports"), None, "tco-demo-2026"),
    ("peter", ("leader",), "L001", "peter-demo-2026"),
    ("sector", ("management",), None, "sector-demo-2026"),
)


def accounts(session: Session, *, now: datetime, actor: str) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; returns (username, roles, password) of
    every demo account, for the login instructions."""
    from nazorg.services import users

    if session.get(Team, DEMO_TEAM) is None:
        raise ValidationError("laad eerst de demo-organisatie met 'nazorg demo load'")
    shown = []
    for username, roles, employee, password in DEMO_ACCOUNTS:
        if users.find(session, username) is None:
            users.add(
                session,
                users.NewUser(username, list(roles), password, employee_number=employee),
                actor=actor,
                now=now,
            )
        shown.append((username, ", ".join(roles), password))
    return shown
