"""Reading the answers to our invites (issue 13): `nazorg replies`, the daily run's step and the
15-minute job under `nazorg serve`.

Rules:
- Every message in the reply folder that is not yet processed is read (nazorg.delivery.mailbox);
  its REPLY and COUNTER items are found by nazorg.core.itip (every MIME part, bounded, never
  raises) and judged by nazorg.core.itip_judge against the version last sent for that UID.
- Recorded: a REPLY from an invitee of the current version whose mail comes from that invitee
  (an `AttendeeReply`), and a valid COUNTER (also a `CounterProposal` for staff). Ignored with a
  log line each, changing nothing: an unknown UID, a conversation that is closed or was never
  sent, a stale SEQUENCE or DTSTAMP, a SEQUENCE never sent, an attendee not invited, a sender
  that is not the attendee, an invalid proposal, a malformed calendar or mail. A sender that is
  not the attendee is also kept "to review" for staff (an audit event, once per message and
  attendee, see nazorg.services.reply_state), still changing nothing.
- Idempotent: one transaction per message; the same message (Message-ID, else a digest of its
  bytes) and attendee is recorded once (a unique key), and the message is moved or flagged only
  after its transaction committed.
- Each recorded answer is audited with the acting user (`system` for the run and the scheduler).
- A mailbox that cannot be reached is reported in the result, never raised out of the run.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from nazorg.core.clock import AMSTERDAM
from nazorg.core.itip import ItipItem, parse_message, shown
from nazorg.core.itip_judge import KnownVersion, Verdict, judge
from nazorg.core.planning import PLANNED
from nazorg.core.slots import Slot
from nazorg.core.workdays import WorkCalendar
from nazorg.emission.reconcile import last_version
from nazorg.services import agenda, audit
from nazorg.services.agenda import Filters
from nazorg.services.reply_state import TO_REVIEW
from nazorg.store.engine import transaction
from nazorg.store.locks import lock_for_replies
from nazorg.store.models import AttendeeReply, AuditEvent, CounterProposal, Employee, FollowUp

if TYPE_CHECKING:
    from nazorg.settings import Settings

log = logging.getLogger("nazorg.replies")
SYSTEM = "system"


@dataclass
class RepliesReport:
    """What one reading did: counts and one line per item or problem."""

    messages: int = 0
    recorded: int = 0
    proposals: int = 0
    ignored: int = 0
    error: str | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)

    def add(self, outcome: str, text: str, message: str | None = None, **extra: Any) -> None:
        line = {"outcome": outcome, "message": message, "text": shown(text, 300), **extra}
        self.lines.append(line)
        (log.info if outcome in ("record", "counter") else log.warning)(
            "%s: %s (%s)", outcome, line["text"], message or "-"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "recorded": self.recorded,
            "proposals": self.proposals,
            "ignored": self.ignored,
            "error": self.error,
            "lines": self.lines,
        }


def message_key(message_id: str | None, raw: bytes) -> str:
    """The message's identity for the unique key: its Message-ID, else a digest of its bytes."""
    if message_id:
        text = message_id.strip().strip("<>").strip()
        if 0 < len(text) <= 190 and text.isprintable():
            return text
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def judging_moment(now: datetime, today: date | None) -> datetime:
    """The moment a proposal must lie after: `now`, or the start of `today` (Amsterdam) when the
    caller's day is not the clock's (NAZORG_TODAY), as for a reschedule."""
    if today is None or now.astimezone(AMSTERDAM).date() == today:
        return now
    return datetime.combine(today, time(0), AMSTERDAM)


def process_message(
    session: Session,
    raw: bytes,
    report: RepliesReport,
    *,
    now: datetime,
    actor: str,
    calendar: WorkCalendar,
    today: date | None = None,
) -> None:
    """Record what one mail holds (module docstring); writes only through `session`. A proposal
    is judged against `judging_moment(now, today)`."""
    parsed = parse_message(raw)
    key = message_key(parsed.message_id, raw)
    if parsed.items:
        lock_for_replies(session)
    if not parsed.items:
        report.ignored += 1
    for problem in parsed.problems:  # a log line each, also beside the items that were read
        report.add("malformed", problem, key)
    for item in parsed.items:
        _process_item(
            session,
            item,
            key,
            report,
            now=now,
            actor=actor,
            calendar=calendar,
            moment=judging_moment(now, today),
        )


def _known(session: Session, followup: FollowUp, item: ItipItem) -> KnownVersion | None:
    """What the version last sent says about its invitees; None when nothing is out."""
    assert followup.id is not None
    last = last_version(session, followup.id)
    if last is None or last.method != "REQUEST":
        return None
    recorded = dict(
        session.exec(
            select(AttendeeReply.attendee, func.max(AttendeeReply.dtstamp))
            .where(AttendeeReply.followup_id == followup.id)
            .where(AttendeeReply.sequence == last.sequence)
            .where(AttendeeReply.method == "REPLY")
            .group_by(col(AttendeeReply.attendee))
        ).all()
    )
    invited = {p.email.lower() for p in last.attendees}
    employee = last.employee.email if last.employee.email.lower() in invited else None
    return KnownVersion(
        uid=followup.uid,
        sequence=last.sequence,
        leader=last.leader.email,
        employee=employee,
        attendees=frozenset(invited),
        length=followup.end - followup.start,
        recorded=recorded,
    )


def _taken(session: Session, followup: FollowUp, day: date) -> list[Slot]:
    """The holder's open conversations on `day` (labelled with their UID)."""
    employee = session.get(Employee, followup.employee_number)
    assert employee is not None
    holder = agenda.holder_of(session, followup, employee)
    if holder is None:
        return []
    items = agenda.find(session, Filters(start=day, end=day, holder=holder.personnel_number))
    return [Slot(i.followup.start, i.followup.end, i.followup.uid) for i in items]


def _process_item(
    session: Session,
    item: ItipItem,
    key: str,
    report: RepliesReport,
    *,
    now: datetime,
    actor: str,
    calendar: WorkCalendar,
    moment: datetime,
) -> None:
    if not (item.uid.isprintable() and item.attendee.isprintable()):
        # A control character (NUL among them, which PostgreSQL refuses) is no UID we sent.
        report.ignored += 1
        report.add("malformed", f"UID of ATTENDEE met stuurtekens: {shown(item.uid)}", key)
        return
    followup = session.exec(select(FollowUp).where(FollowUp.uid == item.uid)).first()
    if followup is None or followup.id is None:
        report.ignored += 1
        report.add("unknown_uid", f"onbekende UID {shown(item.uid)}: geen nazorggesprek", key)
        return
    where = {"followup_id": followup.id}
    if followup.status != PLANNED:
        report.ignored += 1
        report.add("closed", f"gesprek {followup.id} is niet meer open", key, **where)
        return
    known = _known(session, followup, item)
    if known is None:
        report.ignored += 1
        report.add(
            "not_sent", f"voor gesprek {followup.id} staat geen uitnodiging uit", key, **where
        )
        return
    done = session.exec(
        select(AttendeeReply.id)
        .where(AttendeeReply.message_key == key)
        .where(AttendeeReply.attendee == item.attendee)
    ).first()
    if done is not None:
        report.ignored += 1
        report.add("duplicate", f"bericht al verwerkt voor {item.attendee}", key, **where)
        return
    taken = _taken(session, followup, item.start.date()) if item.start is not None else []
    verdict = judge(item, known, now=moment, calendar=calendar, taken=taken)
    if verdict.kind not in ("record", "counter"):
        report.ignored += 1
        report.add(verdict.kind, verdict.reason, key, **where)
        if verdict.kind == "unverified_sender":
            _keep_for_review(session, followup, item, verdict.reason, key, now=now, actor=actor)
        return
    _record(session, followup, item, verdict, key, now=now, actor=actor)
    report.recorded += 1
    if verdict.kind == "counter":
        report.proposals += 1
    report.add(verdict.kind, verdict.reason, key, **where)


def _keep_for_review(
    session: Session,
    followup: FollowUp,
    item: ItipItem,
    reason: str,
    key: str,
    *,
    now: datetime,
    actor: str,
) -> None:
    """Record an answer from a sender who is not the invitee as "to review" (an audit event that
    nothing acts on), once per message and attendee."""
    answer = item.partstat if item.method == "REPLY" else "ander tijdstip voorgesteld"
    details = shown(f"{item.method} {answer or '?'}: {reason} [bericht {key}]", 1000)
    seen = session.exec(
        select(AuditEvent.id)
        .where(AuditEvent.action == TO_REVIEW)
        .where(AuditEvent.entity == "followup")
        .where(AuditEvent.entity_id == str(followup.id))
        .where(AuditEvent.details == details)
    ).first()
    if seen is not None:
        return
    audit.record(
        session,
        now=now,
        actor=actor,
        action=TO_REVIEW,
        entity="followup",
        entity_id=followup.id or 0,
        employee_number=followup.employee_number,
        details=details,
    )


def _record(
    session: Session,
    followup: FollowUp,
    item: ItipItem,
    verdict: Verdict,
    key: str,
    *,
    now: datetime,
    actor: str,
) -> None:
    assert followup.id is not None
    reply = AttendeeReply(
        followup_id=followup.id,
        message_key=key,
        attendee=item.attendee,
        role=verdict.role or "other",
        method=item.method,
        partstat=item.partstat,
        sequence=item.sequence,
        dtstamp=item.dtstamp,
        for_start=followup.start,
        comment=shown(item.comment, 500) if item.comment else None,
        recorded_at=now,
        recorded_by=actor,
    )
    session.add(reply)
    session.flush()
    assert reply.id is not None
    action = "followup.reply"
    if verdict.kind == "counter":
        assert verdict.start is not None and verdict.end is not None
        session.add(
            CounterProposal(
                followup_id=followup.id,
                reply_id=reply.id,
                attendee=item.attendee,
                sequence=item.sequence,
                start=verdict.start,
                end=verdict.end,
            )
        )
        action = "followup.counter"
    audit.record(
        session,
        now=now,
        actor=actor,
        action=action,
        entity="followup",
        entity_id=followup.id,
        employee_number=followup.employee_number,
        details=verdict.reason,
    )


def _process_safely(
    engine: Engine,
    raw: bytes,
    report: RepliesReport,
    clock: Callable[[], datetime],
    actor: str,
    calendar: WorkCalendar,
    uid: str,
    today: date | None,
) -> bool:
    """One message in its own transaction; an unexpected error rolls it back and is reported
    (the message stays unprocessed) instead of stopping the reading."""
    try:
        with transaction(engine) as session:
            process_message(
                session, raw, report, now=clock(), actor=actor, calendar=calendar, today=today
            )
    except Exception as exc:
        report.ignored += 1
        report.add("error", f"{type(exc).__name__}: {exc}", uid)
        return False
    return True


def read_mailbox(
    engine: Engine,
    *,
    settings: Settings,
    clock: Callable[[], datetime],
    actor: str = SYSTEM,
    calendar: WorkCalendar | None = None,
    today: date | None = None,
) -> RepliesReport:
    """Read the reply folder once (module docstring). Never raises for the mailbox: a failure
    is in `error`. ConfigError only when no mailbox is configured (the command says so)."""
    from nazorg.core.errors import ConfigError, NazorgError
    from nazorg.delivery.base import DeliveryError
    from nazorg.delivery.mailbox import MailboxReader

    config = settings.replies
    if config is None:
        raise ConfigError(
            "geen antwoordenmap ingesteld; zet [replies] (host, username, folder) in de "
            "configuratie (zie README, 'Antwoorden')"
        )
    report = RepliesReport()
    calendar = calendar or WorkCalendar()
    reader: MailboxReader | None = None
    try:
        reader = MailboxReader(config, config.password_value())
        reader.open()
        for uid in reader.unprocessed():
            raw = reader.fetch(uid)
            report.messages += 1
            if raw is None:
                report.ignored += 1
                report.add("malformed", "bericht te groot of niet op te halen", uid)
            elif not _process_safely(engine, raw, report, clock, actor, calendar, uid, today):
                continue  # left unmarked: read again next time, recorded at most once
            reader.done(uid)
    except (DeliveryError, NazorgError) as exc:
        report.error = str(exc)
        log.error("antwoorden lezen mislukt: %s", exc)
    finally:
        if reader is not None:
            reader.close()
    return report
