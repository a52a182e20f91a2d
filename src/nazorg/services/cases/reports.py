"""Reports (meldingen): registering, the investigation, the buddy, closing, and reading them.

Rules:
- Only the reports role does any of this (`guard.require_reports`, checked first, refusals
  audited); every read and change is audited with the person.
- A report names an active employee as reporter, a date not in the future and a category from
  the configuration (`[cases] categories`); the note is internal and never leaves nazorg except
  in the reporter's own export.
- `investigate` starts the investigation on a date; `buddy` names an active employee other than
  the reporter (changeable: the old buddy's open contact moments from today on go to the new
  one, which the daily run sends as a CANCEL to the old buddy and a REQUEST to the new buddy and
  the reporter); `close` ends the report and calls off every open contact moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from nazorg.core.access import Principal
from nazorg.core.cases import BUDDY_CONTACT, CASE_STATUS_NL, CLOSED, INVESTIGATING, OPEN
from nazorg.core.errors import NotFoundError, ValidationError
from nazorg.core.planning import CANCELLED, PLANNED
from nazorg.core.text import clean_line, clean_note, printable
from nazorg.core.workdays import WorkCalendar
from nazorg.services import audit
from nazorg.services.cases import contacts, guard, slotting
from nazorg.services.followups import close as close_followup
from nazorg.services.followups import touch
from nazorg.store.models import Employee, FollowUp, RecoveryPlan, ReportCase

if TYPE_CHECKING:
    from nazorg.settings import Settings


@dataclass(frozen=True)
class NewCase:
    reporter: str
    reported_on: date
    category: str
    note: str | None = None


def get_case(session: Session, case_id: int) -> ReportCase:
    case = session.get(ReportCase, case_id) if 0 < case_id < 2**31 else None
    if case is None:
        raise NotFoundError(f"onbekende melding {case_id}; zie 'nazorg case list'")
    return case


def add(
    session: Session,
    principal: Principal,
    data: NewCase,
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> ReportCase:
    """Register a report (rules in the module doc)."""
    guard.require_reports(session, principal, now=now, what="melding vastleggen")
    reporter = guard.active_employee(session, data.reporter, field="reporter", today=today)
    if data.reported_on > today:
        raise ValidationError(
            f"datum {data.reported_on.isoformat()} ligt in de toekomst "
            f"(vandaag is {today.isoformat()})",
            field="date",
        )
    category = data.category.strip()
    if category not in settings.cases.categories:
        raise ValidationError(
            f"onbekende categorie '{printable(category)}'; kies uit "
            f"{', '.join(settings.cases.categories)}",
            field="category",
        )
    case = ReportCase(
        reporter_number=reporter.personnel_number,
        reported_on=data.reported_on,
        category=category,
        note=clean_note(data.note, field="note"),
        registered_by=clean_line(principal.name, "--by", 200),
        registered_at=now,
        status=OPEN,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    _audit(session, principal, case, "case.create", now=now, details="melding vastgelegd")
    return case


def investigate(
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    start: date,
    today: date,
    now: datetime,
    settings: Settings,
) -> tuple[ReportCase, list[FollowUp]]:
    """Start the investigation on `start`; with a buddy, the contact moments that are due are
    planned at once (the daily run plans the later ones)."""
    guard.require_reports(session, principal, now=now, what="onderzoek starten")
    case = _open_case(session, case_id, "een onderzoek starten")
    if start < case.reported_on:
        raise ValidationError(
            f"het onderzoek kan niet beginnen voor de melding ({case.reported_on.isoformat()})",
            field="from",
        )
    if case.investigation_from is not None and case.contacts_planned:
        raise ValidationError(f"het onderzoek van melding {case_id} loopt al", field="from")
    case.investigation_from = start
    case.status = INVESTIGATING
    case.updated_at = now
    session.add(case)
    _audit(session, principal, case, "case.investigate", now=now, details=f"vanaf {start}")
    made = contacts.plan_contacts(
        session, case, today=today, now=now, settings=settings, calendar=WorkCalendar()
    )
    return case, made


def set_buddy(
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    employee: str,
    today: date,
    now: datetime,
    settings: Settings,
) -> tuple[ReportCase, list[FollowUp]]:
    """Name (or change) the buddy; returns the report and the contact moments made or moved."""
    guard.require_reports(session, principal, now=now, what="buddy toewijzen")
    case = _open_case(session, case_id, "een buddy toewijzen")
    buddy = guard.active_employee(session, employee, field="employee", today=today)
    if buddy.personnel_number == case.reporter_number:
        raise ValidationError("de buddy kan niet de melder zelf zijn", field="employee")
    old = case.buddy_number
    if old == buddy.personnel_number:
        return case, []
    case.buddy_number = buddy.personnel_number
    case.updated_at = now
    session.add(case)
    moved: list[FollowUp] = []
    calendar = WorkCalendar()
    slots = slotting.planner(session, today=today, settings=settings, calendar=calendar)
    for f in _open_contacts(session, case):
        if f.due_on >= today:  # past, unheld ones stay with the buddy who had them
            f.holder_number = buddy.personnel_number
            # the new buddy's free slot: kept when free for them, else the first free one
            slotting.replace(slots, f, settings=settings, calendar=calendar)
            touch(f, today=today, now=now)
            session.add(f)
            moved.append(f)
    _audit(
        session,
        principal,
        case,
        "case.buddy",
        now=now,
        details=f"buddy {old or '-'} -> {buddy.personnel_number}; {len(moved)} contact(en) mee",
    )
    made = contacts.plan_contacts(
        session, case, today=today, now=now, settings=settings, calendar=WorkCalendar()
    )
    return case, moved + made


def close(
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    on: date,
    outcome: str | None,
    today: date,
    now: datetime,
) -> tuple[ReportCase, list[FollowUp]]:
    """Close the report on `on`: every open contact moment is called off."""
    guard.require_reports(session, principal, now=now, what="melding sluiten")
    case = _open_case(session, case_id, "sluiten")
    if on > today:
        raise ValidationError(f"sluitdatum {on.isoformat()} ligt in de toekomst", field="on")
    if on < case.reported_on:
        raise ValidationError("de sluitdatum ligt voor de melding", field="on")
    case.status = CLOSED
    case.closed_on = on
    case.outcome = clean_note(outcome, field="outcome")
    case.closed_by = clean_line(principal.name, "--by", 200)
    case.updated_at = now
    session.add(case)
    cancelled = []
    for f in _open_contacts(session, case):
        close_followup(f, CANCELLED, actor=case.closed_by, today=today, now=now)
        session.add(f)
        cancelled.append(f)
    _audit(
        session,
        principal,
        case,
        "case.close",
        now=now,
        details=f"gesloten op {on}; {len(cancelled)} contact(en) vervallen",
    )
    return case, cancelled


def _open_case(session: Session, case_id: int, action: str) -> ReportCase:
    case = get_case(session, case_id)
    if case.status == CLOSED:
        raise ValidationError(f"melding {case_id} is gesloten; {action} kan niet meer")
    return case


def _open_contacts(session: Session, case: ReportCase) -> list[FollowUp]:
    return list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.case_id == case.id)
            .where(FollowUp.kind == BUDDY_CONTACT)
            .where(FollowUp.status == PLANNED)
            .order_by(col(FollowUp.due_on), col(FollowUp.id))
        ).all()
    )


def _audit(
    session: Session,
    principal: Principal,
    case: ReportCase,
    action: str,
    *,
    now: datetime,
    details: str,
) -> None:
    assert case.id is not None
    audit.record(
        session,
        now=now,
        actor=audit.clean_actor(principal.name),
        action=action,
        entity="case",
        entity_id=case.id,
        employee_number=case.reporter_number,
        details=details,
    )


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    case: ReportCase
    reporter: Employee
    buddy: Employee | None

    def as_json(self) -> dict[str, Any]:
        c = self.case
        return {
            "id": c.id,
            "reporter": c.reporter_number,
            "reporter_name": self.reporter.name,
            "date": c.reported_on.isoformat(),
            "category": c.category,
            "status": c.status,
            "status_nl": CASE_STATUS_NL.get(c.status, c.status),
            "investigation_from": c.investigation_from.isoformat()
            if c.investigation_from
            else None,
            "buddy": c.buddy_number,
            "buddy_name": self.buddy.name if self.buddy else None,
            "closed_on": c.closed_on.isoformat() if c.closed_on else None,
        }


@dataclass(frozen=True)
class CaseView:
    row: CaseRow
    contacts: list[tuple[FollowUp, Employee | None]]
    plans: list[RecoveryPlan]

    def as_json(self) -> dict[str, Any]:
        c = self.row.case
        return {
            **self.row.as_json(),
            "note": c.note,
            "registered_by": c.registered_by,
            "registered_at": audit_iso(c.registered_at),
            "outcome": c.outcome,
            "closed_by": c.closed_by,
            "contacts": [
                {
                    "id": f.id,
                    "due": f.due_on.isoformat(),
                    "start": f.start.isoformat(),
                    "status": f.status,
                    "buddy": f.holder_number,
                    "buddy_name": holder.name if holder else None,
                }
                for f, holder in self.contacts
            ],
            "plans": [p.id for p in self.plans],
        }


def audit_iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _row(session: Session, case: ReportCase) -> CaseRow:
    reporter = session.get(Employee, case.reporter_number)
    assert reporter is not None
    buddy = session.get(Employee, case.buddy_number) if case.buddy_number else None
    return CaseRow(case, reporter, buddy)


def list_cases(
    session: Session, principal: Principal, *, now: datetime, open_only: bool = False
) -> list[CaseRow]:
    """Every report (or the open ones), newest first; the read is audited per reporter."""
    guard.require_reports(session, principal, now=now, what="meldingen bekijken")
    query = select(ReportCase).order_by(col(ReportCase.reported_on).desc(), col(ReportCase.id))
    if open_only:
        query = query.where(ReportCase.status != CLOSED)
    rows = [_row(session, c) for c in session.exec(query).all()]
    guard.audit_read(
        session,
        principal,
        now=now,
        action="case.list",
        entity="case",
        seen=[(r.case.reporter_number, r.case.id) for r in rows],
    )
    return rows


def show(session: Session, principal: Principal, case_id: int, *, now: datetime) -> CaseView:
    """One report with its note, contact moments and plans; the read is audited."""
    guard.require_reports(session, principal, now=now, what=f"melding {case_id} bekijken")
    case = get_case(session, case_id)
    contacts_ = [
        (f, session.get(Employee, f.holder_number) if f.holder_number else None)
        for f in session.exec(
            select(FollowUp)
            .where(FollowUp.case_id == case.id)
            .where(FollowUp.kind == BUDDY_CONTACT)
            .order_by(col(FollowUp.due_on), col(FollowUp.id))
        ).all()
    ]
    plans = list(
        session.exec(
            select(RecoveryPlan)
            .where(RecoveryPlan.case_id == case.id)
            .order_by(col(RecoveryPlan.id))
        ).all()
    )
    guard.audit_read(
        session,
        principal,
        now=now,
        action="case.show",
        entity="case",
        seen=[(case.reporter_number, case.id)],
    )
    return CaseView(_row(session, case), contacts_, plans)
