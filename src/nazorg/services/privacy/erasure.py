"""Erasure (AVG article 17) takes two steps, because conversations already in people's calendars
must be cancelled before the data that would cancel them is gone:

1. `nazorg erase` calls off every open conversation of the person (the daily run then sends a
   CANCEL for each one that was sent) and records an erasure request. When nothing is left to
   send, the data goes at once.
2. Otherwise the daily run completes the request once nothing for the person is left to write,
   at its first run on a later day (`PICKUP`): the CANCEL files stay a day in the outbox so that
   they can be fetched or delivered.

Completing deletes the person's follow-ups, their versions and outbox files, their links to
incidents, the incidents nobody else was affected by, and their employee record; the person is
replaced by a pseudonym in every remaining text (`nazorg.services.privacy.scrub`). The audit trail
keeps what happened and when, under the pseudonym instead of the personnel number. Files
delivered elsewhere before the erasure (mailboxes, calendars) are out of nazorg's reach.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session, col, select

from nazorg.core.errors import NazorgError, ValidationError
from nazorg.core.planning import CANCELLED, PLANNED
from nazorg.core.text import clean_number
from nazorg.emission.reconcile import last_version
from nazorg.services import audit, employees
from nazorg.services.audit import clean_actor
from nazorg.services.cases.privacy import case_blockers, erase_cases
from nazorg.services.followups import close, open_followups
from nazorg.services.privacy.records import (
    chunks,
    delete_followups,
    delete_rows,
    emissions_of,
    files_of,
    iso,
    own_followups,
    own_incident_ids,
    table_of,
    unlink_files,
)
from nazorg.services.privacy.scrub import (
    emissions_mentioning,
    identity_of,
    mentions,
    scrub_text,
)
from nazorg.store.engine import transaction
from nazorg.store.locks import lock_for_emission
from nazorg.store.models import (
    AuditEvent,
    Delivery,
    Emission,
    Employee,
    Erasure,
    FollowUp,
    Incident,
    IncidentEmployee,
)

PSEUDONYM_PREFIX = "verwijderd-"

#: How long the last files written for an erased person stay in the outbox before they go.
PICKUP = timedelta(days=1)


def new_pseudonym() -> str:
    """A random pseudonym: it cannot be traced back to the personnel number it replaces."""
    return f"{PSEUDONYM_PREFIX}{secrets.token_hex(6)}"


def blockers(session: Session, employee: Employee, today: date) -> list[str]:
    """Why this person's record cannot go yet: other people's conversations depend on it."""
    number = employee.personnel_number
    led = list(
        session.exec(
            select(Employee.personnel_number)
            .where(Employee.leader_number == number)
            .order_by(col(Employee.personnel_number))
        ).all()
    )
    problems = []
    if led:
        shown = ", ".join(led[:5]) + (" …" if len(led) > 5 else "")
        problems.append(
            f"{number} is leidinggevende van {shown}; geef hen eerst een andere leidinggevende "
            f"met 'nazorg employee update NR --leader ...'"
        )
    if employee.role == "teamchef" and employee.is_active(today):
        problems.append(
            f"{number} is teamchef van {employee.team_code}; zet eerst een datum uit dienst of "
            f"een andere rol met 'nazorg employee update {number} --left-on/--role'"
        )
    problems += case_blockers(session, number)
    return problems


def _pending_erasure(session: Session, number: str) -> Erasure | None:
    return session.exec(
        select(Erasure)
        .where(Erasure.employee_number == number)
        .where(col(Erasure.completed_on).is_(None))
    ).first()


def _cancel_open(
    session: Session, number: str, *, actor: str, today: date, now: datetime
) -> list[FollowUp]:
    """Call off every open conversation of the person; the run cancels those already sent."""
    cancelled = []
    for f in open_followups(session, number):
        close(f, CANCELLED, actor=actor, today=today, now=now)
        session.add(f)
        cancelled.append(f)
    return cancelled


def _deliveries_pending(session: Session, emission_ids: Sequence[int]) -> int:
    """Deliveries to mail and calendar servers (issue 8) still under way for these versions: a
    delivery row waits while its `next_attempt_at` is set. A CANCEL must reach the servers
    before the data behind it goes."""
    pending = 0
    for chunk in chunks(list(emission_ids)):
        pending += session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(col(Delivery.emission_id).in_(chunk))
            .where(col(Delivery.next_attempt_at).is_not(None))
        ).one()
    return pending


def waiting_for(session: Session, number: str, today: date) -> list[str]:
    """What must still be written before the person's data can go (empty: nothing)."""
    employee = session.get(Employee, number)
    if employee is None:
        return []
    reasons: list[str] = []
    followups = own_followups(session, number)
    open_ = [f for f in followups if f.status == PLANNED]
    if open_:
        reasons.append(f"{len(open_)} open gesprek(ken)")
    due = [f for f in followups if f.emit_on is not None]
    if due:
        reasons.append(
            f"{len(due)} gesprek(ken) wachten op de dagelijkse run (die annuleert wat al "
            "verstuurd is)"
        )
    own_ids = {f.id for f in followups if f.id is not None}
    own = emissions_of(session, sorted(own_ids))
    unwritten = [e for e in own if e.written_at is None]
    if unwritten:
        reasons.append(f"{len(unwritten)} versie(s) nog niet geschreven")
    identity = identity_of(session, employee, own)
    others = emissions_mentioning(session, set(identity.emails), own_ids)
    if any(e.written_at is None for e in others):
        reasons.append("versies van andere gesprekken met deze persoon nog niet geschreven")
    delivering = _deliveries_pending(session, [e.id for e in [*own, *others] if e.id is not None])
    if delivering:
        reasons.append(f"{delivering} bezorging(en) aan mail- of agendaservers nog bezig")
    # Other people's sent conversations that are due to change: their next version may still
    # have to go to this person (a CANCEL to a former leader), from the last one sent.
    reconciling = session.exec(
        select(FollowUp)
        .where(col(FollowUp.emit_on).is_not(None))
        .where(col(FollowUp.sequence) >= 0)
        .where(FollowUp.employee_number != number)
    ).all()
    for f in reconciling:
        assert f.id is not None
        last = last_version(session, f.id)
        if last is not None and mentions(last.to_json(), set(identity.emails)):
            reasons.append(f"gesprek {f.id} van een ander wacht op een versie aan deze persoon")
    reasons += blockers(session, employee, today)
    return reasons


@dataclass(frozen=True)
class ErasurePreview:
    """What `nazorg erase` will remove, for the confirmation question."""

    number: str
    name: str
    incidents: int
    shared_incidents: int
    followups: int
    open_followups: int
    cancels: int  # open and sent: a CANCEL goes out first
    emissions: int
    files: int
    audit_events: int
    pending: Erasure | None
    blockers: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "employee": self.number,
            "incidents": self.incidents,
            "shared_incidents": self.shared_incidents,
            "followups": self.followups,
            "open_followups": self.open_followups,
            "cancels": self.cancels,
            "emissions": self.emissions,
            "files": self.files,
            "audit_events": self.audit_events,
            "pending_since": iso(self.pending.requested_on) if self.pending else None,
            "blockers": self.blockers,
        }


def erasure_preview(session: Session, number: str, *, today: date) -> ErasurePreview:
    employee = employees.get(session, clean_number(number))
    number = employee.personnel_number
    incident_ids = own_incident_ids(session, number)
    shared = 0
    for incident_id in incident_ids:
        others = session.exec(
            select(func.count())
            .select_from(IncidentEmployee)
            .where(IncidentEmployee.incident_id == incident_id)
            .where(IncidentEmployee.employee_number != number)
        ).one()
        shared += 1 if others else 0
    followups = own_followups(session, number)
    open_ = [f for f in followups if f.status == PLANNED]
    emissions = emissions_of(session, [f.id for f in followups if f.id is not None])
    audits = session.exec(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.employee_number == number)
    ).one()
    return ErasurePreview(
        number=number,
        name=employee.name,
        incidents=len(incident_ids),
        shared_incidents=shared,
        followups=len(followups),
        open_followups=len(open_),
        cancels=sum(1 for f in followups if f.sequence >= 0 and f.status == PLANNED),
        emissions=len(emissions),
        files=sum(1 for e in emissions for p in (e.ics_path, e.eml_path) if p),
        audit_events=int(audits),
        pending=_pending_erasure(session, number),
        blockers=blockers(session, employee, today),
    )


@dataclass(frozen=True)
class ErasureOutcome:
    number: str
    pseudonym: str
    completed: bool
    already_requested: bool = False
    cancelled: int = 0
    waiting: list[str] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "employee": self.number,
            "pseudonym": self.pseudonym,
            "completed": self.completed,
            "already_requested": self.already_requested,
            "cancelled": self.cancelled,
            "waiting": self.waiting,
            "removed": self.removed,
        }


def request_erasure(
    session: Session, number: str, *, actor: str, today: date, now: datetime
) -> ErasureOutcome:
    """Erase one employee's data: call off their open conversations, record the request, and
    remove everything at once when nothing is left to send (see the module doc).

    Refused (nothing written) while other people's conversations depend on the person's record
    (they lead someone, or are an active teamchef). A second request for the same person reports
    the first.
    """
    lock_for_emission(session)
    employee = employees.get(session, clean_number(number))
    number = employee.personnel_number
    actor = clean_actor(actor)
    pending = _pending_erasure(session, number)
    if pending is not None:
        return ErasureOutcome(
            number,
            pending.pseudonym,
            completed=False,
            already_requested=True,
            waiting=waiting_for(session, number, today),
        )
    problems = blockers(session, employee, today)
    if problems:
        raise ValidationError(f"{number} kan (nog) niet worden gewist: {problems[0]}")
    cancelled = _cancel_open(session, number, actor=actor, today=today, now=now)
    erasure = Erasure(
        pseudonym=new_pseudonym(),
        employee_number=number,
        requested_on=today,
        requested_at=now,
        requested_by=actor,
    )
    session.add(erasure)
    sent = [f for f in cancelled if f.emit_on is not None]
    audit.record(
        session,
        now=now,
        actor=actor,
        action="employee.erase",
        entity="employee",
        entity_id=number,
        employee_number=number,
        details=f"verzoek tot wissen; {len(cancelled)} open gesprek(ken) vervallen, "
        f"{len(sent)} annulering(en) volgen",
    )
    session.flush()
    waiting = waiting_for(session, number, today)
    if waiting:
        return ErasureOutcome(
            number, erasure.pseudonym, completed=False, cancelled=len(cancelled), waiting=waiting
        )
    removed = complete(session, erasure, actor=actor, today=today, now=now)
    return ErasureOutcome(
        number, erasure.pseudonym, completed=True, cancelled=len(cancelled), removed=removed
    )


def complete(
    session: Session, erasure: Erasure, *, actor: str, today: date, now: datetime
) -> dict[str, int]:
    """Remove the person's data for good (the caller checked that nothing is left to write)."""
    number = erasure.employee_number
    assert number is not None
    employee = session.get(Employee, number)
    assert employee is not None
    pseudonym = erasure.pseudonym
    session.flush()
    followups = own_followups(session, number)
    followup_ids = [f.id for f in followups if f.id is not None]
    own = emissions_of(session, followup_ids)
    identity = identity_of(session, employee, own)
    others = emissions_mentioning(session, set(identity.emails), set(followup_ids))
    paths = files_of(session, followup_ids, [*own, *others])
    files = sum(1 for p in paths if Path(p).exists())
    if others:
        session.execute(
            update(Emission)
            .where(col(Emission.id).in_([e.id for e in others]))
            .values(ics_path=None, eml_path=None)
        )
    removed_followups, removed_emissions = delete_followups(session, followup_ids)
    removed_cases = erase_cases(session, number, pseudonym)
    incident_ids = own_incident_ids(session, number)
    session.execute(delete(IncidentEmployee).where(col(IncidentEmployee.employee_number) == number))
    orphans = [
        i
        for i in incident_ids
        if not session.exec(
            select(IncidentEmployee.incident_id).where(IncidentEmployee.incident_id == i)
        ).first()
        and not session.exec(select(FollowUp.id).where(FollowUp.incident_id == i)).first()
    ]
    incident = table_of(Incident)
    removed_incidents = delete_rows(session, incident, incident.c.id, orphans)
    # The audit trail keeps what happened, under the pseudonym.
    session.execute(
        update(AuditEvent)
        .where(col(AuditEvent.employee_number) == number)
        .values(employee_number=pseudonym)
    )
    session.execute(
        update(AuditEvent)
        .where(col(AuditEvent.entity) == "employee")
        .where(col(AuditEvent.entity_id) == number)
        .values(entity_id=pseudonym)
    )
    session.execute(delete(Employee).where(col(Employee.personnel_number) == number))
    session.flush()
    scrubbed = scrub_text(session, identity, pseudonym)
    erasure.employee_number = None
    erasure.completed_on = today
    erasure.completed_at = now
    session.add(erasure)
    removed = {
        "incidents": removed_incidents,
        "followups": removed_followups,
        "emissions": removed_emissions,
        "files": files,
        "texts_scrubbed": scrubbed,
        **removed_cases,
    }
    audit.record(
        session,
        now=now,
        actor=actor,
        action="employee.erased",
        entity="employee",
        entity_id=pseudonym,
        employee_number=pseudonym,
        details=(
            f"gewist: {removed_incidents} incident(en), {removed_followups} gesprek(ken), "
            f"{removed_emissions} versie(s), {files} bestand(en); "
            f"{scrubbed} tekst(en) gepseudonimiseerd"
        ),
    )
    session.flush()
    # Last, so that a failure before leaves every file in place; a failure here rolls back.
    unlink_files(paths)
    return removed


def complete_pending(engine: Engine, *, today: date, now: datetime, actor: str) -> dict[str, Any]:
    """The daily run's part of erasure: for each pending request, call off any conversation
    registered since, and remove the data once nothing was left to write on an earlier day.

    One transaction per request, so one that fails (an outbox file that cannot be deleted)
    neither blocks nor undoes the others; it is tried again at the next run.
    """
    with transaction(engine) as session:
        ids = list(
            session.exec(
                select(Erasure.id)
                .where(col(Erasure.completed_on).is_(None))
                .order_by(col(Erasure.id))
            ).all()
        )
    completed: list[str] = []
    waiting: dict[str, list[str]] = {}
    errors: list[str] = []
    for erasure_id in ids:
        try:
            with transaction(engine) as session:
                lock_for_emission(session)
                erasure = session.get(Erasure, erasure_id)
                if erasure is None or erasure.completed_on is not None:
                    continue
                number = erasure.employee_number
                assert number is not None
                _cancel_open(session, number, actor=actor, today=today, now=now)
                reasons = waiting_for(session, number, today)
                if not reasons and erasure.ready_on is None:
                    erasure.ready_on = today
                elif reasons:
                    erasure.ready_on = None
                if erasure.ready_on is None or today < erasure.ready_on + PICKUP:
                    waiting[erasure.pseudonym] = reasons or [
                        "de laatste bestanden blijven tot de volgende dag in de outbox"
                    ]
                    session.add(erasure)
                    continue
                complete(session, erasure, actor=actor, today=today, now=now)
                completed.append(erasure.pseudonym)
        except NazorgError as exc:
            errors.append(str(exc))
    return {"completed": completed, "waiting": waiting, "errors": errors}
