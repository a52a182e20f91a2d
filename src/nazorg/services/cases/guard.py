"""Access to reports and recovery plans (DOMAIN.md, "Who may see what").

- Reports are for the reports role only (a vertrouwenspersoon, the UDR contact). Anyone else is
  refused before anything is read, so a refusal says nothing about whether a report exists; a
  buddy sees their contact moments in their own agenda, never the report.
- A recovery plan is seen by the reports role; by staff and by the person's leader only where
  the person agreed (`consent`); to anyone else it does not exist.
- Every refusal is written to the audit trail and committed on its own, so that the refusal
  stays recorded although the command or page fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session

from nazorg.core.access import REPORTS, Principal
from nazorg.core.errors import AccessDenied, NotFoundError, ValidationError
from nazorg.core.text import clean_number, printable
from nazorg.services import audit
from nazorg.store.models import Employee


def refuse(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    what: str,
    entity: str = "case",
    entity_id: str | int = "*",
    error: Exception | None = None,
) -> None:
    """Record the refusal, commit that record alone, and raise (AccessDenied unless `error`)."""
    session.rollback()
    audit.record(
        session,
        now=now,
        actor=audit.clean_actor(principal.name),
        action=f"{entity}.denied",
        entity=entity,
        entity_id=entity_id,
        details=audit.cut(f"geweigerd: {what}; rollen: {' '.join(sorted(principal.roles)) or '-'}"),
    )
    session.commit()
    raise error or AccessDenied("geen toegang: meldingen zijn alleen voor de rol meldingen")


def require_reports(session: Session, principal: Principal, *, now: datetime, what: str) -> None:
    """Only the reports role; anyone else is refused (audited) before anything is read."""
    if not principal.has(REPORTS):
        refuse(session, principal, now=now, what=what)


def audit_read(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    action: str,
    entity: str,
    seen: Iterable[tuple[str, int | str | None]],
) -> None:
    """A permitted read: one audit record per person shown."""
    audit.audit_reads(
        session, now=now, actor=principal.name, action=action, entity=entity, seen=list(seen)
    )


def not_found(what: str) -> NotFoundError:
    return NotFoundError(what)


def require_case_item(
    session: Session, principal: Principal, followup_id: int, *, now: datetime
) -> None:
    """A follow-up of a report or recovery plan may be changed only by the reports role or the
    person holding it; to anyone else it does not exist (the same message as an unknown id),
    and the refusal is audited. Other follow-ups pass."""
    from nazorg.core.cases import CASE_KINDS
    from nazorg.store.models import FollowUp

    followup = session.get(FollowUp, followup_id) if 0 < followup_id < 2**31 else None
    if followup is None or followup.kind not in CASE_KINDS:
        return
    if principal.has(REPORTS) or (
        principal.employee_number is not None
        and followup.holder_number == principal.employee_number
    ):
        return
    refuse(
        session,
        principal,
        now=now,
        what=f"gesprek {followup_id}",
        entity="followup",
        entity_id=followup_id,
        error=NotFoundError(f"onbekend gesprek {followup_id}; zie 'nazorg agenda'"),
    )


def active_employee(session: Session, number: str, *, field: str, today: date) -> Employee:
    """The employee a report or plan names (reporter, buddy, person, owner, holder): known, and
    not left by `today`; otherwise a one-line error on `field`."""
    cleaned = clean_number(number)
    person = session.get(Employee, cleaned)
    if person is None:
        raise NotFoundError(
            f"onbekende medewerker {printable(cleaned)}; zie 'nazorg employee list'", field=field
        )
    if not person.is_active(today):
        raise ValidationError(f"medewerker {cleaned} is uit dienst", field=field)
    return person
