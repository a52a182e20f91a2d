"""Leadership cycles: the yearly 360-degree feedback, the development plan after it, and R&O.

The plan of approach (recommendations 2, 4 and 5) asks every leader for a 360-degree feedback
round once a year followed by a personal development plan, and a yearly R&O conversation for
every employee in which violence met at work is discussed (the pure rules are in
`nazorg.core.cycles`). These are follow-ups like check-ins, so they reach calendars through the
same daily run; they are generated here, once per employee, kind and cycle year (a unique key
makes that hold even for concurrent runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from nazorg.core.cycles import (
    DEVELOPMENT_PLAN,
    FEEDBACK_360,
    RO,
    SELF_KINDS,
    feedback_day,
    ro_slot,
    workdays_of_month,
)
from nazorg.core.planning import CANCELLED, PLANNED, Plan, escalation_date, invite_date, meeting
from nazorg.core.workdays import WorkCalendar, add_months
from nazorg.services.followups import close
from nazorg.services.incidents import new_uid
from nazorg.services.slots import Planner, SlotPolicy
from nazorg.store.models import LEADER_ROLES, Employee, FollowUp, Team
from nazorg.store.queries import conversation_holder

if TYPE_CHECKING:
    from nazorg.settings import Settings


@dataclass(frozen=True)
class Generated:
    followups: list[FollowUp]


def _new_item(
    employee: Employee,
    kind: str,
    year: int,
    start: datetime,
    end: datetime,
    *,
    plan: Plan,
    calendar: WorkCalendar,
    now: datetime,
    planner: Planner,
    holder: str | None,
) -> FollowUp:
    """A new cycle item in the first free slot of its holder and employee from `start` on."""
    people = tuple(dict.fromkeys((employee.personnel_number, *((holder,) if holder else ()))))
    slot = planner.place(
        people,
        start.date(),
        end - start,
        preferred=start.time(),
        label=f"{employee.personnel_number} {kind}",
    )
    zone = ZoneInfo(plan.tzid)
    start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
    due = start.date()
    invite_on = invite_date(due, plan)
    return FollowUp(
        uid=new_uid(),
        incident_id=None,
        employee_number=employee.personnel_number,
        kind=kind,
        slot_holder=holder,
        cycle_year=year,
        due_on=due,
        start_local=start.replace(tzinfo=None),
        end_local=end.replace(tzinfo=None),
        tzid=plan.tzid,
        status=PLANNED,
        invite_on=invite_on,
        emit_on=invite_on,
        escalate_on=escalation_date(due, plan, calendar) if kind == RO else None,
        created_at=now,
        updated_at=now,
    )


def _has_item(kind: str, year: int) -> Any:
    """The employee already has the item of this kind and cycle year: an EXISTS served by the
    unique index on (employee, kind, cycle year), so a run reads only the employees still
    lacking one (normally none) instead of every item of the year, and its cost does not grow
    with the years of history."""
    return (
        exists()
        .where(col(FollowUp.employee_number) == col(Employee.personnel_number))
        .where(col(FollowUp.kind) == kind)
        .where(col(FollowUp.cycle_year) == year)
    )


def generate(
    session: Session, *, today: date, now: datetime, settings: Settings, calendar: WorkCalendar
) -> list[FollowUp]:
    """Create the cycle items whose cycle month starts within the horizon, once each.

    Eligible on the item's own day: a 360-degree round for every active leader (role
    leidinggevende or teamchef) and, six weeks later, the development-plan reminder; an R&O
    conversation for every active employee who has someone to hold it. Nothing is planned in the
    past: someone who becomes a leader after this year's round starts joins from the next cycle
    month.
    """
    plan = settings.plan()
    planner = Planner(session, today, calendar, SlotPolicy.of(settings))
    horizon = add_months(today, settings.cycle_horizon_months)
    created: list[FollowUp] = []
    teams = list(session.exec(select(Team.code).order_by(col(Team.code))).all())
    for year in (today.year, today.year + 1):
        ro_count: dict[str, int] = {}
        for team in teams:
            start_360 = feedback_day(year, settings.feedback_month_for(team), calendar)
            if FEEDBACK_360 in settings.cycle_kinds and today <= start_360 <= horizon:
                created += _generate_360(
                    session,
                    team,
                    year,
                    start_360,
                    plan=plan,
                    calendar=calendar,
                    settings=settings,
                    now=now,
                    planner=planner,
                )
            ro_month = settings.ro_month_for(team)
            if (
                RO in settings.cycle_kinds
                and today <= workdays_of_month(year, ro_month, calendar)[-1]
                and date(year, ro_month, 1) <= horizon
            ):
                created += _generate_ro(
                    session,
                    team,
                    year,
                    ro_month,
                    ro_count,
                    today=today,
                    plan=plan,
                    calendar=calendar,
                    now=now,
                    planner=planner,
                )
    for item in created:
        session.add(item)
    return created


def _generate_360(
    session: Session,
    team: str,
    year: int,
    start_day: date,
    *,
    plan: Plan,
    calendar: WorkCalendar,
    settings: Settings,
    now: datetime,
    planner: Planner,
) -> list[FollowUp]:
    created = []
    leaders = session.exec(
        select(Employee)
        .where(Employee.team_code == team)
        .where(col(Employee.role).in_(LEADER_ROLES))
        .where(~_has_item(FEEDBACK_360, year))
        .order_by(col(Employee.personnel_number))
    ).all()
    plan_day = calendar.on_or_after(start_day + timedelta(weeks=settings.development_plan_weeks))
    for leader in leaders:
        if not leader.is_active(start_day):
            continue
        start, end = meeting(start_day, plan)
        mine = leader.personnel_number
        created.append(
            _new_item(
                leader,
                FEEDBACK_360,
                year,
                start,
                end,
                plan=plan,
                calendar=calendar,
                now=now,
                planner=planner,
                holder=mine,
            )
        )
        if DEVELOPMENT_PLAN in settings.cycle_kinds and leader.is_active(plan_day):
            start, end = meeting(plan_day, plan)
            created.append(
                _new_item(
                    leader,
                    DEVELOPMENT_PLAN,
                    year,
                    start,
                    end,
                    plan=plan,
                    calendar=calendar,
                    now=now,
                    planner=planner,
                    holder=mine,
                )
            )
    return created


def _generate_ro(
    session: Session,
    team: str,
    year: int,
    month: int,
    ro_count: dict[str, int],
    *,
    today: date,
    plan: Plan,
    calendar: WorkCalendar,
    now: datetime,
    planner: Planner,
) -> list[FollowUp]:
    created = []
    people = session.exec(
        select(Employee)
        .where(Employee.team_code == team)
        .where(~_has_item(RO, year))
        .order_by(col(Employee.personnel_number))
    ).all()
    month_days = workdays_of_month(year, month, calendar)
    for employee in people:
        holder = conversation_holder(session, employee, month_days[0])
        if holder is None or not employee.is_active(month_days[0]):
            continue
        number = holder.personnel_number
        if number not in ro_count:
            ro_count[number] = _ro_items_held_by(session, number, year)
        index = ro_count[number]
        start, end = ro_slot(year, month, index, calendar, plan)
        while start.date() < today and index < ro_count[number] + len(month_days):
            index += 1  # joined mid-month: the first free day from today
            start, end = ro_slot(year, month, index, calendar, plan)
        if start.date() < today:
            continue
        ro_count[number] = index + 1
        created.append(
            _new_item(
                employee,
                RO,
                year,
                start,
                end,
                plan=plan,
                calendar=calendar,
                now=now,
                planner=planner,
                holder=number,
            )
        )
    return created


def _ro_items_held_by(session: Session, leader_number: str, year: int) -> int:
    """How many R&O items of this cycle year the people led by this leader already have."""
    return int(
        session.exec(
            select(func.count())
            .select_from(FollowUp)
            .join(Employee, col(Employee.personnel_number) == col(FollowUp.employee_number))
            .where(Employee.leader_number == leader_number)
            .where(FollowUp.kind == RO)
            .where(FollowUp.cycle_year == year)
        ).one()
    )


def cancel_leader_items(
    session: Session, employee: Employee, *, today: date, now: datetime
) -> list[FollowUp]:
    """Someone who is no longer a leader has no open 360-degree or development-plan items."""
    changed = []
    for f in session.exec(
        select(FollowUp)
        .where(FollowUp.employee_number == employee.personnel_number)
        .where(col(FollowUp.kind).in_(SELF_KINDS))
        .where(FollowUp.status == PLANNED)
    ).all():
        close(f, CANCELLED, actor=None, today=today, now=now)
        session.add(f)
        changed.append(f)
    return changed


def reslot_unsent_ro(
    session: Session,
    employee: Employee,
    *,
    today: date,
    now: datetime,
    plan: Plan,
    calendar: WorkCalendar,
) -> list[FollowUp]:
    """A new leader gets the employee's not yet sent R&O conversation in a free slot of their
    own month, so two of their conversations never share an hour. Sent ones keep their time
    (they are re-sent to the new leader as they are)."""
    changed = []
    for f in session.exec(
        select(FollowUp)
        .where(FollowUp.employee_number == employee.personnel_number)
        .where(FollowUp.kind == RO)
        .where(FollowUp.status == PLANNED)
        .where(FollowUp.sequence < 0)
    ).all():
        assert f.cycle_year is not None
        holder = conversation_holder(session, employee, f.due_on)
        if holder is None:
            continue
        taken = {
            other.start_local
            for other in session.exec(
                select(FollowUp)
                .join(Employee, col(Employee.personnel_number) == col(FollowUp.employee_number))
                .where(Employee.leader_number == holder.personnel_number)
                .where(FollowUp.kind == RO)
                .where(FollowUp.cycle_year == f.cycle_year)
                .where(FollowUp.status == PLANNED)
                .where(FollowUp.id != f.id)
            ).all()
        }
        if f.start_local not in taken:
            continue
        month = f.due_on.month
        for index in range(len(workdays_of_month(f.cycle_year, month, calendar)) * 3):
            start, end = ro_slot(f.cycle_year, month, index, calendar, plan)
            if start.date() >= today and start.replace(tzinfo=None) not in taken:
                f.start_local = start.replace(tzinfo=None)
                f.end_local = end.replace(tzinfo=None)
                f.due_on = start.date()
                f.invite_on = invite_date(f.due_on, plan)
                f.emit_on = f.invite_on
                f.escalate_on = escalation_date(f.due_on, plan, calendar)
                f.updated_at = now
                session.add(f)
                changed.append(f)
                break
    return changed
