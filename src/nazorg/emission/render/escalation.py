"""The overdue escalation draft: to the teamchef and the aftercare mailbox, no invite.

Rendered like the other drafts (same header hygiene, deterministic bytes), from the templates
`escalation_subject.txt`, `escalation.txt` and `escalation.html`; an item of a report or recovery
plan (a buddy contact, a plan's review or action, sent to the report coordinator) from its own
`escalation_case*` templates, which name the holder by their part (buddy, holder, owner) rather
than as the leader, and never the category, the note or a measure's description.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from email.message import Message
from email.utils import format_datetime
from typing import Any

import jinja2

from nazorg.core.cases import CASE_KINDS
from nazorg.core.payload import EscalationNotice
from nazorg.emission.render.draft import (
    POLICY,
    address_header,
    message_id_header,
    subject_header,
    text_part,
)
from nazorg.emission.render.templating import (
    checkin_months,
    clean_person,
    local_time,
    no_encoded_words,
    render_block,
    render_line,
)


def escalation_context(notice: EscalationNotice) -> dict[str, Any]:
    """What the templates may use: people, conversation, date and lateness; nothing else.

    `holder` is who holds the item (for a check-in the conversation holder, also given as
    `leader`; for a report's item the buddy, the plan's holder or the measure's owner).
    """
    start = local_time(notice.start, notice.tzid)
    holder = clean_person(notice.leader) if notice.leader else None
    return {
        "kind": notice.kind,
        "checkin_months": checkin_months(notice.kind),
        "organizer": clean_person(notice.organizer),
        "recipients": tuple(clean_person(p) for p in notice.recipients),
        "employee": clean_person(notice.employee),
        "leader": holder,
        "holder": holder,
        "start": start,
        "end": start,
        "workdays_late": notice.workdays_late,
        "addressees": tuple(clean_person(p) for p in notice.recipients[:1]),
    }


def escalation_templates(kind: str) -> str:
    """The stem of the templates for an escalation of `kind`: a report's or recovery plan's item
    has its own wording (`escalation_case`), everything else the check-in's (`escalation`)."""
    return "escalation_case" if kind in CASE_KINDS else "escalation"


def render_escalation(notice: EscalationNotice, env: jinja2.Environment) -> bytes:
    ctx = escalation_context(notice)
    stem = escalation_templates(notice.kind)
    subject = no_encoded_words(render_line(env, f"{stem}_subject.txt", ctx))
    ctx = {**ctx, "subject": subject}
    text = render_block(env, f"{stem}.txt", ctx)
    html = render_block(env, f"{stem}.html", ctx)
    digest = hashlib.sha256(notice.to_json().encode("utf-8")).hexdigest()[:32]

    boundary = f"=_nazorg_alt_{digest}"
    msg = Message()
    msg["From"] = address_header("From", [ctx["organizer"]])
    msg["To"] = address_header("To", ctx["recipients"])
    msg["Subject"] = subject_header(subject)
    msg["Date"] = format_datetime(notice.dtstamp.astimezone(UTC))
    msg["Message-ID"] = message_id_header(notice.message_id)
    msg["MIME-Version"] = "1.0"
    msg["X-Unsent"] = "1"
    msg["Content-Type"] = f'multipart/alternative;\r\n boundary="{boundary}"'
    msg.attach(text_part(text, "plain"))
    msg.attach(text_part(html, "html"))
    return msg.as_bytes(policy=POLICY)


__all__ = ["render_escalation"]
