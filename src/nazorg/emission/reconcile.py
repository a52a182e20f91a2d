"""What people's calendars should hold, against what was sent: the versions to send (RFC 5546).

One rule for every change (a new conversation, a new time, a new leader, a conversation called
off, a person who left): compare the follow-up's state with the last version sent and return the
difference as new versions. Also the overdue notice for the teamchef. Nothing here writes: the
decide step (`nazorg.emission.decide`) records what these functions return.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from nazorg.core.cases import CASE_KINDS, PLAN_ACTION, PLAN_REVIEW
from nazorg.core.cycles import RO, SELF_KINDS, violence_agenda_point
from nazorg.core.payload import EscalationNotice, InviteVersion, Person
from nazorg.core.planning import HELD, PLANNED
from nazorg.core.workdays import WorkCalendar
from nazorg.store.models import Emission, Employee, FollowUp
from nazorg.store.queries import conversation_holder, teamchef, violence_since_last_ro

if TYPE_CHECKING:
    from nazorg.settings import Settings

INVITE = "invite"
ESCALATION = "escalation"


def _person(employee: Employee) -> Person:
    return Person(name=employee.name, email=employee.email)


def message_id(uid: str, sequence: int, purpose: str = INVITE) -> str:
    """A Message-ID that is the same for the same version, and short enough for one header line
    (the UID's dashes dropped; `inv` or `esc` for the purpose)."""
    local, _, domain = uid.partition("@")
    tag = "esc" if purpose == ESCALATION else "inv"
    return f"{local.replace('-', '')}.{sequence}.{tag}@{domain or 'nazorg'}"


def last_version(session: Session, followup_id: int) -> InviteVersion | None:
    payload = session.exec(
        select(Emission.payload)
        .where(Emission.followup_id == followup_id)
        .where(Emission.purpose == INVITE)
        .order_by(col(Emission.sequence).desc())
        .limit(1)
    ).first()
    return InviteVersion.from_json(payload) if payload is not None else None


def desired_versions(
    session: Session,
    followup: FollowUp,
    last: InviteVersion | None,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> list[InviteVersion]:
    """The versions to send so that calendars match the follow-up's state (RFC 5546).

    - open and never sent: a REQUEST (SEQUENCE 0) to the leader and the employee;
    - open and sent, with a changed time: a REQUEST with the next SEQUENCE;
    - open and sent, with another leader: a CANCEL to the old leader alone, then a REQUEST to the
      new leader and the employee (removing an attendee = CANCEL to them + REQUEST to the rest);
    - closed (held is not a change; declined, cancelled, employee gone) and an open invite out:
      a CANCEL to everybody in the last version;
    - never sent and its day already past: nothing (the overdue escalation reports it);
    - otherwise nothing.
    A leader's own 360-degree and development-plan items go to the leader alone, from the HR
    mailbox; the items of reports and recovery plans as `_case_parties` says; an R&O invite
    carries the violence agenda point when it applies.
    DTSTAMP never goes back, even if the clock does.
    """
    employee = session.get(Employee, followup.employee_number)
    assert employee is not None
    holder: Person | None
    if followup.kind in CASE_KINDS:
        holder, organizer, own_item = _case_parties(session, followup, settings)
    else:
        own_item = followup.kind in SELF_KINDS
        leader_record = (
            employee if own_item else conversation_holder(session, employee, followup.due_on)
        )
        holder = _person(leader_record) if leader_record is not None else None
        mailbox = (
            settings.hr_mailbox_for(employee.team_code)
            if own_item
            else settings.organizer_for(employee.team_code)
        )
        organizer = Person(name=mailbox.name, email=str(mailbox.email))
    agenda_points = _agenda_points(session, followup, settings)
    dtstamp = max(now, last.dtstamp) if last is not None else now
    sequence = followup.sequence
    versions: list[InviteVersion] = []

    def add(
        method: str, leader: Person, attendees: tuple[Person, ...], times: InviteVersion | FollowUp
    ) -> None:
        nonlocal sequence
        sequence += 1
        versions.append(
            InviteVersion(
                uid=followup.uid,
                sequence=sequence,
                method="CANCEL" if method == "CANCEL" else "REQUEST",
                dtstamp=dtstamp,
                start=times.start,
                end=times.end,
                tzid=followup.tzid,
                organizer=organizer,
                leader=leader,
                employee=_person(employee),
                attendees=attendees,
                kind=followup.kind,
                language=settings.language,
                message_id=message_id(followup.uid, sequence),
                agenda_points=agenda_points if method != "CANCEL" else (),
            )
        )

    is_open = (
        followup.status == PLANNED and employee.is_active(followup.due_on) and holder is not None
    )
    if not is_open or holder is None:
        if last is not None and last.method == "REQUEST" and followup.status != HELD:
            add("CANCEL", last.leader, last.attendees, last)
        return versions

    if last is None and followup.start.date() < today:
        # Never sent and its day has passed (a first run, or a long outage): an invite for the
        # past helps nobody; the conversation stays open and the escalation reports it.
        return versions
    leader = holder
    wanted = (leader,) if own_item else (leader, _person(employee))
    if last is None or last.method == "CANCEL":
        add("REQUEST", leader, wanted, followup)
    elif last.leader.email != leader.email:
        add("CANCEL", last.leader, (last.leader,), last)
        add("REQUEST", leader, wanted, followup)
    elif last.start != followup.start or last.end != followup.end or last.attendees != wanted:
        add("REQUEST", leader, wanted, followup)
    return versions


def _case_parties(
    session: Session, followup: FollowUp, settings: Settings
) -> tuple[Person | None, Person, bool]:
    """Who holds an item of a report or recovery plan, who sends it, and whether it goes to the
    holder alone: a contact moment is held by the buddy (`holder_number`) with the reporter; a
    plan's review by its holder, else the report coordinator, with the person; a measure's
    reminder goes to its owner alone. All from the reports mailbox, never the team's: the
    aftercare mailbox must not learn that a report exists. A holder who has left holds
    nothing (the item is then called off in calendars)."""
    box = settings.cases.mailbox
    organizer = Person(name=box.name, email=str(box.email))
    record = session.get(Employee, followup.holder_number) if followup.holder_number else None
    if record is not None and not record.is_active(followup.due_on):
        record = None
    holder = _person(record) if record is not None else None
    if holder is None and followup.kind == PLAN_REVIEW and followup.holder_number is None:
        coordinator = settings.cases.coordinator
        holder = Person(name=coordinator.name, email=str(coordinator.email))
    return holder, organizer, followup.kind == PLAN_ACTION


def _agenda_points(session: Session, followup: FollowUp, settings: Settings) -> tuple[str, ...]:
    """Extra agenda points of an invite: for R&O, violence met since the previous R&O."""
    if followup.kind != RO:
        return ()
    count = violence_since_last_ro(session, followup, violence_kinds=settings.violence_kinds)
    return (violence_agenda_point(count, settings.language),) if count else ()


def escalation_notice(
    session: Session,
    followup: FollowUp,
    *,
    today: date,
    now: datetime,
    settings: Settings,
    sequence: int,
) -> EscalationNotice:
    """The overdue report for one conversation: to the teamchef of the employee's team and the
    aftercare mailbox (DOMAIN: the teamchef is the escalation point); for an item of a report or
    recovery plan to the report coordinator and the reports mailbox instead."""
    employee = session.get(Employee, followup.employee_number)
    assert employee is not None and followup.id is not None
    leader: Person | None
    if followup.kind in CASE_KINDS:
        # A report's items go to the report coordinator, never the teamchef (issue 15).
        leader, organizer, _alone = _case_parties(session, followup, settings)
        coordinator = settings.cases.coordinator
        recipients: tuple[Person, ...] = (
            Person(name=coordinator.name, email=str(coordinator.email)),
            organizer,
        )
    else:
        holder = conversation_holder(session, employee, followup.due_on)
        leader = _person(holder) if holder is not None else None
        chef = teamchef(session, employee.team_code, today)
        mailbox = settings.organizer_for(employee.team_code)
        organizer = Person(name=mailbox.name, email=str(mailbox.email))
        recipients = ((_person(chef),) if chef is not None else ()) + (organizer,)
    return EscalationNotice(
        followup_id=followup.id,
        uid=followup.uid,
        dtstamp=now,
        start=followup.start,
        tzid=followup.tzid,
        organizer=organizer,
        recipients=recipients,
        employee=_person(employee),
        leader=leader,
        kind=followup.kind,
        workdays_late=WorkCalendar().workdays_between(followup.due_on, today),
        language=settings.language,
        message_id=message_id(followup.uid, sequence, ESCALATION),
    )
