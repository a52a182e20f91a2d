"""Registering an incident as staff do it in the web app: the planned conversations shown first,
then saved. Staff only, for the people of their teams; the same rules as `incidents.register`,
because the preview runs it and undoes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from nazorg.core.access import STAFF, Principal
from nazorg.core.errors import NotFoundError
from nazorg.core.text import printable
from nazorg.core.workdays import WorkCalendar
from nazorg.services import incidents
from nazorg.services.incidents import Registration
from nazorg.services.slots import SlotPolicy
from nazorg.store.models import Employee

if TYPE_CHECKING:
    from nazorg.settings import Settings


@dataclass(frozen=True)
class NewIncident:
    employees: Sequence[str]
    occurred_on: date
    kind: str
    note: str | None


@dataclass(frozen=True)
class PlannedPreview:
    """A conversation registration would plan, shown before anything is saved."""

    employee_number: str
    employee_name: str
    kind: str
    start: datetime
    status: str
    late_registration: bool


def _register(
    session: Session,
    principal: Principal,
    new: NewIncident,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> Registration:
    principal.require(STAFF)
    for number in new.employees:
        employee = session.get(Employee, number.strip())
        if employee is not None and not principal.sees_team(employee.team_code):
            raise NotFoundError(f"onbekende medewerker {printable(number)}", field="employees")
    return incidents.register(
        session,
        employees=new.employees,
        occurred_on=new.occurred_on,
        kind=new.kind,
        note=new.note,
        actor=principal.name,
        today=today,
        now=now,
        kinds=settings.incident_kinds,
        plan=settings.plan(new.kind.strip()),
        calendar=WorkCalendar(),
        policy=SlotPolicy.of(settings),
    )


def register(
    session: Session,
    principal: Principal,
    new: NewIncident,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> Registration:
    """Register the incident and plan each person's conversations."""
    return _register(session, principal, new, today=today, now=now, settings=settings)


def preview(
    session: Session,
    principal: Principal,
    new: NewIncident,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> list[PlannedPreview]:
    """What `register` would plan, by running it and undoing it: the same checks and the same
    rules (weekends, holidays, late registration), so the preview can never differ."""
    savepoint = session.begin_nested()
    try:
        registration = _register(session, principal, new, today=today, now=now, settings=settings)
        numbers = [f.employee_number for f in registration.followups]
        names = {
            e.personnel_number: e.name
            for e in session.exec(
                select(Employee).where(col(Employee.personnel_number).in_(numbers))
            ).all()
        }
        return [
            PlannedPreview(
                employee_number=f.employee_number,
                employee_name=names.get(f.employee_number, f.employee_number),
                kind=f.kind,
                start=f.start,
                status=f.status,
                late_registration=f.late_registration,
            )
            for f in registration.followups
        ]
    finally:
        savepoint.rollback()
