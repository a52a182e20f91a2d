"""The overdue escalation draft: to the teamchef and the aftercare mailbox, no invite.

Rendered like the other drafts (same header hygiene, deterministic bytes), from the templates
`escalation_subject.txt`, `escalation.txt` and `escalation.html`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from email.message import Message
from email.utils import format_datetime
from typing import Any

import jinja2

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
    """What the templates may use: people, conversation, date and lateness; nothing else."""
    start = local_time(notice.start, notice.tzid)
    return {
        "kind": notice.kind,
        "checkin_months": checkin_months(notice.kind),
        "organizer": clean_person(notice.organizer),
        "recipients": tuple(clean_person(p) for p in notice.recipients),
        "employee": clean_person(notice.employee),
        "leader": clean_person(notice.leader) if notice.leader else None,
        "start": start,
        "end": start,
        "workdays_late": notice.workdays_late,
        "addressees": tuple(clean_person(p) for p in notice.recipients[:1]),
    }


def render_escalation(notice: EscalationNotice, env: jinja2.Environment) -> bytes:
    ctx = escalation_context(notice)
    subject = no_encoded_words(render_line(env, "escalation_subject.txt", ctx))
    ctx = {**ctx, "subject": subject}
    text = render_block(env, "escalation.txt", ctx)
    html = render_block(env, "escalation.html", ctx)
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
