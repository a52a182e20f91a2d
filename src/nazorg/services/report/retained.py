"""What the report keeps of purged incidents and conversations (`ReportRetained`).

The retention purge deletes incidents and conversations; the report must still give the same
figures for the months they belonged to. So, just before the purge deletes them, `fold` adds them
to `ReportRetained` as counts per month, team and figure, without any person, and `add` counts
those rows into a report exactly as `nazorg.services.report.figures` counts live rows:

- `incidents`, `incidents:<kind>`, `employees_affected`, `registration_days:<n>` per team, and
  the same without team ('') for the whole organisation (an incident counts once there);
- `checkin:<state>` (`held_on_time`, `held_late`, `declined`, `cancelled`; `:referred` added for
  a held conversation with outcome `verwezen`), with the month it was closed and the month from
  which it counted as overdue: a report ending before it was closed sees it open or overdue;
- `cycle:<kind>:<held|due>` (`:violence` added for an R&O with the violence agenda point), with
  the month a held one was held.

A limit: `employees_affected` of a purged month is the number of distinct employees of that
month's purged incidents, so over 4, 8 or 12 months an employee with purged incidents in two of
them counts twice (no person is kept that could tell they are the same).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlmodel import Session, col, select

from nazorg.core.cycles import RO
from nazorg.core.planning import CANCELLED, DECLINED, HELD, SKIPPED, Plan, escalation_date
from nazorg.core.workdays import WorkCalendar, add_months
from nazorg.services.report.figures import CYCLE_KIND, REFERRED, Counts, kind_column
from nazorg.services.report.period import Period, key
from nazorg.store.models import Employee, FollowUp, Incident, IncidentEmployee, ReportRetained
from nazorg.store.queries import violence_since_last_ro

Key = tuple[str, str, str, str, str]  # month, team, figure, closed month, overdue month


def fold(
    session: Session,
    incidents: Sequence[Incident],
    followups: Sequence[FollowUp],
    *,
    overdue_workdays: int,
    violence_kinds: Sequence[str],
    calendar: WorkCalendar | None = None,
) -> int:
    """Add the rows about to be purged to `ReportRetained` (call before deleting them).

    Returns the number of retained rows changed. Needs the incidents' employees and the
    conversations' employees still in the database.
    """
    from nazorg.services.privacy.records import local_day

    calendar = calendar or WorkCalendar()
    plan = Plan(overdue_workdays=overdue_workdays)
    found: Counter[Key] = Counter()
    teams = _teams(session, [f.employee_number for f in followups])
    ids = [i.id for i in incidents if i.id is not None]
    people: dict[int, set[str]] = {}
    affected: dict[tuple[str, str], set[str]] = {}
    months = {i.id: key(i.occurred_on) for i in incidents}
    for incident_id, number, team in _incident_people(session, ids):
        people.setdefault(incident_id, set()).add(team)
        month = months[incident_id]
        affected.setdefault((month, team), set()).add(number)
    for incident in incidents:
        month = key(incident.occurred_on)
        days = max(0, (local_day(incident.registered_at) - incident.occurred_on).days)
        for team in ("", *sorted(people.get(incident.id or 0, ()))):
            for figure in ("incidents", kind_column(incident.kind), f"registration_days:{days}"):
                found[(month, team, figure, "", "")] += 1
    for (month, team), numbers in affected.items():
        found[(month, team, "employees_affected", "", "")] += len(numbers)
    for f in followups:
        found_team = teams.get(f.employee_number)
        if found_team is None or f.status not in (HELD, DECLINED, CANCELLED):
            continue
        team = found_team
        closed = key(local_day(f.closed_at) if f.closed_at is not None else f.due_on)
        if f.incident_id is not None:
            limit = escalation_date(f.due_on, plan, calendar)
            if f.status == HELD:
                on_time = f.closed_at is None or local_day(f.closed_at) < limit
                state = "held_on_time" if on_time else "held_late"
            else:
                state = "declined" if f.status == DECLINED else "cancelled"
            if f.status == HELD and f.outcome == REFERRED:
                state += ":referred"
            found[(key(f.due_on), team, f"checkin:{state}", closed, key(limit))] += 1
        elif f.status != CANCELLED:
            figure = f"cycle:{f.kind}:{'held' if f.status == HELD else 'due'}"
            if f.kind == RO and violence_since_last_ro(
                session, f, violence_kinds=tuple(violence_kinds)
            ):
                figure += ":violence"
            found[(key(f.due_on), team, figure, closed if f.status == HELD else "", "")] += 1
    _lost_violence_points(session, incidents, followups, teams, violence_kinds, found)
    for (month, team, figure, closed, overdue), n in sorted(found.items()):
        row = session.exec(
            select(ReportRetained)
            .where(ReportRetained.month == month)
            .where(ReportRetained.team_code == team)
            .where(ReportRetained.figure == figure)
            .where(ReportRetained.closed_month == closed)
            .where(ReportRetained.overdue_month == overdue)
        ).first()
        if row is None:
            row = ReportRetained(
                month=month,
                team_code=team,
                figure=figure,
                closed_month=closed,
                overdue_month=overdue,
            )
        row.count += n
        session.add(row)
    return len(found)


def _lost_violence_points(
    session: Session,
    incidents: Sequence[Incident],
    followups: Sequence[FollowUp],
    teams: dict[str, str],
    violence_kinds: Sequence[str],
    found: Counter[Key],
) -> None:
    """R&O conversations that stay but lose their violence point with the purged incidents:
    the point is kept as `ro_violence_point` in the R&O's month (figures.py counts it live)."""
    doomed = {i.id for i in incidents if i.kind in violence_kinds and i.id is not None}
    if not doomed:
        return
    staying = {f.id for f in followups}
    people = sorted({number for i, number, _ in _incident_people(session, sorted(doomed))})
    for start in range(0, len(people), 500):
        ros = session.exec(
            select(FollowUp)
            .where(col(FollowUp.employee_number).in_(people[start : start + 500]))
            .where(FollowUp.kind == RO)
            .where(col(FollowUp.status).not_in((SKIPPED, CANCELLED)))
        ).all()
        for ro in ros:
            if ro.id in staying:
                continue
            before = violence_ids(session, ro, violence_kinds)
            if before and before <= doomed:
                team = teams.get(ro.employee_number) or _teams(session, [ro.employee_number]).get(
                    ro.employee_number, ""
                )
                found[(key(ro.due_on), team, "ro_violence_point", "", "")] += 1


def violence_ids(session: Session, ro: FollowUp, violence_kinds: Sequence[str]) -> set[int]:
    """The violence incidents behind an R&O's agenda point (as `violence_since_last_ro`)."""
    previous = session.exec(
        select(col(FollowUp.due_on))
        .where(FollowUp.employee_number == ro.employee_number)
        .where(FollowUp.kind == RO)
        .where(col(FollowUp.due_on) < ro.due_on)
        .where(FollowUp.status != CANCELLED)
        .order_by(col(FollowUp.due_on).desc())
        .limit(1)
    ).first()
    since = previous if previous is not None else add_months(ro.due_on, -12)
    return {
        i
        for i in session.exec(
            select(Incident.id)
            .join(IncidentEmployee, col(IncidentEmployee.incident_id) == col(Incident.id))
            .where(IncidentEmployee.employee_number == ro.employee_number)
            .where(col(Incident.kind).in_(tuple(violence_kinds)))
            .where(col(Incident.occurred_on) > since)
            .where(col(Incident.occurred_on) <= ro.due_on)
        ).all()
        if i is not None
    }


def _teams(session: Session, numbers: Sequence[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    unique = sorted(set(numbers))
    for start in range(0, len(unique), 500):
        rows = session.exec(
            select(Employee.personnel_number, Employee.team_code).where(
                col(Employee.personnel_number).in_(unique[start : start + 500])
            )
        ).all()
        result.update(dict(rows))
    return result


def _incident_people(session: Session, ids: Sequence[int]) -> list[tuple[int, str, str]]:
    result: list[tuple[int, str, str]] = []
    for start in range(0, len(ids), 500):
        result += session.exec(
            select(IncidentEmployee.incident_id, Employee.personnel_number, Employee.team_code)
            .join(Employee, col(Employee.personnel_number) == col(IncidentEmployee.employee_number))
            .where(col(IncidentEmployee.incident_id).in_(ids[start : start + 500]))
        ).all()
    return result


def add(session: Session, counts: Counts, period: Period) -> None:
    """Count the retained rows of `period` into `counts`, in their state at its end."""
    end = key(period.until)
    rows = session.exec(
        select(ReportRetained).where(col(ReportRetained.month).between(key(period.first), end))
    ).all()
    for row in rows:
        _add_row(counts, row, end)


def _add_row(counts: Counts, row: ReportRetained, end: str) -> None:
    figure, n = row.figure, row.count
    if figure.startswith("registration_days:"):
        days = int(figure.split(":", 1)[1])
        target = (
            counts.total_registration if not row.team_code else counts.registration[row.team_code]
        )
        target[days] += n
        return
    if figure.startswith("incidents") or figure == "employees_affected":
        if figure.startswith("incidents:") and figure.split(":", 1)[1] not in counts.kinds:
            counts.kinds.append(figure.split(":", 1)[1])
        (counts.total if not row.team_code else counts.teams[row.team_code])[figure] += n
        return
    team = counts.teams[row.team_code]
    if figure == "ro_violence_point":
        team["ro_with_violence_point"] += n
        return
    parts = figure.split(":")
    if parts[0] == "checkin":
        team["checkins_due"] += n
        if row.closed_month <= end:
            team[parts[1]] += n
            if parts[-1] == "referred":
                team["referred"] += n
        elif row.overdue_month <= end:
            team["overdue"] += n
        else:
            team["open"] += n
    elif parts[0] == "cycle":
        if parts[1] not in CYCLE_KIND:
            return
        due_name, done_name = CYCLE_KIND[parts[1]]
        team[due_name] += n
        if parts[2] == "held" and row.closed_month <= end:
            team[done_name] += n
        if parts[-1] == "violence":
            team["ro_with_violence_point"] += n
