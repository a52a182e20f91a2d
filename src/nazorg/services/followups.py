"""Closing the loop on a conversation: held, declined, rescheduled, re-planned or re-routed.

Every change here only changes what *should* be in people's calendars and marks the follow-up
for reconciliation (`touch`); the daily run compares that with the last version sent and emits
the difference (emit.desired_versions). No command sends or cancels anything itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from nazorg.core.errors import NotFoundError, ValidationError
from nazorg.core.planning import (
    CANCELLED,
    DECLINED,
    HELD,
    PLANNED,
    SKIPPED,
    Plan,
    escalation_date,
    invite_date,
    plan_checkins,
)
from nazorg.core.text import clean_line, clean_note
from nazorg.core.workdays import WorkCalendar
from nazorg.emission.reconcile import desired_versions, last_version
from nazorg.services import audit
from nazorg.services.slots import DEFAULT_POLICY, Planner, SlotPolicy, holder_number, set_times
from nazorg.store.models import Employee, FollowUp, Incident

if TYPE_CHECKING:
    from nazorg.settings import Settings

OUTCOMES = ("goed", "aandacht", "verwezen")
CLOSED_WORDS = {
    HELD: "al gehouden",
    DECLINED: "al afgezegd (medewerker ziet af van nazorg)",
    CANCELLED: "vervallen",
    SKIPPED: "overgeslagen",
}


def touch(followup: FollowUp, *, today: date, now: datetime) -> None:
    """Mark a follow-up for reconciliation at the next run.

    Sent before (sequence >= 0): the next run must compare and send the difference, so it is
    due today. Never sent: an open one goes out on its invite day as usual; a closed one has
    nothing to send.
    """
    if followup.sequence >= 0:
        followup.emit_on = today
    elif followup.status == PLANNED:
        followup.emit_on = followup.invite_on
    else:
        followup.emit_on = None
    if followup.status != PLANNED:
        followup.escalate_on = None
    followup.updated_at = now


def close(
    followup: FollowUp, status: str, *, actor: str | None, today: date, now: datetime
) -> None:
    """Close a conversation (held, declined, cancelled) and mark it for reconciliation."""
    followup.status = status
    followup.closed_at = now
    followup.closed_by = actor
    touch(followup, today=today, now=now)


def get(session: Session, followup_id: int) -> FollowUp:
    # An id beyond 32 bits cannot exist (PostgreSQL cannot even compare it to an INTEGER).
    followup = session.get(FollowUp, followup_id) if 0 < followup_id < 2**31 else None
    if followup is None:
        raise NotFoundError(f"onbekend gesprek {followup_id}; zie 'nazorg agenda'")
    return followup


def _require_open(followup: FollowUp, action: str) -> None:
    if followup.status != PLANNED:
        raise ValidationError(
            f"gesprek {followup.id} is {CLOSED_WORDS.get(followup.status, followup.status)}; "
            f"{action} kan niet meer"
        )


def later_checkins(session: Session, followup: FollowUp) -> list[FollowUp]:
    """This and every later open check-in of the same incident for the same employee."""
    if followup.incident_id is None:
        return [followup] if followup.status == PLANNED else []
    return list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.incident_id == followup.incident_id)
            .where(FollowUp.employee_number == followup.employee_number)
            .where(FollowUp.status == PLANNED)
            .where(col(FollowUp.start_local) >= followup.start_local)
            .order_by(col(FollowUp.start_local))
        ).all()
    )


def mark_held(
    session: Session,
    followup_id: int,
    *,
    outcome: str,
    note: str | None,
    stop: bool,
    actor: str,
    today: date,
    now: datetime,
) -> list[FollowUp]:
    """The conversation was held. `verwezen` records a referral to professional help; the later
    check-ins continue unless `stop`. Returns every follow-up changed."""
    followup = get(session, followup_id)
    _require_open(followup, "als gehouden markeren")
    if outcome not in OUTCOMES:
        raise ValidationError(
            f"onbekende uitkomst '{outcome}'; kies uit {', '.join(OUTCOMES)}", field="outcome"
        )
    actor = clean_line(actor, "--by", 200)
    followup.outcome = outcome
    followup.outcome_note = clean_note(note, field="note")
    close(followup, HELD, actor=actor, today=today, now=now)
    changed = [followup]
    audit.record(
        session,
        now=now,
        actor=actor,
        action="followup.held",
        entity="followup",
        entity_id=followup_id,
        employee_number=followup.employee_number,
        details=f"uitkomst {outcome}" + (", vervolg gestopt" if stop else ""),
    )
    if stop:
        for later in later_checkins(session, followup):
            if later.id == followup.id:
                continue
            close(later, CANCELLED, actor=actor, today=today, now=now)
            changed.append(later)
            audit.record(
                session,
                now=now,
                actor=actor,
                action="followup.cancel",
                entity="followup",
                entity_id=later.id or 0,
                employee_number=later.employee_number,
                details=f"vervolg gestopt na gesprek {followup_id}",
            )
    for f in changed:
        session.add(f)
    return changed


def decline(
    session: Session, followup_id: int, *, actor: str, today: date, now: datetime
) -> list[FollowUp]:
    """The employee declines further aftercare for this incident: this and every later
    check-in of the incident for that employee is called off."""
    followup = get(session, followup_id)
    _require_open(followup, "afzeggen")
    actor = clean_line(actor, "--by", 200)
    changed = later_checkins(session, followup)
    for f in changed:
        close(f, DECLINED, actor=actor, today=today, now=now)
        session.add(f)
    audit.record(
        session,
        now=now,
        actor=actor,
        action="followup.decline",
        entity="followup",
        entity_id=followup_id,
        employee_number=followup.employee_number,
        details="afgezegd: " + ", ".join(str(f.id) for f in changed),
    )
    return changed


def parse_local(text: str, tzid: str) -> datetime:
    """'YYYY-MM-DD HH:MM' as an aware wall-clock time in `tzid`."""
    try:
        # A wall-clock time without zone on purpose: the zone is attached right below.
        naive = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")  # noqa: DTZ007
    except ValueError:
        raise ValidationError(
            f"--at: '{text}' is geen geldig tijdstip; gebruik \"JJJJ-MM-DD UU:MM\", "
            'bijvoorbeeld "2026-03-12 14:30"',
            field="at",
        ) from None
    return naive.replace(tzinfo=ZoneInfo(tzid))


def reschedule(
    session: Session,
    followup_id: int,
    *,
    at: str,
    actor: str,
    today: date,
    now: datetime,
    plan_for: Callable[[str | None], Plan],
    calendar: WorkCalendar,
    policy: SlotPolicy = DEFAULT_POLICY,
) -> FollowUp:
    """Move a conversation to a new time (Europe/Amsterdam wall clock), keeping its length.

    Refused for a weekend, a Dutch public holiday, the past, or a conversation already held or
    called off: nobody is invited for a day off, and a closed conversation stays closed. Also
    refused outside the working hours, and when it would collide (gap included) with another
    open conversation of its holder or employee: the refusal names that conversation.
    """
    followup = get(session, followup_id)
    _require_open(followup, "verzetten")
    start = parse_local(at, followup.tzid)
    day = start.date()
    if day.weekday() >= 5:
        raise ValidationError(
            f"{day.isoformat()} valt in het weekend; kies een werkdag", field="at"
        )
    holiday = calendar.holiday_name(day)
    if holiday:
        raise ValidationError(
            f"{day.isoformat()} is een feestdag ({holiday}); kies een werkdag", field="at"
        )
    if not calendar.is_workday(day):
        raise ValidationError(f"{day.isoformat()} is geen werkdag; kies een werkdag", field="at")
    if day < today or (day == today and start < now):
        raise ValidationError(
            f"{start.strftime('%Y-%m-%d %H:%M')} ligt in het verleden", field="at"
        )
    actor = clean_line(actor, "--by", 200)
    incident = session.get(Incident, followup.incident_id) if followup.incident_id else None
    plan = plan_for(incident.kind if incident is not None else None)
    length = followup.end - followup.start
    old = followup.start
    end = (start.astimezone(ZoneInfo("UTC")) + length).astimezone(start.tzinfo)
    employee = session.get(Employee, followup.employee_number)
    assert employee is not None
    holder = holder_number(session, employee, followup.kind, day, followup.holder_number)
    people = (followup.employee_number,) + ((holder,) if holder else ())
    refused = Planner(session, today, calendar, policy).refusal(start, end, people, followup.id)
    if refused is not None:
        raise ValidationError(refused, field="at")
    followup.slot_holder = holder
    followup.start_local = start.replace(tzinfo=None)
    followup.end_local = end.replace(tzinfo=None)
    followup.due_on = day
    followup.invite_on = invite_date(day, plan)
    followup.escalate_on = escalation_date(day, plan, calendar)
    touch(followup, today=today, now=now)
    session.add(followup)
    audit.record(
        session,
        now=now,
        actor=actor,
        action="followup.reschedule",
        entity="followup",
        entity_id=followup_id,
        employee_number=followup.employee_number,
        details=f"{old.strftime('%Y-%m-%d %H:%M')} -> {start.strftime('%Y-%m-%d %H:%M')}",
    )
    return followup


def open_followups(session: Session, employee_number: str) -> list[FollowUp]:
    return list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.employee_number == employee_number)
            .where(FollowUp.status == PLANNED)
            .order_by(col(FollowUp.start_local))
        ).all()
    )


def reroute(
    session: Session,
    numbers: Iterable[str],
    *,
    today: date,
    now: datetime,
    calendar: WorkCalendar | None = None,
    policy: SlotPolicy = DEFAULT_POLICY,
    actor: str = "nazorg",
) -> list[FollowUp]:
    """Attendees of these employees' open conversations may have changed (a new leader, a new
    e-mail address, a leader who left): reconcile the ones already sent.

    A conversation from today on whose holder changed moves into a free slot of the new holder
    when its time collides there (same day when free, else the next working day); its invite
    and escalation days move with it (audited with `actor`)."""
    calendar = calendar or WorkCalendar()
    planner = Planner(session, today, calendar, policy)
    changed = []
    for number in numbers:
        employee = session.get(Employee, number)
        for f in open_followups(session, number):
            moved = False
            if employee is not None and f.due_on >= today:
                holder = holder_number(session, employee, f.kind, f.due_on, f.holder_number)
                if holder != f.slot_holder:
                    f.slot_holder = holder
                    old = f.start
                    moved = _reslot(planner, f, holder, calendar)
                    if moved:
                        audit.record(
                            session,
                            now=now,
                            actor=actor,
                            action="followup.reslot",
                            entity="followup",
                            entity_id=f.id or 0,
                            employee_number=f.employee_number,
                            details=f"nieuwe leidinggevende {holder}: "
                            f"{old:%Y-%m-%d %H:%M} -> {f.start:%Y-%m-%d %H:%M}",
                        )
            if f.sequence >= 0 or moved:
                touch(f, today=today, now=now)
                session.add(f)
                changed.append(f)
    return changed


def _reslot(planner: Planner, f: FollowUp, holder: str | None, calendar: WorkCalendar) -> bool:
    """Move `f` to a free slot of its people if it collides; the invite day keeps its lead time
    and the escalation day its number of working days after the conversation."""
    old_due = f.due_on
    people = (f.employee_number,) + ((holder,) if holder else ())
    if not planner.place_followup(f, people):
        return False
    if f.due_on != old_due:
        f.invite_on += f.due_on - old_due
        if f.escalate_on is not None:
            late = calendar.workdays_between(old_due, f.escalate_on)
            f.escalate_on = calendar.add_workdays(f.due_on, late)
    return True


def cancel_after_leaving(
    session: Session, employee: Employee, *, actor: str, today: date, now: datetime
) -> list[FollowUp]:
    """An employee who leaves has no conversations on or after the day they left."""
    assert employee.left_on is not None
    changed = []
    for f in open_followups(session, employee.personnel_number):
        if f.due_on >= employee.left_on:
            close(f, CANCELLED, actor=actor, today=today, now=now)
            session.add(f)
            changed.append(f)
    return changed


def replan_incident(
    session: Session,
    incident_id: int,
    *,
    occurred_on: date,
    actor: str,
    today: date,
    now: datetime,
    plan_for: Callable[[str | None], Plan],
    calendar: WorkCalendar,
    policy: SlotPolicy = DEFAULT_POLICY,
) -> list[FollowUp]:
    """A corrected incident date: the check-ins not yet held are planned again with the rules
    of registration (as if registered today, each in a free slot of its holder and employee);
    held and called-off ones stay as they are."""
    incident = session.get(Incident, incident_id) if 0 < incident_id < 2**31 else None
    if incident is None:
        raise NotFoundError(f"onbekend incident {incident_id}; zie 'nazorg incident list'")
    if occurred_on > today:
        raise ValidationError(
            f"incidentdatum {occurred_on.isoformat()} ligt in de toekomst "
            f"(vandaag is {today.isoformat()})"
        )
    actor = clean_line(actor, "--by", 200)
    plan = plan_for(incident.kind)
    old = incident.occurred_on
    incident.occurred_on = occurred_on
    session.add(incident)
    wanted = {c.kind: c for c in plan_checkins(occurred_on, today, plan, calendar)}
    changed: list[FollowUp] = []
    planner = Planner(session, today, calendar, policy)
    for f in session.exec(
        select(FollowUp).where(FollowUp.incident_id == incident_id).order_by(col(FollowUp.id))
    ).all():
        checkin = wanted.get(f.kind)
        if checkin is None or f.status not in (PLANNED, SKIPPED):
            continue
        f.due_on = checkin.due
        f.start_local = checkin.start.replace(tzinfo=None)
        f.end_local = checkin.end.replace(tzinfo=None)
        f.status = checkin.status
        f.late_registration = checkin.late_registration
        if checkin.status == PLANNED:
            employee = session.get(Employee, f.employee_number)
            assert employee is not None
            f.slot_holder = holder_number(session, employee, f.kind, checkin.due)
            people = (f.employee_number,) + ((f.slot_holder,) if f.slot_holder else ())
            slot = planner.place(
                people,
                checkin.due,
                plan.duration,
                preferred=plan.meeting_time,
                label=f"{f.employee_number} {f.kind}",
                followup_id=f.id,
            )
            set_times(f, slot)
        f.invite_on = invite_date(f.due_on, plan)
        f.escalate_on = (
            escalation_date(f.due_on, plan, calendar) if checkin.status == PLANNED else None
        )
        touch(f, today=today, now=now)
        session.add(f)
        changed.append(f)
    audit.record(
        session,
        now=now,
        actor=actor,
        action="incident.update",
        entity="incident",
        entity_id=incident_id,
        details=f"datum {old.isoformat()} -> {occurred_on.isoformat()}; "
        f"{len(changed)} gesprek(ken) opnieuw gepland",
    )
    return changed


@dataclass(frozen=True)
class Pending:
    """What the next run will send for one follow-up (or from when it will)."""

    followup_id: int
    method: str | None  # REQUEST, CANCEL; None = nothing now
    sequence: int | None
    recipients: tuple[str, ...]
    send_on: date | None  # for a conversation not yet due: the day its invite goes out

    def as_json(self) -> dict[str, object]:
        return {
            "followup_id": self.followup_id,
            "method": self.method,
            "sequence": self.sequence,
            "recipients": list(self.recipients),
            "send_on": self.send_on.isoformat() if self.send_on else None,
        }


def preview(
    session: Session,
    followups: Sequence[FollowUp],
    *,
    today: date,
    now: datetime,
    settings: Settings,
) -> list[Pending]:
    """What the next daily run will send for these follow-ups, computed by the run's own rule."""
    result: list[Pending] = []
    for f in followups:
        assert f.id is not None
        if f.emit_on is None:
            continue
        if f.emit_on > today:
            result.append(Pending(f.id, None, None, (), f.emit_on))
            continue
        session.flush()
        last = last_version(session, f.id)
        for v in desired_versions(session, f, last, today=today, now=now, settings=settings):
            result.append(
                Pending(f.id, v.method, v.sequence, tuple(p.email for p in v.attendees), None)
            )
    return result
