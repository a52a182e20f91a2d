"""The report's counts for a period, per basic team, from aggregate SQL queries.

Rules (issue 14):
- A person counts for the basic team they belong to now; an incident counts once for every team
  one of its employees belongs to, and once in the total (so `incidents` is not the sum of the
  team rows).
- `incidents`: incidents whose date is in the period, also per kind; `employees_affected`:
  distinct employees of those incidents; `registration_days`: days from the incident date to
  the (Amsterdam) day it was registered, kept as a histogram for the median.
- Check-ins (conversations of an incident, not `skipped`) planned in the period, in their state
  at the end of the period: held on time (held before the day it would have counted as overdue,
  `escalation_date`), held late, overdue (not closed by the end and past that day), open (not
  closed, not yet overdue), declined, cancelled; `referred`: held with outcome `verwezen`.
- Leadership cycles planned in the period (not skipped or cancelled): due, and done (held by the
  end of the period); `ro_with_violence_point`: R&O conversations whose employee met violence
  since the previous R&O (without one: in the 12 months before), as the invite's agenda point.
- The purged history counts too (`nazorg.services.report.retained`).
The queries' cost follows the period, not the history: each reads through the date indexes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from nazorg.core.cycles import DEVELOPMENT_PLAN, FEEDBACK_360, RO
from nazorg.core.planning import (
    CANCELLED,
    DECLINED,
    HELD,
    SKIPPED,
    Plan,
    escalation_date,
    overdue_cutoff,
)
from nazorg.core.workdays import WorkCalendar, add_months
from nazorg.services.audit import day_start
from nazorg.services.report.period import Period, month_end
from nazorg.store.models import Employee, FollowUp, Incident, IncidentEmployee, Team, UTCDateTime

REFERRED = "verwezen"
PARTITION = ("held_on_time", "held_late", "overdue", "open", "declined", "cancelled")
CYCLES = (
    ("feedback_360_due", "feedback_360_done"),
    ("development_plan_due", "development_plan_done"),
    ("ro_due", "ro_held"),
)
CYCLE_KIND = {FEEDBACK_360: CYCLES[0], DEVELOPMENT_PLAN: CYCLES[1], RO: CYCLES[2]}
#: The counts of a row, in the report's order (the kind columns follow `incidents`).
AFTER_KINDS = (
    "employees_affected",
    "checkins_due",
    *PARTITION,
    "referred",
    *(name for pair in CYCLES for name in pair),
    "ro_with_violence_point",
)


def kind_column(kind: str) -> str:
    return f"incidents:{kind}"


@dataclass
class Counts:
    """Raw (unsuppressed) counts: never leaves the services layer unsuppressed."""

    kinds: list[str]
    teams: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    total: Counter[str] = field(default_factory=Counter)  # figures not summed over teams
    registration: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    total_registration: Counter[int] = field(default_factory=Counter)

    def columns(self) -> list[str]:
        return ["incidents", *(kind_column(k) for k in self.kinds), *AFTER_KINDS]


@dataclass(frozen=True)
class Organisation:
    names: dict[str, str]  # team code -> name, in code order
    sizes: dict[str, int]  # employees at the end of the period


def organisation(session: Session, day: date) -> Organisation:
    """Every team with its number of employees on `day` (one grouped query)."""
    names = {t.code: t.name for t in session.exec(select(Team).order_by(col(Team.code))).all()}
    sizes = dict.fromkeys(names, 0)
    rows = session.exec(
        select(Employee.team_code, func.count())
        .where(sa.or_(col(Employee.left_on).is_(None), col(Employee.left_on) > day))
        .group_by(col(Employee.team_code))
    ).all()
    for team, count in rows:
        sizes[team] = int(count)
    return Organisation(names, sizes)


def count(
    session: Session,
    period: Period,
    *,
    kinds: Sequence[str],
    overdue_workdays: int,
    violence_kinds: Sequence[str],
    calendar: WorkCalendar,
) -> Counts:
    """The live counts of `period` (see the module doc); the retained ones are added elsewhere."""
    first, last = period.first, period.last
    found = session.exec(
        select(Incident.kind)
        .where(col(Incident.occurred_on).between(first, last))
        .group_by(col(Incident.kind))
    ).all()
    counts = Counts(kinds=[*kinds, *sorted(set(found) - set(kinds))])
    _incidents(session, counts, first, last)
    _registration(session, counts, first, last)
    checkins(session, counts, first, last, overdue_workdays, calendar)
    _cycles(session, counts, first, last, violence_kinds)
    return counts


def _in_period(first: date, last: date) -> sa.ColumnElement[bool]:
    return col(Incident.occurred_on).between(first, last)


def _incidents(session: Session, counts: Counts, first: date, last: date) -> None:
    joined = (
        select(Employee.team_code, Incident.kind, func.count(sa.distinct(col(Incident.id))))
        .join(IncidentEmployee, col(IncidentEmployee.incident_id) == col(Incident.id))
        .join(Employee, col(Employee.personnel_number) == col(IncidentEmployee.employee_number))
        .where(_in_period(first, last))
        .group_by(col(Employee.team_code), col(Incident.kind))
    )
    for team, kind, n in session.exec(joined).all():
        counts.teams[team]["incidents"] += n
        counts.teams[team][kind_column(kind)] += n
    incidents_total(session, counts, first, last)
    affected = (
        select(Employee.team_code, func.count(sa.distinct(col(IncidentEmployee.employee_number))))
        .select_from(Incident)
        .join(IncidentEmployee, col(IncidentEmployee.incident_id) == col(Incident.id))
        .join(Employee, col(Employee.personnel_number) == col(IncidentEmployee.employee_number))
        .where(_in_period(first, last))
        .group_by(col(Employee.team_code))
    )
    for team, n in session.exec(affected).all():
        counts.teams[team]["employees_affected"] += n


def incidents_total(session: Session, counts: Counts, first: date, last: date) -> None:
    """Incidents of the whole organisation (each once), also per kind."""
    for kind, n in session.exec(
        select(Incident.kind, func.count()).where(_in_period(first, last)).group_by(Incident.kind)
    ).all():
        counts.total["incidents"] += n
        counts.total[kind_column(kind)] += n


def _registration(session: Session, counts: Counts, first: date, last: date) -> None:
    """Days from incident date to registration, grouped by date and registration instant."""
    from nazorg.services.privacy.records import local_day

    rows = session.exec(
        select(
            col(Incident.id),
            col(Employee.team_code),
            col(Incident.occurred_on),
            col(Incident.registered_at),
        )
        .join(IncidentEmployee, col(IncidentEmployee.incident_id) == col(Incident.id))
        .join(Employee, col(Employee.personnel_number) == col(IncidentEmployee.employee_number))
        .where(_in_period(first, last))
        .distinct()
    ).all()
    seen: set[int | None] = set()
    for incident_id, team, occurred, registered in rows:
        days = max(0, (local_day(registered) - occurred).days)
        counts.registration[team][days] += 1
        if incident_id not in seen:
            seen.add(incident_id)
            counts.total_registration[days] += 1


def _limits(
    first: date, last: date, overdue_workdays: int, calendar: WorkCalendar
) -> dict[date, date]:
    """For every planned day of the period: the first day a conversation counts as overdue."""
    plan = Plan(overdue_workdays=overdue_workdays)
    days = (last - first).days + 1
    return {
        day: escalation_date(day, plan, calendar)
        for day in (first + timedelta(days=i) for i in range(days))
    }


def checkins(
    session: Session,
    counts: Counts,
    first: date,
    last: date,
    overdue_workdays: int,
    calendar: WorkCalendar,
    *,
    by_team: bool = True,
) -> None:
    """The partition of check-ins planned in [first, last] at the end of `last` (module doc).
    One query per calendar month of the period: each carries the overdue day of every planned
    day of its month as a CASE, which the database tries in turn for every row, so a CASE of a
    year's days would cost twelve times as much per row as a month's."""
    for chunk_first, chunk_last in month_chunks(first, last):
        _checkins_planned(
            session, counts, chunk_first, chunk_last, last, overdue_workdays, calendar, by_team
        )


def month_chunks(first: date, last: date) -> list[tuple[date, date]]:
    """[first, last] cut at month ends: the first and last day of each piece."""
    pieces = []
    while first <= last:
        end = min(last, month_end(first))
        pieces.append((first, end))
        first = end + timedelta(days=1)
    return pieces


def _checkins_planned(
    session: Session,
    counts: Counts,
    first: date,
    last: date,
    period_last: date,
    overdue_workdays: int,
    calendar: WorkCalendar,
    by_team: bool,
) -> None:
    """`checkins` of the check-ins planned in [first, last], as they stood at the end of
    `period_last`."""
    end = day_start(period_last + timedelta(days=1))
    limit = sa.case(
        {
            day: sa.literal(day_start(esc), UTCDateTime())
            for day, esc in _limits(first, last, overdue_workdays, calendar).items()
        },
        value=col(FollowUp.due_on),
    )
    closed_at = col(FollowUp.closed_at)
    closed = sa.and_(
        col(FollowUp.status).in_((HELD, DECLINED, CANCELLED)),
        sa.or_(closed_at.is_(None), closed_at < sa.literal(end, UTCDateTime())),
    )
    cutoff = overdue_cutoff(period_last, overdue_workdays, calendar)
    state = sa.case(
        (
            closed,
            sa.case(
                (
                    col(FollowUp.status) == HELD,
                    sa.case(
                        (sa.or_(closed_at.is_(None), closed_at < limit), "held_on_time"),
                        else_="held_late",
                    ),
                ),
                (col(FollowUp.status) == DECLINED, "declined"),
                else_="cancelled",
            ),
        ),
        (col(FollowUp.due_on) < cutoff, "overdue"),
        else_="open",
    ).label("state")
    referred = sa.case(
        (sa.and_(closed, col(FollowUp.status) == HELD, col(FollowUp.outcome) == REFERRED), 1),
        else_=0,
    ).label("referred")
    where = (
        col(FollowUp.due_on).between(first, last),
        col(FollowUp.incident_id).is_not(None),
        FollowUp.status != SKIPPED,
    )
    if by_team:
        rows = session.exec(
            select(Employee.team_code, state, referred, func.count())
            .join(Employee, col(Employee.personnel_number) == col(FollowUp.employee_number))
            .where(*where)
            .group_by(col(Employee.team_code), state, referred)
        ).all()
    else:  # the whole organisation (the trend) needs no team, so no join
        rows = [
            ("", name, is_referred, n)
            for name, is_referred, n in session.exec(
                select(state, referred, func.count()).where(*where).group_by(state, referred)
            ).all()
        ]
    for team, name, is_referred, n in rows:
        counts.teams[team]["checkins_due"] += n
        counts.teams[team][name] += n
        if is_referred:
            counts.teams[team]["referred"] += n


def _cycle_items_due(first: date, last: date) -> tuple[sa.ColumnElement[bool], ...]:
    """Leadership-cycle items planned in [first, last], not skipped or cancelled."""
    return (
        col(FollowUp.due_on).between(first, last),
        col(FollowUp.incident_id).is_(None),
        col(FollowUp.status).not_in((SKIPPED, CANCELLED)),
    )


def _cycles(
    session: Session, counts: Counts, first: date, last: date, violence_kinds: Sequence[str]
) -> None:
    end = day_start(last + timedelta(days=1))
    closed_at = col(FollowUp.closed_at)
    done = sa.case(
        (
            sa.and_(
                col(FollowUp.status) == HELD,
                sa.or_(closed_at.is_(None), closed_at < sa.literal(end, UTCDateTime())),
            ),
            1,
        ),
        else_=0,
    ).label("done")
    due = _cycle_items_due(first, last)
    rows = session.exec(
        select(Employee.team_code, FollowUp.kind, done, func.count())
        .join(Employee, col(Employee.personnel_number) == col(FollowUp.employee_number))
        .where(*due)
        .group_by(col(Employee.team_code), col(FollowUp.kind), done)
    ).all()
    for team, kind, is_done, n in rows:
        if kind not in CYCLE_KIND:
            continue
        due_name, done_name = CYCLE_KIND[kind]
        counts.teams[team][due_name] += n
        if is_done:
            counts.teams[team][done_name] += n
    if violence_kinds:  # without: counted elsewhere (`build`'s reader beside) or not at all
        for team, n in violence_points(session, first, last, violence_kinds).items():
            counts.teams[team]["ro_with_violence_point"] += n


def violence_points(
    session: Session, first: date, last: date, violence_kinds: Sequence[str]
) -> Counter[str]:
    """`ro_with_violence_point` per team of the R&O planned in [first, last], a month at a time
    (module doc); nothing without violence kinds."""
    points: Counter[str] = Counter()
    if violence_kinds:
        for chunk_first, chunk_last in month_chunks(first, last):
            _violence_points(session, points, chunk_first, chunk_last, violence_kinds)
    return points


def _violence_points(
    session: Session, points: Counter[str], first: date, last: date, violence_kinds: Sequence[str]
) -> None:
    """`ro_with_violence_point` of the R&O conversations planned in [first, last] (a month at
    most: the CASE of each planned day's year before is tried in turn for every row)."""
    due = _cycle_items_due(first, last)
    days = (last - first).days + 1
    year_before = sa.case(
        {day: add_months(day, -12) for day in (first + timedelta(days=i) for i in range(days))},
        value=col(FollowUp.due_on),
    )
    followup = sa.inspect(FollowUp).local_table
    previous = sa.alias(followup, "previous_ro")
    since = (
        select(func.max(previous.c.due_on))
        .where(previous.c.employee_number == col(FollowUp.employee_number))
        .where(previous.c.kind == RO)
        .where(previous.c.due_on < col(FollowUp.due_on))
        .where(previous.c.status != CANCELLED)
        .correlate(followup)
        .scalar_subquery()
    )
    # The latest violence on or before the R&O, against the start of its window: one lookup
    # of each per R&O (an EXISTS over the incidents would look the window up per incident).
    latest_violence = (
        select(func.max(Incident.occurred_on))
        .select_from(IncidentEmployee)
        .join(Incident, col(Incident.id) == col(IncidentEmployee.incident_id))
        .where(col(IncidentEmployee.employee_number) == col(FollowUp.employee_number))
        .where(col(Incident.kind).in_(tuple(violence_kinds)))
        .where(col(Incident.occurred_on) <= col(FollowUp.due_on))
        .correlate(followup)
        .scalar_subquery()
    )
    query = (
        select(Employee.team_code, func.count())
        .select_from(FollowUp)
        .join(Employee, col(Employee.personnel_number) == col(FollowUp.employee_number))
        .where(*due)
        .where(FollowUp.kind == RO)
        .where(latest_violence > func.coalesce(since, year_before))
        .group_by(col(Employee.team_code))
    )
    for team, n in session.exec(query).all():
        points[team] += n


@dataclass(frozen=True)
class TrendMonth:
    incidents: int
    held_on_time: int
    checkins_due: int


def trend(
    session: Session,
    months: Sequence[date],
    *,
    overdue_workdays: int,
    calendar: WorkCalendar,
) -> list[TrendMonth]:
    """Per month (first days, consecutive): incidents of the organisation, and the check-ins
    planned in it with those held on time by its end (two grouped queries for all months)."""
    first, last = months[0], month_end(months[-1])
    ends = [month_end(m) for m in months]

    def bucket(column: Any) -> Any:
        return sa.case(*((column <= end, index) for index, end in enumerate(ends)), else_=len(ends))

    occurred = bucket(col(Incident.occurred_on)).label("bucket")
    incidents = dict(
        session.exec(
            select(occurred, func.count())
            .where(col(Incident.occurred_on).between(first, last))
            .group_by(occurred)
        ).all()
    )
    held: Counter[int] = Counter()
    due: Counter[int] = Counter()
    for index, month in enumerate(months):
        # One query per month: the CASE of limits stays as short as a month.
        counts = Counts(kinds=[])
        checkins(session, counts, month, ends[index], overdue_workdays, calendar, by_team=False)
        held[index] = sum(row["held_on_time"] for row in counts.teams.values())
        due[index] = sum(row["checkins_due"] for row in counts.teams.values())
    return [TrendMonth(incidents.get(i, 0), held[i], due[i]) for i in range(len(months))]
