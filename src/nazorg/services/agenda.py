"""The agenda: planned conversations with who holds them, in date order."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from nazorg.core.cases import CASE_KINDS
from nazorg.core.cycles import SELF_KINDS
from nazorg.core.planning import PLANNED, overdue_cutoff
from nazorg.core.workdays import WorkCalendar
from nazorg.services import audit, reply_state
from nazorg.store.models import Employee, FollowUp
from nazorg.store.queries import conversation_holder


@dataclass(frozen=True)
class AgendaItem:
    followup: FollowUp
    employee: Employee
    leader: Employee | None
    # What answers to the invite ask for (nazorg.services.reply_state), e.g. "nieuwe tijd nodig".
    attention: tuple[str, ...] = ()

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
            "attention": list(self.attention),
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


@dataclass(frozen=True)
class Filters:
    """Which conversations to show. Dates are planned dates (`end` included, `before` not)."""

    start: date | None = None
    end: date | None = None
    before: date | None = None
    team: str | None = None
    teams: frozenset[str] | None = None  # a staff member limited to these teams
    holder: str | None = None  # held by this personnel number (a leader's own view)
    kind: str | None = None  # a kind, or `checkin` for every check-in
    employee: str | None = None
    statuses: tuple[str, ...] = (PLANNED,)
    # Items of reports and recovery plans too: the reports role, or a holder's own view.
    cases: bool = False


#: The employee's leader, joined once per query (an alias built once: building one per query
#: costs more than running the query).
LEADER = aliased(Employee, name="leader")


def _query(session: Session, filters: Filters, *columns: Any) -> Any:
    """The conversations matching `filters`, joined with their employee and that employee's
    leader; `columns` replaces what is selected (a count selects only that). A count without a
    condition on the employee (team, holder) reads the conversations alone: every conversation
    has its employee (a foreign key), so the join would only cost a lookup per row."""
    query = select(*(columns or (FollowUp, Employee, LEADER))).select_from(FollowUp)
    if (
        not columns
        or filters.team is not None
        or filters.teams is not None
        or filters.holder is not None
    ):
        query = query.join(
            Employee, col(Employee.personnel_number) == col(FollowUp.employee_number)
        ).outerjoin(LEADER, col(LEADER.personnel_number) == col(Employee.leader_number))
    query = query.where(col(FollowUp.status).in_(filters.statuses))
    if filters.start is not None:
        query = query.where(FollowUp.due_on >= filters.start)
    if filters.end is not None:
        query = query.where(FollowUp.due_on <= filters.end)
    if filters.before is not None:
        query = query.where(FollowUp.due_on < filters.before)
    if filters.team is not None:
        query = query.where(Employee.team_code == filters.team)
    if filters.teams is not None:
        query = query.where(col(Employee.team_code).in_(sorted(filters.teams)))
    if filters.employee is not None:
        query = query.where(FollowUp.employee_number == filters.employee)
    if filters.kind == "checkin":
        query = query.where(col(FollowUp.kind).startswith("checkin_"))
    elif filters.kind is not None:
        query = query.where(FollowUp.kind == filters.kind)
    if filters.holder is not None:
        query = query.where(_held_by(session, filters.holder, LEADER))
    if not filters.cases:
        query = query.where(col(FollowUp.kind).not_in(CASE_KINDS))
    return query


def _held_by(session: Session, number: str, leader: Any) -> Any:
    """A condition that narrows to the conversations `number` may hold (`holder_of` decides).
    An item of a report or recovery plan is held only by its named holder (a buddy, a
    measure's owner), never by the person's leader."""
    own = and_(col(FollowUp.employee_number) == number, col(FollowUp.kind).in_(SELF_KINDS))
    not_own = col(FollowUp.kind).not_in((*SELF_KINDS, *CASE_KINDS))
    led = and_(col(Employee.leader_number) == number, not_own)
    named = and_(col(FollowUp.kind).in_(CASE_KINDS), col(FollowUp.holder_number) == number)
    person = session.get(Employee, number)
    if person is None or person.role != "teamchef":
        return or_(own, led, named)
    # A teamchef also holds the conversations of their team's people without an active leader.
    leaderless = and_(
        col(Employee.team_code) == person.team_code,
        not_own,
        or_(
            col(Employee.leader_number).is_(None),
            and_(col(leader.left_on).is_not(None), col(leader.left_on) <= FollowUp.due_on),
        ),
    )
    return or_(own, led, named, leaderless)


def holder_of(
    session: Session, followup: FollowUp, employee: Employee, leader: Employee | None = None
) -> Employee | None:
    """Who holds a conversation: a leader's own 360 round or development plan is theirs; any
    other is held by the employee's leader on its date, else the team's teamchef; an item of a
    report or recovery plan by its named holder only."""
    if followup.kind in CASE_KINDS:
        return session.get(Employee, followup.holder_number) if followup.holder_number else None
    if followup.kind in SELF_KINDS:
        return employee
    if leader is not None and leader.is_active(followup.due_on):
        return leader
    return conversation_holder(session, employee, followup.due_on)


def find(
    session: Session,
    filters: Filters,
    *,
    limit: int | None = None,
    offset: int = 0,
    attention: bool = True,
) -> list[AgendaItem]:
    """The conversations that match, earliest first, each with who holds it and (unless
    `attention` is False: the caller adds it with `with_attention`, once for several lists)
    what the answers to its invites ask for."""
    query = _query(session, filters).order_by(col(FollowUp.start_local), col(FollowUp.id))
    # The period's bounds on the start time too (a conversation starts on its planned day), so
    # the database reads in agenda order (status, start, id) and stops at the page's end instead
    # of sorting every conversation of the period.
    if filters.start is not None:
        query = query.where(col(FollowUp.start_local) >= datetime.combine(filters.start, time()))
    if filters.end is not None:
        after = datetime.combine(filters.end + timedelta(days=1), time())
        query = query.where(col(FollowUp.start_local) < after)
    if filters.before is not None:
        query = query.where(col(FollowUp.start_local) < datetime.combine(filters.before, time()))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    items = []
    for followup, employee, lead in session.exec(query).all():
        holder = holder_of(session, followup, employee, lead)
        if filters.holder is not None and (
            holder is None or holder.personnel_number != filters.holder
        ):
            continue
        items.append(AgendaItem(followup, employee, holder))
    return with_attention(session, items) if attention else items


def with_attention(session: Session, items: list[AgendaItem]) -> list[AgendaItem]:
    """The items with what the answers to their invites ask for (one query for all)."""
    labels = reply_state.attention(session, [i.followup for i in items])
    if not labels:
        return items
    return [replace(i, attention=labels.get(i.followup.id or 0, ())) for i in items]


def needing_attention(session: Session) -> list[AgendaItem]:
    """The open conversations whose answers ask for action (reply_state), earliest first."""
    ids = reply_state.candidates(session)
    if not ids:
        return []
    query = (
        select(FollowUp, Employee, LEADER)
        .select_from(FollowUp)
        .join(Employee, col(Employee.personnel_number) == col(FollowUp.employee_number))
        .outerjoin(LEADER, col(LEADER.personnel_number) == col(Employee.leader_number))
        .where(col(FollowUp.id).in_(ids))
        .where(FollowUp.status == PLANNED)
        .order_by(col(FollowUp.start_local), col(FollowUp.id))
    )
    items = [
        AgendaItem(f, e, holder_of(session, f, e, lead)) for f, e, lead in session.exec(query).all()
    ]
    return [i for i in with_attention(session, items) if i.attention]


def count(session: Session, filters: Filters, *, at_most: int | None = None) -> int:
    """How many conversations match (for paging), counting no further than `at_most`: a page
    needs to know whether more follow, not how many thousands, and counting every planned
    conversation of the country would grow with the history."""
    if at_most is None:
        return int(session.exec(_query(session, filters, func.count(col(FollowUp.id)))).one())
    matching = _query(session, filters, col(FollowUp.id)).limit(at_most).subquery()
    return int(session.exec(select(func.count()).select_from(matching)).one())


def agenda(
    session: Session,
    *,
    start: date | None,
    end: date | None,
    statuses: tuple[str, ...] = (PLANNED,),
) -> list[AgendaItem]:
    """Conversations with a due date in [start, end], earliest first."""
    return find(session, Filters(start=start, end=end, statuses=statuses))


def utc_iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def overdue(
    session: Session, *, today: date, overdue_workdays: int, limit: int | None = None
) -> list[AgendaItem]:
    """Open conversations more than N working days past their date, earliest first; read
    through the index on the planned date (`overdue_cutoff`), not by testing every row."""
    cutoff = overdue_cutoff(today, overdue_workdays, WorkCalendar())
    return find(session, Filters(before=cutoff), limit=limit)


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
