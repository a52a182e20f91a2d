"""A person's answers to invites (issue 13) as their export shows them (AVG article 15).

Rules: the export holds every answer (REPLY or COUNTER) the person gave as an invitee, on any
conversation (a leader answers on their employees' conversations), and every answer given on the
person's own conversations; likewise the proposals of a new time and what staff decided. The
free text someone else wrote (the comment of another invitee's answer) is not theirs and is left
out; that the answer exists, and what it said, is about their conversation and stays in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from nazorg.services.privacy.records import chunks, iso
from nazorg.store.models import AttendeeReply, CounterProposal


def _rows(session: Session, model: Any, followup_ids: Sequence[int], emails: set[str]) -> list[Any]:
    found: dict[int, Any] = {}
    lowered = sorted(emails)
    for chunk in chunks(list(followup_ids)) if followup_ids else [[]]:
        query = select(model).where(
            or_(col(model.followup_id).in_(chunk), func.lower(model.attendee).in_(lowered))
        )
        for row in session.exec(query).all():
            found[row.id] = row
    return [found[key] for key in sorted(found)]


def export_answers(
    session: Session, followup_ids: Sequence[int], emails: set[str]
) -> dict[str, list[dict[str, Any]]]:
    """The `replies` and `proposals` sections of the export (module docstring). `emails`: the
    person's addresses, lower case."""
    own = set(followup_ids)
    replies = []
    for r in _rows(session, AttendeeReply, followup_ids, emails):
        mine = r.attendee.lower() in emails
        replies.append(
            {
                "id": r.id,
                "followup_id": r.followup_id,
                "own_conversation": r.followup_id in own,
                "by_you": mine,
                "attendee": r.attendee,
                "role": r.role,
                "method": r.method,
                "answer": r.partstat,
                "sequence": r.sequence,
                "sent_at": iso(r.dtstamp),
                "for_start": iso(r.for_start),
                "comment": r.comment if mine else None,
                "recorded_at": iso(r.recorded_at),
                "recorded_by": r.recorded_by,
            }
        )
    proposals = [
        {
            "id": p.id,
            "followup_id": p.followup_id,
            "own_conversation": p.followup_id in own,
            "by_you": p.attendee.lower() in emails,
            "attendee": p.attendee,
            "sequence": p.sequence,
            "start": iso(p.start),
            "end": iso(p.end),
            "state": p.state,
            "decided_at": iso(p.decided_at),
            "decided_by": p.decided_by,
            "declinecounter_written_at": iso(p.written_at),
            "files": [path for path in (p.ics_path, p.eml_path) if path],
        }
        for p in _rows(session, CounterProposal, followup_ids, emails)
    ]
    return {"replies": replies, "proposals": proposals}
