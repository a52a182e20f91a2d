"""Registering an impactful incident and planning its check-ins."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from nazorg.core.access import STAFF, Principal
from nazorg.core.errors import DuplicateError, NotFoundError, ValidationError
from nazorg.core.planning import PLANNED, Plan, escalation_date, invite_date, plan_checkins
from nazorg.core.text import clean_line, clean_note, printable
from nazorg.core.workdays import WorkCalendar
from nazorg.services import audit
from nazorg.services.slots import DEFAULT_POLICY, Planner, SlotPolicy, holder_number
from nazorg.store.models import Employee, FollowUp, Incident, IncidentEmployee

UID_DOMAIN = "nazorg.politie"


def new_uid() -> str:
    """A calendar UID, fixed for the life of one conversation (RFC 5545 §3.8.4.7)."""
    return f"{uuid.uuid4()}@{UID_DOMAIN}"


@dataclass(frozen=True)
class Registration:
    incident: Incident
    followups: list[FollowUp]


def register(
    session: Session,
    *,
    employees: Sequence[str],
    occurred_on: date,
    kind: str,
    note: str | None,
    actor: str,
    today: date,
    now: datetime,
    kinds: Sequence[str],
    plan: Plan,
    calendar: WorkCalendar,
    force: bool = False,
    policy: SlotPolicy = DEFAULT_POLICY,
) -> Registration:
    """Register one incident for one or more employees and plan each one's check-ins.

    Each open check-in gets a slot of its holder (`nazorg.services.slots`): on its planned day
    when free within the working hours, else the next working day, apart from every other
    conversation of the holder and of the employee, the ones of this incident included.

    Refused (nothing written): an unknown or departed employee, a date in the future, an unknown
    kind, and the same employee, date and kind registered before unless `force`.
    """
    if not employees:
        raise ValidationError("geef minstens één medewerker met --employee", field="employees")
    if occurred_on > today:
        raise ValidationError(
            f"incidentdatum {occurred_on.isoformat()} ligt in de toekomst "
            f"(vandaag is {today.isoformat()})",
            field="date",
        )
    kind = kind.strip()
    if kind not in kinds:
        raise ValidationError(
            f"onbekende soort '{printable(kind)}'; kies uit {', '.join(kinds)}", field="kind"
        )
    note = clean_note(note, field="note")
    actor = clean_line(actor, "--by", 200)
    numbers = list(dict.fromkeys(n.strip() for n in employees))
    affected: list[Employee] = []
    for number in numbers:
        employee = session.get(Employee, number)
        if employee is None:
            raise NotFoundError(
                f"onbekende medewerker {printable(number)}; zie 'nazorg employee list'",
                field="employees",
            )
        if not employee.is_active(today):
            raise ValidationError(
                f"medewerker {number} is uit dienst sinds {employee.left_on}; "
                "registreer geen nazorg",
                field="employees",
            )
        affected.append(employee)
    if not force:
        for employee in affected:
            duplicate = session.exec(
                select(Incident.id)
                .join(IncidentEmployee, col(IncidentEmployee.incident_id) == col(Incident.id))
                .where(IncidentEmployee.employee_number == employee.personnel_number)
                .where(Incident.occurred_on == occurred_on)
                .where(Incident.kind == kind)
            ).first()
            if duplicate is not None:
                raise DuplicateError(
                    f"incident {duplicate} is al geregistreerd voor {employee.personnel_number} "
                    f"op {occurred_on.isoformat()} ({kind}); gebruik --force voor een tweede",
                    field="employees",
                )

    incident = Incident(
        occurred_on=occurred_on, kind=kind, note=note, registered_by=actor, registered_at=now
    )
    session.add(incident)
    session.flush()
    assert incident.id is not None
    audit.record(
        session,
        now=now,
        actor=actor,
        action="incident.create",
        entity="incident",
        entity_id=incident.id,
        details=f"{len(affected)} medewerker(s)",
    )
    followups: list[FollowUp] = []
    planner = Planner(session, today, calendar, policy)
    for employee in affected:
        session.add(
            IncidentEmployee(incident_id=incident.id, employee_number=employee.personnel_number)
        )
        for checkin in plan_checkins(occurred_on, today, plan, calendar):
            due, start, end = checkin.due, checkin.start, checkin.end
            holder = holder_number(session, employee, checkin.kind, due)
            if checkin.status == PLANNED:
                people = (employee.personnel_number,) + ((holder,) if holder else ())
                slot = planner.place(
                    people,
                    due,
                    plan.duration,
                    preferred=plan.meeting_time,
                    label=f"{employee.personnel_number} {checkin.kind}",
                )
                zone = ZoneInfo(plan.tzid)
                start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
                due = start.date()
            invite_on = invite_date(due, plan)
            followup = FollowUp(
                uid=new_uid(),
                incident_id=incident.id,
                employee_number=employee.personnel_number,
                kind=checkin.kind,
                slot_holder=holder,
                due_on=due,
                start_local=start.replace(tzinfo=None),
                end_local=end.replace(tzinfo=None),
                tzid=plan.tzid,
                status=checkin.status,
                late_registration=checkin.late_registration,
                invite_on=invite_on,
                emit_on=invite_on if checkin.status == PLANNED else None,
                escalate_on=(
                    escalation_date(due, plan, calendar) if checkin.status == PLANNED else None
                ),
                created_at=now,
                updated_at=now,
            )
            session.add(followup)
            followups.append(followup)
        session.flush()
        audit.record(
            session,
            now=now,
            actor=actor,
            action="followup.plan",
            entity="incident",
            entity_id=incident.id,
            employee_number=employee.personnel_number,
            details=", ".join(
                f"{f.id}:{f.kind}:{f.due_on}"
                for f in followups
                if f.employee_number == employee.personnel_number
            ),
        )
    return Registration(incident, followups)


def get(session: Session, incident_id: int) -> Incident:
    # An id beyond 32 bits cannot exist (PostgreSQL cannot even compare it to an INTEGER).
    incident = session.get(Incident, incident_id) if 0 < incident_id < 2**31 else None
    if incident is None:
        raise NotFoundError(f"onbekend incident {incident_id}; zie 'nazorg incident list'")
    return incident


def affected_numbers(session: Session, incident_id: int) -> list[str]:
    return list(
        session.exec(
            select(IncidentEmployee.employee_number)
            .where(IncidentEmployee.incident_id == incident_id)
            .order_by(col(IncidentEmployee.employee_number))
        ).all()
    )


def followups_of(session: Session, incident_id: int) -> list[FollowUp]:
    return list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.incident_id == incident_id)
            .order_by(col(FollowUp.employee_number), col(FollowUp.due_on), col(FollowUp.id))
        ).all()
    )


def list_incidents(
    session: Session,
    *,
    employee: str | None = None,
    since: date | None = None,
    teams: frozenset[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[tuple[Incident, list[str]]]:
    query = select(Incident).order_by(col(Incident.occurred_on).desc(), col(Incident.id).desc())
    if since is not None:
        query = query.where(Incident.occurred_on >= since)
    if employee is not None:
        query = query.join(IncidentEmployee).where(IncidentEmployee.employee_number == employee)
    if teams is not None:
        members = (
            select(IncidentEmployee.incident_id)
            .join(Employee, col(Employee.personnel_number) == col(IncidentEmployee.employee_number))
            .where(col(Employee.team_code).in_(sorted(teams)))
        )
        query = query.where(col(Incident.id).in_(members))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [(i, affected_numbers(session, i.id or 0)) for i in session.exec(query).all()]


@dataclass(frozen=True)
class IncidentView:
    """One incident as staff see it: with its note, the people affected and their conversations."""

    incident: Incident
    employees: list[str]
    followups: list[FollowUp]


def show(
    session: Session, principal: Principal, incident_id: int, *, now: datetime
) -> IncidentView:
    """One incident with its note and conversations, for staff who see one of the people
    affected (others: it does not exist for them); the read is audited for every person."""
    principal.require(STAFF)
    incident = get(session, incident_id)
    numbers = affected_numbers(session, incident_id)
    if principal.teams is not None and not _in_teams(session, numbers, principal.teams):
        raise NotFoundError(f"onbekend incident {incident_id}; zie 'nazorg incident list'")
    audit.audit_reads(
        session,
        now=now,
        actor=principal.name,
        action="incident.show",
        entity="incident",
        seen=[(n, incident_id) for n in numbers],
    )
    return IncidentView(incident, numbers, followups_of(session, incident_id))


def _in_teams(session: Session, numbers: list[str], teams: frozenset[str]) -> bool:
    return (
        session.exec(
            select(Employee.personnel_number)
            .where(col(Employee.personnel_number).in_(numbers))
            .where(col(Employee.team_code).in_(sorted(teams)))
        ).first()
        is not None
    )


def overview(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    employee: str | None = None,
    since: date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[tuple[Incident, list[str]]]:
    """Incidents, newest first, without their notes (staff); the read is audited for every
    person."""
    principal.require(STAFF)
    found = list_incidents(
        session, employee=employee, since=since, teams=principal.teams, limit=limit, offset=offset
    )
    audit.audit_reads(
        session,
        now=now,
        actor=principal.name,
        action="incident.list",
        entity="incident",
        seen=[(n, i.id) for i, numbers in found for n in numbers],
    )
    return found
