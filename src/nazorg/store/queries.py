"""Read queries that more than one layer needs: who holds a conversation, who heads a team, and
what an R&O invite's agenda point counts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from nazorg.core.cycles import RO
from nazorg.core.planning import CANCELLED
from nazorg.core.workdays import add_months
from nazorg.store.models import Employee, FollowUp, Incident, IncidentEmployee


def conversation_holder(
    session: Session, employee: Employee, on: date | None = None
) -> Employee | None:
    """Who holds an employee's conversations: the direct leader, else (no leader, or one who has
    left by the day `on`) the team's teamchef."""

    def active(person: Employee) -> bool:
        return on is None or person.is_active(on)

    if employee.leader_number:
        leader = session.get(Employee, employee.leader_number)
        if leader is not None and active(leader):
            return leader
    return teamchef(session, employee.team_code, on, exclude=employee.personnel_number)


def teamchef(
    session: Session, team_code: str, on: date | None = None, exclude: str | None = None
) -> Employee | None:
    """The head of a team (the first active teamchef by personnel number)."""
    query = (
        select(Employee)
        .where(Employee.team_code == team_code)
        .where(Employee.role == "teamchef")
        .order_by(col(Employee.personnel_number))
    )
    if exclude is not None:
        query = query.where(Employee.personnel_number != exclude)
    for person in session.exec(query).all():
        if on is None or person.is_active(on):
            return person
    return None


def violence_since_last_ro(
    session: Session, followup: FollowUp, *, violence_kinds: tuple[str, ...]
) -> int:
    """The number of incidents of a violence kind the employee had since their previous R&O
    conversation (or, without one, in the year before this one), up to this conversation."""
    previous = session.exec(
        select(col(FollowUp.due_on))
        .where(FollowUp.employee_number == followup.employee_number)
        .where(FollowUp.kind == RO)
        .where(col(FollowUp.due_on) < followup.due_on)
        .where(FollowUp.status != CANCELLED)
        .order_by(col(FollowUp.due_on).desc())
        .limit(1)
    ).first()
    since = previous if previous is not None else add_months(followup.due_on, -12)
    return int(
        session.exec(
            select(func.count())
            .select_from(Incident)
            .join(IncidentEmployee, col(IncidentEmployee.incident_id) == col(Incident.id))
            .where(IncidentEmployee.employee_number == followup.employee_number)
            .where(col(Incident.kind).in_(violence_kinds))
            .where(col(Incident.occurred_on) > since)
            .where(col(Incident.occurred_on) <= followup.due_on)
        ).one()
    )
