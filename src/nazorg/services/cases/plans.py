"""Recovery plans (herstelplannen): the measures an affected person chose, each with an owner
and a target date, and a review conversation with the person.

Rules:
- A plan belongs to one person: a reporter (`--case`, reports role only) or an employee affected
  by an incident (`--incident`, staff or the reports role). `consent` records that the person
  agreed that staff and their leader see the plan (`guard` module doc).
- A measure has a short description (never in an invite), an owner (an active employee) and a
  target date not in the past; the owner gets a reminder invite `reminder_days` before the
  target date (`Herstelplan: actie`). A measure is `open`, then `done` or `dropped` on a date;
  its reminder is called off when it is still to come (a done one that has passed counts as
  held).
- The review (`Herstelplan: evaluatie`) is planned when the plan starts, `review_weeks` after
  the start; once every measure is done or dropped (at least one done) it moves forward to five
  working days later when that is sooner.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from nazorg.core.access import LEADER, REPORTS, STAFF, Principal
from nazorg.core.cases import (
    MEASURE_DONE,
    MEASURE_DROPPED,
    MEASURE_OPEN,
    PLAN_ACTION,
    PLAN_REVIEW,
    all_measures_finished,
    reminder_day,
    review_due,
)
from nazorg.core.errors import NotFoundError, ValidationError
from nazorg.core.planning import CANCELLED, HELD, PLANNED, invite_date, meeting
from nazorg.core.text import clean_line
from nazorg.core.workdays import WorkCalendar
from nazorg.services import audit
from nazorg.services.cases import guard, slotting
from nazorg.services.followups import close as close_followup
from nazorg.services.followups import touch
from nazorg.services.incidents import new_uid
from nazorg.store.models import (
    Employee,
    FollowUp,
    IncidentEmployee,
    PlanMeasure,
    RecoveryPlan,
    ReportCase,
)
from nazorg.store.queries import conversation_holder

if TYPE_CHECKING:
    from nazorg.settings import Settings

#: A plan whose measures are all finished gets its review this many working days later.
REVIEW_AFTER_WORKDAYS = 5


def get_plan(session: Session, plan_id: int) -> RecoveryPlan:
    plan = session.get(RecoveryPlan, plan_id) if 0 < plan_id < 2**31 else None
    if plan is None:
        raise NotFoundError(f"onbekend herstelplan {plan_id}; zie 'nazorg plan show'")
    return plan


def _require_change(
    session: Session, principal: Principal, plan_case: int | None, *, now: datetime, what: str
) -> None:
    """Changing a plan: the reports role; staff too for a plan after an incident."""
    if principal.has(REPORTS) or (plan_case is None and principal.has(STAFF)):
        return
    guard.refuse(session, principal, now=now, what=what, entity="plan")


def _item(
    plan: RecoveryPlan,
    kind: str,
    day: date,
    *,
    invite_on: date,
    holder: str | None,
    settings: Settings,
    now: datetime,
    measure_id: int | None = None,
) -> FollowUp:
    rules = settings.plan()
    start, end = meeting(day, rules)
    return FollowUp(
        uid=new_uid(),
        employee_number=plan.person_number,
        kind=kind,
        due_on=day,
        start_local=start.replace(tzinfo=None),
        end_local=end.replace(tzinfo=None),
        tzid=rules.tzid,
        status=PLANNED,
        invite_on=invite_on,
        emit_on=invite_on,
        plan_id=plan.id,
        measure_id=measure_id,
        case_id=plan.case_id,
        holder_number=holder,
        created_at=now,
        updated_at=now,
    )


def add_plan(
    session: Session,
    principal: Principal,
    *,
    person: str,
    case_id: int | None,
    incident_id: int | None,
    start: date,
    consent: bool,
    holder: str | None,
    today: date,
    now: datetime,
    settings: Settings,
) -> RecoveryPlan:
    """Start a recovery plan for a reporter or an affected employee (module doc); its review
    is planned at once."""
    _require_change(session, principal, case_id, now=now, what="herstelplan maken")
    if (case_id is None) == (incident_id is None):
        raise ValidationError("geef --case (een melding) of --incident (een incident)")
    who = guard.active_employee(session, person, field="person", today=today)
    if case_id is not None:
        case = session.get(ReportCase, case_id) if 0 < case_id < 2**31 else None
        if case is None or case.reporter_number != who.personnel_number:
            raise NotFoundError(f"{who.personnel_number} is niet de melder van melding {case_id}")
    else:
        assert incident_id is not None
        link = session.get(IncidentEmployee, (incident_id, who.personnel_number))
        if link is None:
            raise NotFoundError(
                f"{who.personnel_number} is niet betrokken bij incident {incident_id}"
            )
    if start > today:
        raise ValidationError(f"startdatum {start.isoformat()} ligt in de toekomst", field="start")
    holder_number = (
        guard.active_employee(session, holder, field="holder", today=today).personnel_number
        if holder
        else None
    )
    plan = RecoveryPlan(
        person_number=who.personnel_number,
        case_id=case_id,
        incident_id=incident_id,
        started_on=start,
        consent=consent,
        holder_number=holder_number,
        review_planned=True,
        created_by=clean_line(principal.name, "--by", 200),
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    session.flush()
    calendar = WorkCalendar()
    day = max(review_due(start, settings.cases.review_weeks, calendar), calendar.on_or_after(today))
    review = _item(
        plan,
        PLAN_REVIEW,
        day,
        invite_on=invite_date(day, settings.plan()),
        holder=holder_number,
        settings=settings,
        now=now,
    )
    slots = slotting.planner(session, today=today, settings=settings, calendar=calendar)
    slotting.place_new(slots, review, settings=settings, calendar=calendar)
    session.add(review)
    _audit(session, principal, plan, "plan.create", now=now, details="herstelplan gestart")
    return plan


def add_measure(
    session: Session,
    principal: Principal,
    plan_id: int,
    *,
    description: str,
    owner: str,
    target: date,
    today: date,
    now: datetime,
    settings: Settings,
) -> PlanMeasure:
    """Add a measure; its owner's reminder is planned (module doc)."""
    plan = get_plan(session, plan_id)
    _require_change(session, principal, plan.case_id, now=now, what="maatregel toevoegen")
    text = clean_line(description, "--description", 500)
    who = guard.active_employee(session, owner, field="owner", today=today)
    if target < today:
        raise ValidationError(
            f"streefdatum {target.isoformat()} ligt in het verleden", field="target"
        )
    measure = PlanMeasure(
        plan_id=plan_id,
        description=text,
        owner_number=who.personnel_number,
        target_on=target,
        status=MEASURE_OPEN,
        created_at=now,
        updated_at=now,
    )
    session.add(measure)
    session.flush()
    day = reminder_day(target, WorkCalendar())
    invite_on = max(min(day - timedelta(days=settings.cases.reminder_days), day), today)
    action = _item(
        plan,
        PLAN_ACTION,
        max(day, today),
        invite_on=invite_on,
        holder=who.personnel_number,
        settings=settings,
        now=now,
        measure_id=measure.id,
    )
    calendar = WorkCalendar()
    slots = slotting.planner(session, today=today, settings=settings, calendar=calendar)
    slotting.place_new(slots, action, settings=settings, calendar=calendar)
    session.add(action)
    _audit(
        session,
        principal,
        plan,
        "plan.measure",
        now=now,
        details=f"maatregel {measure.id} voor {who.personnel_number}, streefdatum {target}",
    )
    return measure


def finish_measure(
    session: Session,
    principal: Principal,
    measure_id: int,
    *,
    status: str,
    on: date,
    today: date,
    now: datetime,
    settings: Settings,
) -> PlanMeasure:
    """A measure is done or dropped on `on`; its reminder is settled and, when every measure is
    finished, the review moves forward (module doc)."""
    measure = session.get(PlanMeasure, measure_id) if 0 < measure_id < 2**31 else None
    if measure is None:
        raise NotFoundError(f"onbekende maatregel {measure_id}; zie 'nazorg plan show'")
    plan = get_plan(session, measure.plan_id)
    _require_change(session, principal, plan.case_id, now=now, what="maatregel afronden")
    assert status in (MEASURE_DONE, MEASURE_DROPPED)
    if measure.status != MEASURE_OPEN:
        raise ValidationError(f"maatregel {measure_id} is al {measure.status}")
    if on > today:
        raise ValidationError(f"datum {on.isoformat()} ligt in de toekomst", field="on")
    measure.status = status
    measure.status_on = on
    measure.updated_at = now
    session.add(measure)
    actor = clean_line(principal.name, "--by", 200)
    for f in _items(session, plan, PLAN_ACTION, measure_id=measure.id):
        done_passed = status == MEASURE_DONE and f.due_on <= today
        close_followup(f, HELD if done_passed else CANCELLED, actor=actor, today=today, now=now)
        session.add(f)
    session.flush()
    statuses = [m.status for m in measures_of(session, plan)]
    if all_measures_finished(statuses):
        calendar = WorkCalendar()
        sooner = calendar.add_workdays(today, REVIEW_AFTER_WORKDAYS)
        for f in _items(session, plan, PLAN_REVIEW):
            if f.due_on > sooner:
                start, end = meeting(sooner, settings.plan())
                f.due_on = sooner
                f.start_local = start.replace(tzinfo=None)
                f.end_local = end.replace(tzinfo=None)
                f.invite_on = today
                slotting.replace(  # a free slot of the holder and the person from that day on
                    slotting.planner(session, today=today, settings=settings, calendar=calendar),
                    f,
                    settings=settings,
                    calendar=calendar,
                )
                touch(f, today=today, now=now)
                session.add(f)
    _audit(
        session,
        principal,
        plan,
        "plan.measure_" + status,
        now=now,
        details=f"maatregel {measure_id} {status} op {on}",
    )
    return measure


def _items(
    session: Session, plan: RecoveryPlan, kind: str, *, measure_id: int | None = None
) -> list[FollowUp]:
    query = (
        select(FollowUp)
        .where(FollowUp.plan_id == plan.id)
        .where(FollowUp.kind == kind)
        .where(FollowUp.status == PLANNED)
    )
    if measure_id is not None:
        query = query.where(FollowUp.measure_id == measure_id)
    return list(session.exec(query.order_by(col(FollowUp.id))).all())


def measures_of(session: Session, plan: RecoveryPlan) -> list[PlanMeasure]:
    return list(
        session.exec(
            select(PlanMeasure)
            .where(PlanMeasure.plan_id == plan.id)
            .order_by(col(PlanMeasure.target_on), col(PlanMeasure.id))
        ).all()
    )


def may_see(session: Session, principal: Principal, plan: RecoveryPlan) -> bool:
    """The reports role always; staff and the person's leader only with the person's consent."""
    if principal.has(REPORTS):
        return True
    if not plan.consent:
        return False
    if principal.has(STAFF):
        return True
    if principal.has(LEADER) and principal.employee_number:
        person = session.get(Employee, plan.person_number)
        holder = conversation_holder(session, person) if person is not None else None
        return holder is not None and holder.personnel_number == principal.employee_number
    return False


def plans_of(session: Session, person: str) -> list[RecoveryPlan]:
    return list(
        session.exec(
            select(RecoveryPlan)
            .where(RecoveryPlan.person_number == person)
            .order_by(col(RecoveryPlan.id))
        ).all()
    )


def _audit(
    session: Session,
    principal: Principal,
    plan: RecoveryPlan,
    action: str,
    *,
    now: datetime,
    details: str,
) -> None:
    assert plan.id is not None
    audit.record(
        session,
        now=now,
        actor=audit.clean_actor(principal.name),
        action=action,
        entity="plan",
        entity_id=plan.id,
        employee_number=plan.person_number,
        details=details,
    )
