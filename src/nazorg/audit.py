"""The audit trail: who created, changed, showed or exported which record, and when.

Written in the same transaction as the change it describes, so a change without its audit record
(or the other way round) cannot exist. nazorg has no command that changes or deletes these rows.
"""

from __future__ import annotations

import getpass
import os
from datetime import datetime

from sqlmodel import Session

from nazorg.models import AuditEvent


def actor_from_env(by: str | None) -> str:
    """Who is acting: --by, else NAZORG_USER, else the operating-system user. A given name must
    be one line of at most 200 characters (it goes into every audit record)."""
    from nazorg.text import clean_line

    if by and by.strip():
        return clean_line(by, "--by", 200)
    if os.environ.get("NAZORG_USER", "").strip():
        return clean_line(os.environ["NAZORG_USER"], "NAZORG_USER", 200)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "onbekend"


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
