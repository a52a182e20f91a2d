"""What the answers to an invite mean for a conversation (issue 13), for `status`, the agenda,
the dashboard and the conversation page.

Rules, for an open conversation; only answers to its current version count (the SEQUENCE last
sent and the start it had when the answer was recorded): a conversation with a new time or a new
version starts afresh. Per invitee, the answer with the latest DTSTAMP counts.
- the leader (holder) declined: NEEDS_NEW_TIME; the conversation stays open and unresolved, so
  it is still escalated when it becomes overdue;
- the employee declined the meeting (not the aftercare): CONTACT_EMPLOYEE; nothing is cancelled;
- an open proposal of a new time (COUNTER) against the current version waits for staff:
  PROPOSAL (one against a version since replaced no longer shows; staff may still decide it).

An answer whose mail does not come from the invitee (a delegate, an alias, a forgery) changes
nothing: it is recorded only as an audit event `followup.reply.unverified` ("to review"), which
staff see on the conversation page (`to_review`) and nothing acts on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from nazorg.core.planning import PLANNED
from nazorg.store.models import AttendeeReply, AuditEvent, CounterProposal, FollowUp
from nazorg.store.models.audit import UNVERIFIED
from nazorg.store.models.replies import OPEN

NEEDS_NEW_TIME = "nieuwe tijd nodig"
CONTACT_EMPLOYEE = "contact opnemen met medewerker"
PROPOSAL = "tijdvoorstel"
TO_REVIEW = "followup.reply.unverified"  # the `UNVERIFIED` rows of the audit trail


@dataclass(frozen=True)
class Answer:
    """The answer that counts for one invitee of the current version."""

    attendee: str
    role: str
    partstat: str | None


def current_answers(session: Session, followup: FollowUp) -> list[Answer]:
    """Per invitee the REPLY that counts now (module docstring), by address."""
    return answers(session, [followup]).get(followup.id or 0, [])


def answers(session: Session, followups: Iterable[FollowUp]) -> dict[int, list[Answer]]:
    """`current_answers` for many conversations in one query."""
    by_id = {f.id: f for f in followups if f.id is not None}
    if not by_id:
        return {}
    rows = session.exec(
        select(AttendeeReply)
        .where(col(AttendeeReply.followup_id).in_(sorted(by_id)))
        .where(AttendeeReply.method == "REPLY")
        .order_by(col(AttendeeReply.dtstamp), col(AttendeeReply.id))
    ).all()
    latest: dict[int, dict[str, Answer]] = {}
    for row in rows:
        f = by_id[row.followup_id]
        if row.sequence != f.sequence or row.for_start != f.start:
            continue
        latest.setdefault(row.followup_id, {})[row.attendee] = Answer(
            row.attendee, row.role, row.partstat
        )
    return {k: list(v.values()) for k, v in latest.items()}


def attention(
    session: Session,
    followups: Iterable[FollowUp],
    *,
    known: dict[int, list[Answer]] | None = None,
) -> dict[int, tuple[str, ...]]:
    """The labels of the module docstring per open conversation id (none: not in the map);
    `known`: their `answers`, when the caller read them already."""
    open_ = [f for f in followups if f.id is not None and f.status == PLANNED]
    if not open_:
        return {}
    found: dict[int, list[str]] = {}
    sequences = {f.id: f.sequence for f in open_}
    given_by_id = known if known is not None else answers(session, open_)
    for followup_id, given in given_by_id.items():
        if followup_id not in sequences:
            continue
        for answer in given:
            if answer.partstat != "DECLINED":
                continue
            label = {"leader": NEEDS_NEW_TIME, "employee": CONTACT_EMPLOYEE}.get(answer.role)
            if label and label not in found.get(followup_id, []):
                found.setdefault(followup_id, []).append(label)
    proposals = session.exec(
        select(CounterProposal.followup_id, CounterProposal.sequence)
        .where(col(CounterProposal.followup_id).in_(sorted(f.id for f in open_ if f.id)))
        .where(CounterProposal.state == OPEN)
    ).all()
    for followup_id, sequence in proposals:
        if sequence != sequences.get(followup_id):
            continue  # made against a version that has since been replaced
        if PROPOSAL not in found.get(followup_id, []):
            found.setdefault(followup_id, []).append(PROPOSAL)
    return {k: tuple(v) for k, v in found.items()}


def candidates(session: Session) -> list[int]:
    """Open conversations that may need attention: a declined answer or an open proposal (the
    caller keeps those whose answers still count, through `attention`). Closed conversations are
    left out in the query, so the cost follows what is open, not the history."""
    declined = session.exec(
        select(AttendeeReply.followup_id)
        .join(FollowUp, col(FollowUp.id) == col(AttendeeReply.followup_id))
        .where(FollowUp.status == PLANNED)
        .where(AttendeeReply.method == "REPLY")
        .where(AttendeeReply.partstat == "DECLINED")
        .distinct()
    ).all()
    proposed = session.exec(
        select(CounterProposal.followup_id)
        .join(FollowUp, col(FollowUp.id) == col(CounterProposal.followup_id))
        .where(FollowUp.status == PLANNED)
        .where(CounterProposal.state == OPEN)
        .distinct()
    ).all()
    return sorted(set(declined) | set(proposed))


@dataclass(frozen=True)
class Review:
    """An answer from a sender who is not the invitee, for staff to judge."""

    at: datetime
    details: str


def to_review(session: Session, followup_id: int) -> list[Review]:
    """The unverified answers of one conversation, oldest first (the caller checked that the
    reader is staff)."""
    rows = session.exec(
        select(AuditEvent.at, AuditEvent.details)
        # The condition of the partial index, as written there (a bound parameter would not
        # let the database prove the index covers the query, and it would read the whole trail).
        .where(text(f"audit_event.{UNVERIFIED}"))
        .where(AuditEvent.entity == "followup")
        .where(AuditEvent.entity_id == str(followup_id))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    return [Review(at, details or "") for at, details in rows]
