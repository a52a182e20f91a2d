"""Conversations as a person with a role sees and changes them (web app and command line).

Rules of who may see what (DOMAIN.md), checked here, before anything is read or written:
- staff see every conversation of their teams (all teams unless limited), with the incident;
- a leader sees only the conversations they hold (their people's check-ins and R&O, their own
  360 round and development plan): the employee's name, the kind in general terms and the date,
  never the incident's kind or note, nor outcomes of conversations held by others;
- sector leadership sees no conversation at all (AccessDenied: their role has no such page);
- a conversation someone may not see does not exist for them (NotFoundError), so that a
  leader cannot learn by trying ids which colleague had an incident.
Leaders may record that their own conversation was held and move it to another time; declining
aftercare for an employee is staff work. Every read and change is audited with the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from nazorg.core.access import LEADER, REPORTS, STAFF, Principal
from nazorg.core.cases import CASE_KINDS
from nazorg.core.errors import NotFoundError
from nazorg.core.planning import PLANNED, overdue_cutoff
from nazorg.core.workdays import WorkCalendar
from nazorg.services import agenda, audit, counters, followups, reply_state
from nazorg.services.agenda import AgendaItem, Filters
from nazorg.services.followups import Pending
from nazorg.services.slots import SlotPolicy
from nazorg.store.models import CounterProposal, Emission, Employee, FollowUp, Incident

if TYPE_CHECKING:
    from nazorg.settings import Settings


def scope(principal: Principal, filters: Filters) -> Filters:
    """`filters` narrowed to what the principal may see (staff: their teams, with the items of
    reports and plans only when they also hold the reports role; a leader: what they hold);
    management may see no conversation."""
    if principal.has(STAFF):
        cases = replace(filters, cases=principal.has(REPORTS))
        return cases if principal.teams is None else replace(cases, teams=principal.teams)
    principal.require(STAFF, LEADER)
    # A buddy or a measure's owner sees the report items they hold themselves.
    return replace(filters, holder=principal.employee_number or "-", cases=True)


def may_see(principal: Principal, item: AgendaItem) -> bool:
    """The visibility rule of the module doc, for one conversation. An item of a report or
    recovery plan: the reports role, or the person holding it (a buddy sees their contact
    moments, never the report)."""
    holds = (
        principal.has(LEADER)
        and item.leader is not None
        and item.leader.personnel_number == principal.employee_number
    )
    if item.followup.kind in CASE_KINDS:
        return principal.has(REPORTS) or holds
    if principal.has(STAFF) and principal.sees_team(item.employee.team_code):
        return True
    return (
        principal.has(LEADER)
        and item.leader is not None
        and item.leader.personnel_number == principal.employee_number
    )


#: How far a page counts the matching conversations beyond its own offset ("1000+").
COUNT_AHEAD = 1000


@dataclass(frozen=True)
class Page:
    items: list[AgendaItem]
    total: int
    offset: int
    limit: int
    # The total is a floor: there are at least this many (counting stopped at COUNT_AHEAD).
    more: bool = False


def search(
    session: Session,
    principal: Principal,
    filters: Filters,
    *,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
    attention: bool = True,
) -> Page:
    """One page of the conversations the principal may see; the read is audited. Without
    `attention` the items lack what their answers ask for (`agenda.find`)."""
    scoped = scope(principal, filters)
    items = agenda.find(session, scoped, limit=limit, offset=offset, attention=attention)
    _audit_shown(session, principal, items, now=now, action="agenda.show")
    at_most = offset + COUNT_AHEAD
    total = agenda.count(session, scoped, at_most=at_most)
    return Page(items, total, offset, limit, more=total >= at_most)


def overdue_filters(today: date, settings: Settings) -> Filters:
    """The open conversations that count as overdue on `today`."""
    return Filters(before=overdue_cutoff(today, settings.overdue_workdays, WorkCalendar()))


@dataclass(frozen=True)
class SentVersion:
    method: str
    sequence: int
    decided_on: date
    written_at: datetime | None
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class ConversationView:
    item: AgendaItem
    incident: Incident | None  # staff only; never shown to a leader
    next_run: list[Pending]
    sent: list[SentVersion]
    may_record: bool  # held / another time
    may_decline: bool  # staff: the employee declines aftercare
    # Answers to the current invite and proposals of a new time (issue 13); staff decide.
    answers: list[reply_state.Answer] = field(default_factory=list)
    proposals: list[CounterProposal] = field(default_factory=list)
    may_decide: bool = False
    # Answers from a sender who is not the invitee, to review (staff only).
    to_review: list[reply_state.Review] = field(default_factory=list)

    @property
    def followup(self) -> FollowUp:
        return self.item.followup


def _item(session: Session, principal: Principal, followup_id: int) -> AgendaItem:
    """The conversation if the principal may see it; a role without conversations is refused
    (403) before anything is read, and one that may not see this one gets "unknown" (404)."""
    principal.require(STAFF, LEADER, REPORTS)
    followup = followups.get(session, followup_id)
    employee = session.get(Employee, followup.employee_number)
    assert employee is not None
    item = AgendaItem(followup, employee, agenda.holder_of(session, followup, employee))
    if not may_see(principal, item):
        raise NotFoundError(f"onbekend gesprek {followup_id}")
    return item


def view(
    session: Session,
    principal: Principal,
    followup_id: int,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> ConversationView:
    """One conversation for its page: who, when, what the next run sends, what was sent."""
    item = _item(session, principal, followup_id)
    followup = item.followup
    # The answers once, for what they ask for and for the page's own list.
    given = reply_state.answers(session, [followup])
    labels = reply_state.attention(session, [followup], known=given)
    item = replace(item, attention=labels.get(followup_id, ()))
    staff = principal.has(STAFF)
    incident = (
        session.get(Incident, followup.incident_id) if staff and followup.incident_id else None
    )
    sent = [
        SentVersion(
            method=e.method,
            sequence=e.sequence,
            decided_on=e.decided_on,
            written_at=e.written_at,
            recipients=(),
        )
        for e in session.exec(
            select(Emission)
            .where(Emission.followup_id == followup_id)
            .where(Emission.purpose == "invite")
            .order_by(col(Emission.sequence))
        ).all()
    ]
    _audit_shown(session, principal, [item], now=now, action="followup.show")
    open_ = followup.status == PLANNED
    return ConversationView(
        item=item,
        incident=incident,
        next_run=followups.preview(session, [followup], today=today, now=now, settings=settings),
        sent=sent,
        may_record=open_,
        may_decline=open_ and staff and followup.incident_id is not None,
        answers=given.get(followup_id, []),
        proposals=counters.for_followup(session, followup_id),
        may_decide=open_ and staff,
        to_review=reply_state.to_review(session, followup_id) if staff else [],
    )


@dataclass(frozen=True)
class Change:
    """What a change did, and what the next daily run will send because of it."""

    changed: list[FollowUp]
    next_run: list[Pending]


def record_held(
    session: Session,
    principal: Principal,
    followup_id: int,
    *,
    outcome: str,
    note: str | None,
    stop: bool,
    today: date,
    now: datetime,
    settings: Settings,
) -> Change:
    """The conversation was held (by its holder, or recorded by staff)."""
    _item(session, principal, followup_id)
    changed = followups.mark_held(
        session,
        followup_id,
        outcome=outcome,
        note=note,
        stop=stop,
        actor=principal.name,
        today=today,
        now=now,
    )
    return Change(
        changed, followups.preview(session, changed, today=today, now=now, settings=settings)
    )


def record_declined(
    session: Session,
    principal: Principal,
    followup_id: int,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> Change:
    """The employee declines further aftercare for this incident (staff only)."""
    _item(session, principal, followup_id)
    principal.require(STAFF)
    changed = followups.decline(session, followup_id, actor=principal.name, today=today, now=now)
    return Change(
        changed, followups.preview(session, changed, today=today, now=now, settings=settings)
    )


def move(
    session: Session,
    principal: Principal,
    followup_id: int,
    *,
    at: str,
    today: date,
    now: datetime,
    settings: Settings,
) -> Change:
    """Another time for the conversation: a working day, in the future (the CLI's rules)."""
    _item(session, principal, followup_id)
    moved = followups.reschedule(
        session,
        followup_id,
        at=at,
        actor=principal.name,
        today=today,
        now=now,
        plan_for=settings.plan,
        calendar=WorkCalendar(),
        policy=SlotPolicy.of(settings),
    )
    return Change(
        [moved], followups.preview(session, [moved], today=today, now=now, settings=settings)
    )


def _change(
    session: Session, changed: list[FollowUp], *, today: date, now: datetime, settings: Settings
) -> Change:
    next_run = followups.preview(session, changed, today=today, now=now, settings=settings)
    return Change(changed, next_run)


def _audit_shown(
    session: Session,
    principal: Principal,
    items: list[AgendaItem],
    *,
    now: datetime,
    action: str,
) -> None:
    audit.audit_reads(
        session,
        now=now,
        actor=principal.name,
        action=action,
        entity="followup",
        seen=[(i.employee.personnel_number, i.followup.id) for i in items],
    )
