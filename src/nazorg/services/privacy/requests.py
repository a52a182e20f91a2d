"""The AVG requests as staff make them in the web app: the audit trail, an employee's export and
the erasure with its preview. Staff only (and only for the people of their teams); every one of
them is itself audited by the function it calls."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from nazorg.core.access import STAFF, Principal
from nazorg.core.errors import AccessDenied, NotFoundError
from nazorg.core.text import clean_number, printable
from nazorg.services import audit, employees
from nazorg.services.privacy import erasure, export
from nazorg.store.models import AuditEvent


def _check(session: Session, principal: Principal, number: str) -> str:
    principal.require(STAFF)
    employee = employees.get(session, clean_number(number))
    if not principal.sees_team(employee.team_code):
        raise NotFoundError(f"onbekende medewerker {printable(number)}")
    return employee.personnel_number


def trail(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    employee: str | None = None,
    since: date | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    """The newest `limit` lines of the audit trail (staff for every team only: the trail names
    people of every team)."""
    principal.require(STAFF)
    if principal.teams is not None:
        raise AccessDenied("geen toegang: het auditspoor is voor TCO/VGW van alle teams")
    events = audit.trail(session, reader=principal.name, now=now, employee=employee, since=since)
    return events[-limit:][::-1]


def export_of(session: Session, principal: Principal, number: str, *, now: datetime) -> Any:
    """Everything nazorg holds about one employee, as JSON-ready data."""
    return export.export_employee(
        session, _check(session, principal, number), actor=principal.name, now=now
    )


def erasure_preview(
    session: Session, principal: Principal, number: str, *, today: date
) -> erasure.ErasurePreview:
    return erasure.erasure_preview(session, _check(session, principal, number), today=today)


def erase(
    session: Session, principal: Principal, number: str, *, today: date, now: datetime
) -> erasure.ErasureOutcome:
    return erasure.request_erasure(
        session, _check(session, principal, number), actor=principal.name, today=today, now=now
    )
