"""Counts of reports and recovery plans per basic team for the monthly report: pure counts, no
names, numbers or categories (the report applies its small-count suppression to them).

For a period [start, end] (calendar dates, both included) and the team of the reporter or the
plan's person:
- `open_investigations`: reports whose investigation was running on some day of the period
  (started on or before `end`, not closed before `start`);
- `buddy_contacts_due`: contact moments planned in the period that were not called off (open or
  held);
- `buddy_contacts_held_on_time`: of those, the ones recorded as held within the overdue limit
  (at most `overdue_workdays` working days after their date);
- `plans_started`: recovery plans started in the period;
- `plans_completed`: plans whose measures were all finished (at least one done) with the last
  one finished in the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, col, select

from nazorg.core.cases import BUDDY_CONTACT, all_measures_finished
from nazorg.core.clock import AMSTERDAM
from nazorg.core.planning import HELD, PLANNED
from nazorg.core.workdays import WorkCalendar
from nazorg.store.models import Employee, FollowUp, PlanMeasure, RecoveryPlan, ReportCase, Team

FIELDS = (
    "open_investigations",
    "buddy_contacts_due",
    "buddy_contacts_held_on_time",
    "plans_started",
    "plans_completed",
)


def case_figures(
    session: Session,
    start: date,
    end: date,
    *,
    teams: Iterable[str] | None = None,
    overdue_workdays: int = 10,
    calendar: WorkCalendar | None = None,
) -> dict[str, dict[str, int]]:
    """Per team code, the counts of the module doc (every team, zeros included; only `teams`
    when given)."""
    wanted = set(teams) if teams is not None else None
    codes = [
        code
        for code in session.exec(select(Team.code).order_by(col(Team.code))).all()
        if wanted is None or code in wanted
    ]
    result = {code: dict.fromkeys(FIELDS, 0) for code in codes}

    def add(team: str, key: str) -> None:
        if team in result:
            result[team][key] += 1

    for _case, team in session.exec(
        select(ReportCase, Employee.team_code)
        .join(Employee, col(Employee.personnel_number) == col(ReportCase.reporter_number))
        .where(col(ReportCase.investigation_from).is_not(None))
        .where(col(ReportCase.investigation_from) <= end)
        .where(or_(col(ReportCase.closed_on).is_(None), col(ReportCase.closed_on) >= start))
    ).all():
        add(team, "open_investigations")
    calendar = calendar or WorkCalendar()
    for f, team in session.exec(
        select(FollowUp, Employee.team_code)
        .join(Employee, col(Employee.personnel_number) == col(FollowUp.employee_number))
        .where(FollowUp.kind == BUDDY_CONTACT)
        .where(col(FollowUp.due_on) >= start)
        .where(col(FollowUp.due_on) <= end)
        .where(col(FollowUp.status).in_((PLANNED, HELD)))
    ).all():
        add(team, "buddy_contacts_due")
        if f.status == HELD and f.closed_at is not None:
            held_on = f.closed_at.astimezone(AMSTERDAM).date()
            if held_on <= calendar.add_workdays(f.due_on, overdue_workdays):
                add(team, "buddy_contacts_held_on_time")
    for plan, team in session.exec(
        select(RecoveryPlan, Employee.team_code).join(
            Employee, col(Employee.personnel_number) == col(RecoveryPlan.person_number)
        )
    ).all():
        if start <= plan.started_on <= end:
            add(team, "plans_started")
        measures = session.exec(select(PlanMeasure).where(PlanMeasure.plan_id == plan.id)).all()
        if all_measures_finished([m.status for m in measures]):
            last = max(m.status_on for m in measures if m.status_on is not None)
            if start <= last <= end:
                add(team, "plans_completed")
    return result
