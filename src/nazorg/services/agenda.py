"""The agenda: planned conversations with who holds them, in date order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from nazorg.core.cycles import SELF_KINDS
from nazorg.core.planning import PLANNED
from nazorg.core.workdays import WorkCalendar
from nazorg.services import audit
from nazorg.store.models import Employee, FollowUp
from nazorg.store.queries import conversation_holder


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
    calendar = WorkCalendar()
    items = agenda(session, start=None, end=today)
    return [
        item
        for item in items
        if calendar.workdays_between(item.followup.due_on, today) > overdue_workdays
    ]


def _audited(session: Session, items: list[AgendaItem], *, reader: str, now: datetime) -> None:
    audit.audit_reads(
        session,
        now=now,
        actor=reader,
        action="agenda.show",
        entity="followup",
        seen=[(i.employee.personnel_number, i.followup.id) for i in items],
    )


def planned(
    session: Session, *, reader: str, now: datetime, start: date | None, end: date | None
) -> list[AgendaItem]:
    """The agenda as shown to a reader: the open conversations in [start, end]; audited."""
    items = agenda(session, start=start, end=end)
    _audited(session, items, reader=reader, now=now)
    return items


def late(
    session: Session, *, reader: str, now: datetime, today: date, overdue_workdays: int
) -> list[AgendaItem]:
    """The overdue conversations as shown to a reader; audited."""
    items = overdue(session, today=today, overdue_workdays=overdue_workdays)
    _audited(session, items, reader=reader, now=now)
    return items
