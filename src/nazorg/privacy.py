"""AVG (GDPR) features: the audit of reads, an employee's export, erasure and retention.

Who had an incident and how they are doing is health data about named colleagues (AVG article
9). The rules implemented here:

- **Reads are audited.** A command that shows or exports incident or follow-up data writes one
  audit record per person whose data it showed, naming the records, in the same transaction
  (`audit_reads`). One record per person, not per command, so that `nazorg audit --employee`
  and an export find every read of that person's data.
- **Export** (`export_employee`, right of access, article 15): everything nazorg holds about one
  person as one JSON document. The export itself is audited first, so it lists itself.
- **Erasure** (`request_erasure`, `complete_pending`, article 17) takes two steps, because
  conversations already in people's calendars must be cancelled before the data that would
  cancel them is gone:
  1. `nazorg erase` calls off every open conversation of the person (the daily run then sends
     a CANCEL for each one that was sent) and records an erasure request. When nothing is left
     to send, the data goes at once.
  2. Otherwise the daily run completes the request once nothing for the person is left to
     write, at its first run on a later day (`PICKUP`): the CANCEL files stay a day in the
     outbox so that they can be fetched or delivered.
  Completing deletes the person's follow-ups, their versions and outbox files, their links to
  incidents, the incidents nobody else was affected by, and their employee record. Their name
  and e-mail address are replaced by a pseudonym in every remaining text: the notes of shared
  incidents, other people's invites where they were the leader (those outbox files are deleted
  too), the audit details. The audit trail keeps what happened and when, under the pseudonym
  instead of the personnel number. What a person *did* as a user (the actor of an audit record,
  who registered or closed something) is accountability, not data about them, and stays.
  Files delivered elsewhere before the erasure (mailboxes, calendars) are out of nazorg's reach.
- **Retention** (`purge`): incidents and follow-ups whose last conversation was closed more
  than `retention_months` ago are deleted; only counts per month, kind, status and outcome
  remain (`RetentionCount`), without any person. Open conversations are never purged. Outbox
  files older than the same period are removed. The audit trail is append-only and not purged.

File deletions happen inside the database transaction, before its commit: a file that cannot be
deleted rolls the whole step back (tried again next time), and a failed commit leaves the data
in place (deleting a file twice is harmless). Nothing is ever half erased.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import Engine, delete, func, or_, update
from sqlmodel import Session, SQLModel, col, select

from nazorg import audit
from nazorg.errors import NazorgError, ValidationError
from nazorg.models import (
    AuditEvent,
    Emission,
    Employee,
    FollowUp,
    Incident,
    IncidentEmployee,
)
from nazorg.planning import CANCELLED, PLANNED
from nazorg.privacy_models import Erasure, RetentionCount
from nazorg.text import clean_line, clean_number
from nazorg.workdays import add_months

if TYPE_CHECKING:
    from nazorg.settings import Settings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PSEUDONYM_PREFIX = "verwijderd-"
PSEUDONYM_DOMAIN = "verwijderd.invalid"
#: Who acts when the daily run completes an erasure or purges.
RUN_ACTOR = "nazorg run"
#: How long the last files written for an erased person stay in the outbox before they go.
PICKUP = timedelta(days=1)
#: Columns that say who *did* something: accountability, kept on erasure (see the module doc).
ACTOR_COLUMNS = frozenset(
    {
        ("audit_event", "actor"),
        ("incident", "registered_by"),
        ("followup", "closed_by"),
        ("erasure", "requested_by"),
    }
)
#: Columns with identifiers that are replaced by rule, not by searching text.
KEY_COLUMNS = frozenset({("audit_event", "employee_number"), ("audit_event", "entity_id")})
#: Tables holding other people's own identity: someone else with the same name keeps it.
IDENTITY_TABLES = frozenset({"employee", "team"})
#: Outbox files nazorg writes (and the temporary files of an interrupted write).
OUTBOX_FILE = re.compile(r"^\.?nazorg-.*\.(ics|eml|tmp)$")
DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CHUNK = 500
MAX_DETAILS = 4000


def _cut(text: str, limit: int = MAX_DETAILS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _day(instant: datetime) -> date:
    return instant.astimezone(AMSTERDAM).date()


def day_start(day: date) -> datetime:
    """The first instant of a day in Europe/Amsterdam, in UTC."""
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM).astimezone(UTC)


def clean_actor(actor: str) -> str:
    """Who acts (from --by, NAZORG_USER or the system): one line of at most 200 characters."""
    return clean_line(actor, "--by (of NAZORG_USER)", 200)


# --- audit of reads ----------------------------------------------------------------------------


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
    the records shown (`seen` holds employee number and record id pairs). Returns the number of
    records written."""
    actor = clean_actor(actor)
    by_employee: dict[str, list[str]] = {}
    for number, record_id in seen:
        ids = by_employee.setdefault(number, [])
        if record_id is not None and str(record_id) not in ids:
            ids.append(str(record_id))
    for number, ids in sorted(by_employee.items()):
        audit.record(
            session,
            now=now,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=ids[0] if len(ids) == 1 else "*",
            employee_number=number,
            details=_cut(f"{entity} {', '.join(ids)}") if ids else None,
        )
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


# --- export (right of access) ------------------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is UTC:
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _own_followups(session: Session, number: str) -> list[FollowUp]:
    return list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.employee_number == number)
            .order_by(col(FollowUp.due_on), col(FollowUp.id))
        ).all()
    )


def _own_incident_ids(session: Session, number: str) -> list[int]:
    return list(
        session.exec(
            select(IncidentEmployee.incident_id)
            .where(IncidentEmployee.employee_number == number)
            .order_by(col(IncidentEmployee.incident_id))
        ).all()
    )


def _emissions_of(session: Session, followup_ids: Sequence[int]) -> list[Emission]:
    found: list[Emission] = []
    for chunk in _chunks(list(followup_ids)):
        found += session.exec(
            select(Emission).where(col(Emission.followup_id).in_(chunk)).order_by(col(Emission.id))
        ).all()
    return sorted(found, key=lambda e: e.id or 0)


EXPORT_GUIDE = {
    "employee": "uw gegevens als medewerker in nazorg",
    "incidents": "impactvolle incidenten waarbij u betrokken was, met de interne notitie",
    "followups": "de geplande nazorggesprekken, hun status en uitkomst",
    "emissions": "elke versie van een uitnodiging of conceptmail die over u is gemaakt",
    "audit": "wie wanneer uw gegevens heeft vastgelegd, gewijzigd, bekeken of geëxporteerd",
    "erasure": "een lopend verzoek tot wissen, als dat er is",
}


def export_employee(session: Session, number: str, *, actor: str, now: datetime) -> dict[str, Any]:
    """Everything nazorg holds about one employee, as one JSON-ready document (AVG article 15).

    The export is audited before the data is read, so the document lists its own export. Other
    people affected by the same incident are counted, never named.
    """
    from nazorg import employees

    employee = employees.get(session, clean_number(number))
    number = employee.personnel_number
    actor = clean_actor(actor)
    audit.record(
        session,
        now=now,
        actor=actor,
        action="employee.export",
        entity="employee",
        entity_id=number,
        employee_number=number,
        details="inzage: alle gegevens van de medewerker",
    )
    session.flush()
    incident_ids = _own_incident_ids(session, number)
    incidents = []
    for incident_id in incident_ids:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        others = session.exec(
            select(func.count())
            .select_from(IncidentEmployee)
            .where(IncidentEmployee.incident_id == incident_id)
            .where(IncidentEmployee.employee_number != number)
        ).one()
        incidents.append(
            {
                "id": incident.id,
                "date": _iso(incident.occurred_on),
                "kind": incident.kind,
                "note": incident.note,
                "registered_by": incident.registered_by,
                "registered_at": _iso(incident.registered_at),
                "other_employees_affected": int(others),
            }
        )
    followups = _own_followups(session, number)
    followup_ids = [f.id for f in followups if f.id is not None]
    emissions = _emissions_of(session, followup_ids)
    about = or_(
        col(AuditEvent.employee_number) == number,
        sa.and_(
            col(AuditEvent.employee_number).is_(None),
            or_(
                sa.and_(
                    col(AuditEvent.entity) == "incident",
                    col(AuditEvent.entity_id).in_([str(i) for i in incident_ids]),
                ),
                sa.and_(
                    col(AuditEvent.entity) == "followup",
                    col(AuditEvent.entity_id).in_([str(i) for i in followup_ids]),
                ),
            ),
        ),
    )
    events = session.exec(
        select(AuditEvent).where(about).order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    erasure = session.exec(
        select(Erasure).where(Erasure.employee_number == number).order_by(col(Erasure.id))
    ).first()
    return {
        "format": "nazorg-export/1",
        "exported_at": _iso(now),
        "exported_by": actor,
        "guide": EXPORT_GUIDE,
        "employee": {
            "personnel_number": employee.personnel_number,
            "name": employee.name,
            "email": employee.email,
            "team": employee.team_code,
            "leader": employee.leader_number,
            "role": employee.role,
            "left_on": _iso(employee.left_on),
            "created_at": _iso(employee.created_at),
            "updated_at": _iso(employee.updated_at),
        },
        "incidents": incidents,
        "followups": [
            {
                "id": f.id,
                "uid": f.uid,
                "incident_id": f.incident_id,
                "kind": f.kind,
                "cycle_year": f.cycle_year,
                "due": _iso(f.due_on),
                "start": f.start.isoformat(),
                "end": f.end.isoformat(),
                "status": f.status,
                "late_registration": f.late_registration,
                "outcome": f.outcome,
                "outcome_note": f.outcome_note,
                "closed_at": _iso(f.closed_at),
                "closed_by": f.closed_by,
                "invite_on": _iso(f.invite_on),
                "created_at": _iso(f.created_at),
                "updated_at": _iso(f.updated_at),
            }
            for f in followups
        ],
        "emissions": [
            {
                "id": e.id,
                "followup_id": e.followup_id,
                "purpose": e.purpose,
                "method": e.method,
                "sequence": e.sequence,
                "decided_on": _iso(e.decided_on),
                "decided_at": _iso(e.decided_at),
                "written_at": _iso(e.written_at),
                "files": [p for p in (e.ics_path, e.eml_path) if p],
                "content": json.loads(e.payload),
            }
            for e in emissions
        ],
        "audit": [audit_json(e) for e in events],
        "erasure": (
            {
                "requested_on": _iso(erasure.requested_on),
                "requested_by": erasure.requested_by,
                "status": "lopend",
            }
            if erasure is not None
            else None
        ),
    }


# --- erasure -----------------------------------------------------------------------------------


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
    from nazorg.followups import close, open_followups

    cancelled = []
    for f in open_followups(session, number):
        close(f, CANCELLED, actor=actor, today=today, now=now)
        session.add(f)
        cancelled.append(f)
    return cancelled


def _mentions(text: str, emails: set[str]) -> bool:
    """True when a payload names one of `emails` as a person (leader, attendee, recipient)."""

    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            email = node.get("email")
            if isinstance(email, str) and email.lower() in emails:
                return True
            return any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False

    try:
        return walk(json.loads(text))
    except ValueError:
        return False


def _emissions_mentioning(session: Session, emails: set[str], exclude: set[int]) -> list[Emission]:
    """Versions of other people's conversations that name the person (by e-mail address)."""
    if not emails:
        return []
    pattern = or_(*(col(Emission.payload).ilike(f"%{_like(e)}%", escape="\\") for e in emails))
    rows = session.exec(select(Emission).where(pattern).order_by(col(Emission.id))).all()
    return [e for e in rows if e.followup_id not in exclude and _mentions(e.payload, emails)]


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _deliveries_pending(session: Session, emission_ids: Sequence[int]) -> int:
    """Deliveries to mail and calendar servers (issue 8) still under way for these versions: a
    delivery row waits while its `next_attempt_at` is set. A CANCEL must reach the servers
    before the data behind it goes."""
    from nazorg.delivery_models import Delivery

    pending = 0
    for chunk in _chunks(list(emission_ids)):
        pending += session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(col(Delivery.emission_id).in_(chunk))
            .where(col(Delivery.next_attempt_at).is_not(None))
        ).one()
    return pending


@dataclass(frozen=True)
class Identity:
    """What identifies a person in text: their names and addresses (current and in payloads)."""

    number: str
    names: frozenset[str]
    emails: frozenset[str]  # lower case


def _identity(session: Session, employee: Employee, own: Sequence[Emission]) -> Identity:
    names = {employee.name}
    emails = {employee.email.lower()}
    for emission in own:
        person = json.loads(emission.payload).get("employee") or {}
        if person.get("name"):
            names.add(person["name"])
        if person.get("email"):
            emails.add(person["email"].lower())
    return Identity(employee.personnel_number, frozenset(names), frozenset(emails))


def waiting_for(session: Session, number: str, today: date) -> list[str]:
    """What must still be written before the person's data can go (empty: nothing)."""
    employee = session.get(Employee, number)
    if employee is None:
        return []
    reasons: list[str] = []
    followups = _own_followups(session, number)
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
    own = _emissions_of(session, sorted(own_ids))
    unwritten = [e for e in own if e.written_at is None]
    if unwritten:
        reasons.append(f"{len(unwritten)} versie(s) nog niet geschreven")
    identity = _identity(session, employee, own)
    others = _emissions_mentioning(session, set(identity.emails), own_ids)
    if any(e.written_at is None for e in others):
        reasons.append("versies van andere gesprekken met deze persoon nog niet geschreven")
    delivering = _deliveries_pending(session, [e.id for e in [*own, *others] if e.id is not None])
    if delivering:
        reasons.append(f"{delivering} bezorging(en) aan mail- of agendaservers nog bezig")
    # Other people's sent conversations that are due to change: their next version may still
    # have to go to this person (a CANCEL to a former leader), from the last one sent.
    from nazorg.emit import last_version

    reconciling = session.exec(
        select(FollowUp)
        .where(col(FollowUp.emit_on).is_not(None))
        .where(col(FollowUp.sequence) >= 0)
        .where(FollowUp.employee_number != number)
    ).all()
    for f in reconciling:
        assert f.id is not None
        last = last_version(session, f.id)
        if last is not None and _mentions(last.to_json(), set(identity.emails)):
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
            "pending_since": _iso(self.pending.requested_on) if self.pending else None,
            "blockers": self.blockers,
        }


def erasure_preview(session: Session, number: str, *, today: date) -> ErasurePreview:
    from nazorg import employees

    employee = employees.get(session, clean_number(number))
    number = employee.personnel_number
    incident_ids = _own_incident_ids(session, number)
    shared = 0
    for incident_id in incident_ids:
        others = session.exec(
            select(func.count())
            .select_from(IncidentEmployee)
            .where(IncidentEmployee.incident_id == incident_id)
            .where(IncidentEmployee.employee_number != number)
        ).one()
        shared += 1 if others else 0
    followups = _own_followups(session, number)
    open_ = [f for f in followups if f.status == PLANNED]
    emissions = _emissions_of(session, [f.id for f in followups if f.id is not None])
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
    from nazorg import employees
    from nazorg.db import lock_for_emission

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


def _unlink(paths: Iterable[str | None]) -> int:
    removed = 0
    for raw in paths:
        if not raw:
            continue
        path = Path(raw)
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise NazorgError(
                f"kan {path} niet verwijderen ({exc.strerror}); er is niets gewist, het wordt "
                "bij de volgende run opnieuw geprobeerd; controleer de rechten van de outbox"
            ) from None
    return removed


def _referring(table: sa.Table) -> list[tuple[sa.Table, sa.ForeignKey]]:
    return [
        (other, fk)
        for other in SQLModel.metadata.tables.values()
        for fk in other.foreign_keys
        if fk.column.table is table and other is not table
    ]


def _delete_rows(
    session: Session, table: sa.Table, column: sa.Column[Any], values: list[Any]
) -> int:
    """Delete the rows of `table` whose `column` is in `values`, after the rows of any other
    table that refer to them (any depth, so tables added by later features are covered)."""
    if not values:
        return 0
    deleted = 0
    for chunk in _chunks(values):
        for other, fk in _referring(table):
            referenced = list(
                session.execute(sa.select(fk.column).where(column.in_(chunk))).scalars()
            )
            _delete_rows(session, other, fk.parent, referenced)
        result = session.execute(sa.delete(table).where(column.in_(chunk)))
        deleted += result.rowcount  # type: ignore[attr-defined]
    return deleted


def _table(model: type[SQLModel]) -> sa.Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


def _delete_followups(session: Session, followup_ids: list[int]) -> tuple[int, int]:
    """Delete follow-ups with their versions (and anything referring to those); returns counts."""
    emission = _table(Emission)
    followup = _table(FollowUp)
    emissions = _delete_rows(session, emission, emission.c.followup_id, followup_ids)
    return _delete_rows(session, followup, followup.c.id, followup_ids), emissions


def _scrub_regex(identity: Identity) -> re.Pattern[str]:
    words = sorted({*identity.names, *identity.emails}, key=len, reverse=True)
    return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words if w), re.IGNORECASE)


def _scrub_payload(text: str, identity: Identity, regex: re.Pattern[str], pseudonym: str) -> str:
    """A version's JSON with the person replaced: a person entry with their address becomes the
    pseudonym, and their name is replaced in any other text."""
    stand_in = {"name": pseudonym, "email": f"{pseudonym}@{PSEUDONYM_DOMAIN}"}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            email = node.get("email")
            if isinstance(email, str) and email.lower() in identity.emails:
                return {**node, **stand_in}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return regex.sub(pseudonym, node)
        return node

    return json.dumps(walk(json.loads(text)), sort_keys=True, ensure_ascii=False)


def _is_text(column: sa.Column[Any]) -> bool:
    kind: Any = column.type
    if isinstance(kind, sa.types.TypeDecorator):  # SQLModel's AutoString wraps a String
        kind = kind.impl_instance
    return isinstance(kind, sa.String)


def _scrub_text(session: Session, identity: Identity, pseudonym: str) -> int:
    """Replace the person's names and addresses by the pseudonym in every text column of every
    table, except other people's own records, the actor columns and the key columns."""
    regex = _scrub_regex(identity)
    words = {*identity.names, *identity.emails}
    # A name with a quote or backslash is stored escaped inside JSON.
    words |= {json.dumps(w, ensure_ascii=False)[1:-1] for w in words}
    changed = 0
    for table in SQLModel.metadata.sorted_tables:
        if table.name in IDENTITY_TABLES:
            continue
        keys = list(table.primary_key.columns)
        for column in table.columns:
            if (
                not _is_text(column)
                or column.primary_key
                or column.foreign_keys
                or (table.name, column.name) in ACTOR_COLUMNS | KEY_COLUMNS
            ):
                continue
            where = or_(*(column.ilike(f"%{_like(w)}%", escape="\\") for w in words if w))
            for row in session.execute(sa.select(*keys, column).where(where)).all():
                value = row[-1]
                if table.name == "emission" and column.name == "payload":
                    new = _scrub_payload(value, identity, regex, pseudonym)
                else:
                    new = regex.sub(pseudonym, value)
                if new != value:
                    match = sa.and_(*(k == v for k, v in zip(keys, row[:-1], strict=True)))
                    session.execute(sa.update(table).where(match).values({column.name: new}))
                    changed += 1
    return changed


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
    followups = _own_followups(session, number)
    followup_ids = [f.id for f in followups if f.id is not None]
    own = _emissions_of(session, followup_ids)
    identity = _identity(session, employee, own)
    others = _emissions_mentioning(session, set(identity.emails), set(followup_ids))
    paths = [p for e in [*own, *others] for p in (e.ics_path, e.eml_path) if p]
    files = sum(1 for p in paths if Path(p).exists())
    if others:
        session.execute(
            update(Emission)
            .where(col(Emission.id).in_([e.id for e in others]))
            .values(ics_path=None, eml_path=None)
        )
    removed_followups, removed_emissions = _delete_followups(session, followup_ids)
    incident_ids = _own_incident_ids(session, number)
    session.execute(delete(IncidentEmployee).where(col(IncidentEmployee.employee_number) == number))
    orphans = [
        i
        for i in incident_ids
        if not session.exec(
            select(IncidentEmployee.incident_id).where(IncidentEmployee.incident_id == i)
        ).first()
        and not session.exec(select(FollowUp.id).where(FollowUp.incident_id == i)).first()
    ]
    incident = _table(Incident)
    removed_incidents = _delete_rows(session, incident, incident.c.id, orphans)
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
    scrubbed = _scrub_text(session, identity, pseudonym)
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
    _unlink(paths)
    return removed


def complete_pending(engine: Engine, *, today: date, now: datetime) -> dict[str, Any]:
    """The daily run's part of erasure: for each pending request, call off any conversation
    registered since, and remove the data once nothing was left to write on an earlier day.

    One transaction per request, so one that fails (an outbox file that cannot be deleted)
    neither blocks nor undoes the others; it is tried again at the next run.
    """
    from nazorg.db import lock_for_emission, transaction

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
                _cancel_open(session, number, actor=RUN_ACTOR, today=today, now=now)
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
                complete(session, erasure, actor=RUN_ACTOR, today=today, now=now)
                completed.append(erasure.pseudonym)
        except NazorgError as exc:
            errors.append(str(exc))
    return {"completed": completed, "waiting": waiting, "errors": errors}


# --- retention ---------------------------------------------------------------------------------


@dataclass
class PurgeReport:
    cutoff: date
    dry_run: bool
    incidents: int = 0
    followups: int = 0
    emissions: int = 0
    files: int = 0
    outbox_files: int = 0
    counts: Counter[tuple[str, str, str, str, str]] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "incidents": self.incidents,
            "followups": self.followups,
            "emissions": self.emissions,
            "files": self.files,
            "outbox_files": self.outbox_files,
        }


def _closed_day(f: FollowUp) -> date:
    """The day a closed conversation was closed (a skipped one: its planned day)."""
    return _day(f.closed_at) if f.closed_at is not None else f.due_on


def _purgeable(session: Session, followups: Sequence[FollowUp], cutoff: date) -> bool:
    """Closed, nothing left to send, and closed before the cutoff."""
    for f in followups:
        if f.status == PLANNED or f.emit_on is not None or _closed_day(f) >= cutoff:
            return False
    ids = [f.id for f in followups if f.id is not None]
    return not any(e.written_at is None for e in _emissions_of(session, ids))


def _old_outbox_files(outbox: Path | None, before: datetime) -> list[Path]:
    """nazorg's own files in the outbox last written before `before`."""
    if outbox is None or not outbox.is_dir():
        return []
    limit = before.timestamp()
    found = []
    for path in sorted(outbox.rglob("*")):
        try:
            if OUTBOX_FILE.match(path.name) and path.is_file() and path.stat().st_mtime < limit:
                found.append(path)
        except OSError:
            continue
    return found


def purge(
    session: Session,
    *,
    today: date,
    now: datetime,
    retention_months: int,
    outbox: Path | None,
    actor: str,
    dry_run: bool = False,
) -> PurgeReport:
    """Delete incidents and conversations closed more than `retention_months` ago, keeping only
    anonymous counts, and remove outbox files older than that (see the module doc)."""
    from nazorg.db import lock_for_emission

    actor = clean_actor(actor)
    cutoff = add_months(today, -retention_months)
    report = PurgeReport(cutoff=cutoff, dry_run=dry_run)
    if not dry_run:
        lock_for_emission(session)
    doomed_followups: list[FollowUp] = []
    doomed_incidents: list[Incident] = []
    candidates = session.exec(
        select(Incident).where(col(Incident.occurred_on) < cutoff).order_by(col(Incident.id))
    ).all()
    for incident in candidates:
        followups = list(
            session.exec(select(FollowUp).where(FollowUp.incident_id == incident.id)).all()
        )
        if not followups and _day(incident.registered_at) >= cutoff:
            continue
        if _purgeable(session, followups, cutoff):
            doomed_incidents.append(incident)
            doomed_followups += followups
    cycle_items = session.exec(
        select(FollowUp)
        .where(col(FollowUp.incident_id).is_(None))
        .where(FollowUp.status != PLANNED)
        .where(col(FollowUp.due_on) < cutoff)
    ).all()
    # This year's cycle items stay: the daily run generates an item only where none exists.
    doomed_followups += [
        f
        for f in cycle_items
        if (f.cycle_year is None or f.cycle_year < today.year) and _purgeable(session, [f], cutoff)
    ]
    for incident in doomed_incidents:
        report.counts[
            (incident.occurred_on.strftime("%Y-%m"), "incident", incident.kind, "", "")
        ] += 1
    for f in doomed_followups:
        report.counts[
            (f.due_on.strftime("%Y-%m"), "followup", f.kind, f.status, f.outcome or "")
        ] += 1
    followup_ids = [f.id for f in doomed_followups if f.id is not None]
    emissions = _emissions_of(session, followup_ids)
    report.incidents = len(doomed_incidents)
    report.followups = len(followup_ids)
    report.emissions = len(emissions)
    paths = [p for e in emissions for p in (e.ics_path, e.eml_path) if p]
    known = set(paths)
    old_files = [p for p in _old_outbox_files(outbox, day_start(cutoff)) if str(p) not in known]
    report.files = sum(1 for p in paths if Path(p).exists())
    report.outbox_files = len(old_files)
    if dry_run:
        return report
    _delete_followups(session, followup_ids)
    incident_ids = [i.id for i in doomed_incidents if i.id is not None]
    link = _table(IncidentEmployee)
    _delete_rows(session, link, link.c.incident_id, incident_ids)
    incidents = _table(Incident)
    _delete_rows(session, incidents, incidents.c.id, incident_ids)
    for (month, subject, kind, status, outcome), count in sorted(report.counts.items()):
        row = session.exec(
            select(RetentionCount)
            .where(RetentionCount.month == month)
            .where(RetentionCount.subject == subject)
            .where(RetentionCount.kind == kind)
            .where(RetentionCount.status == status)
            .where(RetentionCount.outcome == outcome)
        ).first()
        if row is None:
            row = RetentionCount(
                month=month, subject=subject, kind=kind, status=status, outcome=outcome
            )
        row.count += count
        session.add(row)
    audit.record(
        session,
        now=now,
        actor=actor,
        action="retention.purge",
        entity="retention",
        entity_id=cutoff.isoformat(),
        details=(
            f"afgesloten voor {cutoff.isoformat()}: {report.incidents} incident(en), "
            f"{report.followups} gesprek(ken), {report.emissions} versie(s), "
            f"{report.files + report.outbox_files} bestand(en) verwijderd"
        ),
    )
    session.flush()
    # Last, so that a failure before leaves every file in place; a failure here rolls back.
    _unlink(paths)
    _unlink(str(p) for p in old_files)
    _remove_empty_date_folders(outbox)
    return report


def _remove_empty_date_folders(outbox: Path | None) -> None:
    if outbox is None or not outbox.is_dir():
        return
    for folder in sorted(outbox.iterdir()):
        if folder.is_dir() and DATE_FOLDER.match(folder.name):
            try:
                folder.rmdir()
            except OSError:
                continue  # not empty, or not ours to remove


def retention_counts(session: Session) -> list[RetentionCount]:
    return list(
        session.exec(
            select(RetentionCount).order_by(
                col(RetentionCount.month), col(RetentionCount.subject), col(RetentionCount.kind)
            )
        ).all()
    )


# --- the daily run -----------------------------------------------------------------------------


def after_run(engine: Engine, *, settings: Settings, today: date, now: datetime) -> dict[str, Any]:
    """Daily-run step after the files are written: complete the erasures whose CANCELs went
    out, then (when `purge_in_daily_run`) purge what is past its retention period.

    A failure here is reported in the result and never undoes the emission before it.
    """
    from nazorg.db import transaction

    result: dict[str, Any] = {}
    try:
        result["erasures"] = complete_pending(engine, today=today, now=now)
        if settings.purge_in_daily_run:
            with transaction(engine) as session:
                report = purge(
                    session,
                    today=today,
                    now=now,
                    retention_months=settings.retention_months,
                    outbox=settings.outbox_dir,
                    actor=RUN_ACTOR,
                )
            result["purge"] = report.as_json()
    except NazorgError as exc:
        result["error"] = str(exc)
    return result
