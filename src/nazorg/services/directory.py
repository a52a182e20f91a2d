"""Finding employees and showing one with their incidents and conversations (staff only).

Staff limited to some teams find and see only those teams' people. Showing someone's incidents
and conversations is audited like every read of that data; a list of names is not health data
and is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from nazorg.core.access import REPORTS, STAFF, Principal
from nazorg.core.cases import CASE_KINDS
from nazorg.core.errors import NotFoundError
from nazorg.core.text import printable
from nazorg.services import audit, employees, followups
from nazorg.services.followups import Pending
from nazorg.store.models import Employee, FollowUp, Incident, IncidentEmployee, Team

if TYPE_CHECKING:
    from nazorg.settings import Settings


@dataclass(frozen=True)
class EmployeePage:
    employees: list[Employee]
    total: int
    offset: int
    limit: int


def find(
    session: Session,
    principal: Principal,
    *,
    text: str | None = None,
    team: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> EmployeePage:
    """Employees whose name or personnel number contains `text` (case-insensitive), by team and
    number."""
    principal.require(STAFF)
    query = select(Employee)
    if text and text.strip():
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(col(Employee.name)).like(pattern),
                func.lower(col(Employee.personnel_number)).like(pattern),
            )
        )
    if team:
        query = query.where(Employee.team_code == team)
    if principal.teams is not None:
        query = query.where(col(Employee.team_code).in_(sorted(principal.teams)))
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    rows = session.exec(
        query.order_by(col(Employee.team_code), col(Employee.personnel_number))
        .limit(limit)
        .offset(offset)
    ).all()
    return EmployeePage(list(rows), total, offset, limit)


def teams(session: Session, principal: Principal) -> list[Team]:
    """The basic teams a staff member works for (all, unless limited)."""
    principal.require(STAFF)
    found = session.exec(select(Team).order_by(col(Team.code))).all()
    return [t for t in found if principal.sees_team(t.code)]


@dataclass(frozen=True)
class Profile:
    employee: Employee
    leader: Employee | None
    incidents: list[Incident]  # without their notes on this page
    followups: list[FollowUp]


def profile(session: Session, principal: Principal, number: str, *, now: datetime) -> Profile:
    """One employee with their incidents and conversations; the read is audited."""
    principal.require(STAFF)
    employee = employees.get(session, number)
    if not principal.sees_team(employee.team_code):
        raise NotFoundError(f"onbekende medewerker {printable(number)}")
    incidents = list(
        session.exec(
            select(Incident)
            .join(IncidentEmployee, col(IncidentEmployee.incident_id) == col(Incident.id))
            .where(IncidentEmployee.employee_number == employee.personnel_number)
            .order_by(col(Incident.occurred_on).desc())
        ).all()
    )
    conversations = list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.employee_number == employee.personnel_number)
            .order_by(col(FollowUp.start_local).desc())
        ).all()
    )
    if not principal.has(REPORTS):  # a report's items only for the reports role (issue 15)
        conversations = [f for f in conversations if f.kind not in CASE_KINDS]
    audit.audit_reads(
        session,
        now=now,
        actor=principal.name,
        action="employee.show",
        entity="employee",
        seen=[(employee.personnel_number, employee.personnel_number)],
    )
    leader = session.get(Employee, employee.leader_number) if employee.leader_number else None
    return Profile(employee, leader, incidents, conversations)


@dataclass(frozen=True)
class Changed:
    employee: Employee
    fields: list[str]
    next_run: list[Pending]


def change(
    session: Session,
    principal: Principal,
    number: str,
    data: employees.EmployeeChange,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> Changed:
    """Staff change an employee's leader, team, role or date of leaving (the rules of
    `employees.update`), and see what the next daily run will send because of it."""
    principal.require(STAFF)
    current = employees.get(session, number)
    if not principal.sees_team(current.team_code):
        raise NotFoundError(f"onbekende medewerker {printable(number)}")
    employee, fields, touched = employees.update(
        session, number, data, actor=principal.name, now=now, today=today, plan=settings.plan()
    )
    return Changed(
        employee,
        fields,
        followups.preview(session, touched, today=today, now=now, settings=settings),
    )


def import_csv(
    session: Session, principal: Principal, raw: bytes, *, filename: str, now: datetime
) -> employees.ImportResult:
    """A CSV import by staff: all or nothing, every bad row named with its line number."""
    principal.require(STAFF)
    rows = employees.read_csv(raw)
    return employees.import_employees(
        session, rows, filename=filename, actor=principal.name, now=now
    )


def chosen(session: Session, principal: Principal, numbers: list[str]) -> list[Employee]:
    """The employees with these numbers that the principal may see, in the given order."""
    principal.require(STAFF)
    found = {
        e.personnel_number: e
        for e in session.exec(
            select(Employee).where(col(Employee.personnel_number).in_(numbers))
        ).all()
        if principal.sees_team(e.team_code)
    }
    return [found[n] for n in numbers if n in found]
