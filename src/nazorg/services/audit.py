"""The audit trail: who created, changed, showed or exported which record, and when.

Written in the same transaction as the change it describes, so a change without its audit record
(or the other way round) cannot exist. nazorg has no command that changes or deletes these rows
(`nazorg.store.models.audit` refuses it).

Reads are audited too: a command or page that shows or exports incident or follow-up data writes
one audit record per person whose data it showed, naming the records (`audit_reads`). One record
per person, not per command, so that the trail of one person finds every read of their data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from nazorg.core.clock import AMSTERDAM
from nazorg.core.text import clean_line, clean_number
from nazorg.store.models import AuditEvent

MAX_DETAILS = 4000


def record(
    session: Session,
    *,
    now: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    employee_number: str | None = None,
    details: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            employee_number=employee_number,
            details=details,
        )
    )


def cut(text: str, limit: int = MAX_DETAILS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def day_start(day: date) -> datetime:
    """The first instant of a day in Europe/Amsterdam, in UTC."""
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM).astimezone(UTC)


def clean_actor(actor: str) -> str:
    """Who acts (from --by, NAZORG_USER or the system): one line of at most 200 characters."""
    return clean_line(actor, "--by (of NAZORG_USER)", 200)


def audit_reads(
    session: Session,
    *,
    now: datetime,
    actor: str,
    action: str,
    entity: str,
    seen: Iterable[tuple[str, int | str | None]],
) -> int:
    """Record that `actor` was shown records of `entity`: one audit record per employee, naming
    the records shown (`seen` holds employee number and record id pairs), all written with one
    statement in the caller's transaction. Returns the number of records written."""
    actor = clean_actor(actor)
    by_employee: dict[str, list[str]] = {}
    for number, record_id in seen:
        ids = by_employee.setdefault(number, [])
        if record_id is not None and str(record_id) not in ids:
            ids.append(str(record_id))
    rows = [
        {
            "at": now,
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": ids[0] if len(ids) == 1 else "*",
            "employee_number": number,
            "details": cut(f"{entity} {', '.join(ids)}") if ids else None,
        }
        for number, ids in sorted(by_employee.items())
    ]
    if rows:
        # One bulk INSERT (executemany) for the whole page, in the caller's transaction: a page
        # of 50 conversations costs one statement, not 50 ORM objects flushed one by one. The
        # ORM flushes what is pending first, so the trail keeps the order of what happened.
        session.execute(insert(AuditEvent), rows)
    return len(by_employee)


def audit_events(
    session: Session, *, employee: str | None = None, since: date | None = None
) -> list[AuditEvent]:
    """The audit trail in time order, for one employee (number or pseudonym) and/or from a day
    (Europe/Amsterdam) on."""
    query = select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))
    if employee is not None:
        query = query.where(AuditEvent.employee_number == clean_number(employee))
    if since is not None:
        query = query.where(col(AuditEvent.at) >= day_start(since))
    return list(session.exec(query).all())


def audit_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat().replace("+00:00", "Z"),
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "employee": event.employee_number,
        "details": event.details,
    }


def trail(
    session: Session,
    *,
    reader: str,
    now: datetime,
    employee: str | None = None,
    since: date | None = None,
) -> list[AuditEvent]:
    """The audit trail as shown to a reader; showing it is itself recorded."""
    events = audit_events(session, employee=employee, since=since)
    record(
        session,
        now=now,
        actor=clean_actor(reader),
        action="audit.show",
        entity="audit",
        entity_id="*",
        employee_number=employee.strip() if employee else None,
        details=f"{len(events)} regel(s)" + (f" vanaf {since.isoformat()}" if since else ""),
    )
    return events
