"""Proposals of a new time (COUNTER) as staff see and decide them (issue 13).

Rules: only staff decide (a leader or management is refused before anything is read or
changed). Only an open proposal of an open conversation can be decided, once.
- accept: the conversation is moved to the proposed start through the normal reschedule path
  (working day, future, its length kept), so the next run sends a REQUEST with a higher
  SEQUENCE to everybody;
- reject: a DECLINECOUNTER to the proposer is recorded and the next run writes it to the outbox,
  once (nazorg.emission.declinecounter).
Both are audited with the person who decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from nazorg.core.access import STAFF, Principal
from nazorg.core.errors import NotFoundError, ValidationError
from nazorg.core.payload import Person
from nazorg.core.workdays import WorkCalendar
from nazorg.emission.declinecounter import DeclineCounter
from nazorg.emission.reconcile import last_version
from nazorg.services import audit, followups
from nazorg.services.followups import Pending
from nazorg.store.models import CounterProposal, FollowUp
from nazorg.store.models.replies import ACCEPTED, OPEN, REJECTED

if TYPE_CHECKING:
    from nazorg.settings import Settings

STATE_NAMES = {OPEN: "open", ACCEPTED: "overgenomen", REJECTED: "afgewezen"}


@dataclass(frozen=True)
class Decision:
    proposal: CounterProposal
    followup: FollowUp
    next_run: list[Pending]
    declinecounter_to: str | None  # the proposer, when rejected

    def as_json(self) -> dict[str, object]:
        return {
            "proposal": proposal_json(self.proposal),
            "next_run": [p.as_json() for p in self.next_run],
            "declinecounter_to": self.declinecounter_to,
        }


def proposal_json(p: CounterProposal) -> dict[str, object]:
    return {
        "id": p.id,
        "followup_id": p.followup_id,
        "attendee": p.attendee,
        "sequence": p.sequence,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "state": p.state,
        "decided_by": p.decided_by,
        "written": p.written_at is not None,
    }


def for_followup(session: Session, followup_id: int) -> list[CounterProposal]:
    """The proposals for one conversation, oldest first (the caller checked who may see it)."""
    return list(
        session.exec(
            select(CounterProposal)
            .where(CounterProposal.followup_id == followup_id)
            .order_by(col(CounterProposal.id))
        ).all()
    )


def open_proposals(
    session: Session, principal: Principal, *, now: datetime
) -> list[CounterProposal]:
    """Every open proposal (staff only); the read is audited per employee."""
    principal.require(STAFF)
    found = list(
        session.exec(
            select(CounterProposal)
            .where(CounterProposal.state == OPEN)
            .order_by(col(CounterProposal.id))
        ).all()
    )
    seen = []
    for p in found:
        f = session.get(FollowUp, p.followup_id)
        if f is not None:
            seen.append((f.employee_number, f.id))
    audit.audit_reads(
        session, now=now, actor=principal.name, action="counter.show", entity="followup", seen=seen
    )
    return found


def _open(session: Session, principal: Principal, proposal_id: int) -> CounterProposal:
    principal.require(STAFF)
    proposal = session.get(CounterProposal, proposal_id) if 0 < proposal_id < 2**31 else None
    if proposal is None:
        raise NotFoundError(
            f"onbekend tijdvoorstel {proposal_id}; zie 'nazorg followup counter list'"
        )
    if proposal.state != OPEN:
        raise ValidationError(
            f"tijdvoorstel {proposal_id} is al {STATE_NAMES.get(proposal.state, proposal.state)}"
        )
    return proposal


def _decided(proposal: CounterProposal, state: str, principal: Principal, now: datetime) -> None:
    proposal.state = state
    proposal.decided_at = now
    proposal.decided_by = principal.name


def accept(
    session: Session,
    principal: Principal,
    proposal_id: int,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> Decision:
    """Move the conversation to the proposed time (module docstring)."""
    proposal = _open(session, principal, proposal_id)
    followup = followups.get(session, proposal.followup_id)
    at = proposal.start.astimezone(followup.start.tzinfo).strftime("%Y-%m-%d %H:%M")
    moved = followups.reschedule(
        session,
        followup.id or 0,
        at=at,
        actor=principal.name,
        today=today,
        now=now,
        plan_for=settings.plan,
        calendar=WorkCalendar(),
    )
    _decided(proposal, ACCEPTED, principal, now)
    session.add(proposal)
    audit.record(
        session,
        now=now,
        actor=principal.name,
        action="followup.counter.accept",
        entity="followup",
        entity_id=moved.id or 0,
        employee_number=moved.employee_number,
        details=f"tijdvoorstel {proposal_id} van {proposal.attendee} overgenomen: {at}",
    )
    pending = followups.preview(session, [moved], today=today, now=now, settings=settings)
    return Decision(proposal, moved, pending, None)


def reject(
    session: Session,
    principal: Principal,
    proposal_id: int,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> Decision:
    """Keep the conversation as it is and record a DECLINECOUNTER for the proposer."""
    proposal = _open(session, principal, proposal_id)
    followup = followups.get(session, proposal.followup_id)
    assert followup.id is not None and proposal.id is not None
    last = last_version(session, followup.id)
    if last is None:
        raise ValidationError(f"gesprek {followup.id} heeft geen verstuurde uitnodiging")
    names = {p.email.lower(): p.name for p in last.attendees}
    local, _, domain = followup.uid.partition("@")
    item = DeclineCounter(
        followup_id=followup.id,
        kind=followup.kind,
        uid=followup.uid,
        sequence=proposal.sequence,
        dtstamp=now,
        organizer=last.organizer,
        attendee=Person(names.get(proposal.attendee, ""), proposal.attendee),
        language=settings.language,
        message_id=f"{local.replace('-', '')}.{proposal.id}.dc@{domain or 'nazorg'}",
    )
    _decided(proposal, REJECTED, principal, now)
    proposal.payload = item.to_json()
    session.add(proposal)
    audit.record(
        session,
        now=now,
        actor=principal.name,
        action="followup.counter.reject",
        entity="followup",
        entity_id=followup.id,
        employee_number=followup.employee_number,
        details=f"tijdvoorstel {proposal_id} van {proposal.attendee} afgewezen",
    )
    pending = followups.preview(session, [followup], today=today, now=now, settings=settings)
    return Decision(proposal, followup, pending, proposal.attendee)


def decide(
    session: Session,
    principal: Principal,
    followup_id: int,
    proposal_id: int,
    *,
    take: bool,
    today: date,
    now: datetime,
    settings: Settings,
) -> Decision:
    """Accept (`take`) or reject a proposal of the given conversation (the web page's form):
    staff only, refused before anything is read; a proposal of another conversation is unknown."""
    principal.require(STAFF)
    proposal = session.get(CounterProposal, proposal_id) if 0 < proposal_id < 2**31 else None
    if proposal is None or proposal.followup_id != followup_id:
        raise NotFoundError(f"onbekend tijdvoorstel {proposal_id}")
    act = accept if take else reject
    return act(session, principal, proposal_id, today=today, now=now, settings=settings)
