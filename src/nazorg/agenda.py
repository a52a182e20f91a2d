"""The agenda: planned conversations with who holds them, in date order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from nazorg.models import Employee, FollowUp
from nazorg.planning import PLANNED


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


@dataclass(frozen=True)
class AgendaItem:
    followup: FollowUp
    employee: Employee
    leader: Employee | None

    def as_json(self) -> dict[str, object]:
        f = self.followup
        return {
            "id": f.id,
            "uid": f.uid,
            "incident_id": f.incident_id,
            "employee": self.employee.personnel_number,
            "employee_name": self.employee.name,
            "leader": self.leader.personnel_number if self.leader else None,
            "leader_name": self.leader.name if self.leader else None,
            "kind": f.kind,
            "due": f.due_on.isoformat(),
            "start": f.start.isoformat(),
            "end": f.end.isoformat(),
            "status": f.status,
            "late_registration": f.late_registration,
            "invite_on": f.invite_on.isoformat(),
        }


def followup_json(f: FollowUp) -> dict[str, object]:
    """The public form of a follow-up in --json output (ISO dates, times with their offset)."""
    return {
        "id": f.id,
        "employee": f.employee_number,
        "kind": f.kind,
        "due": f.due_on.isoformat(),
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "status": f.status,
        "late_registration": f.late_registration,
    }


def agenda(
    session: Session,
    *,
    start: date | None,
    end: date | None,
    statuses: tuple[str, ...] = (PLANNED,),
) -> list[AgendaItem]:
    """Conversations with a due date in [start, end], earliest first."""
    leader = aliased(Employee)
    query = (
        select(FollowUp, Employee, leader)
        .join(Employee, col(Employee.personnel_number) == col(FollowUp.employee_number))
        .outerjoin(leader, col(leader.personnel_number) == col(Employee.leader_number))
        .where(col(FollowUp.status).in_(statuses))
        .order_by(col(FollowUp.start_local), col(FollowUp.id))
    )
    if start is not None:
        query = query.where(FollowUp.due_on >= start)
    if end is not None:
        query = query.where(FollowUp.due_on <= end)
    items = []
    from nazorg.cycles import SELF_KINDS

    for followup, employee, lead in session.exec(query).all():
        if followup.kind in SELF_KINDS:  # a leader's own 360 round or development plan
            items.append(AgendaItem(followup, employee, employee))
            continue
        holder = (
            lead
            if lead is not None and lead.is_active(followup.due_on)
            else conversation_holder(session, employee, followup.due_on)
        )
        items.append(AgendaItem(followup, employee, holder))
    return items


def utc_iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def overdue(session: Session, *, today: date, overdue_workdays: int) -> list[AgendaItem]:
    """Open conversations more than N working days past their date, oldest first."""
    from nazorg.workdays import WorkCalendar

    calendar = WorkCalendar()
    items = agenda(session, start=None, end=today)
    return [
        item
        for item in items
        if calendar.workdays_between(item.followup.due_on, today) > overdue_workdays
    ]
