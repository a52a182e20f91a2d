"""DECLINECOUNTER (RFC 5546 §3.2.8): the answer to a rejected proposal of a new time, written to
the outbox exactly once.

Rules:
- The file: METHOD:DECLINECOUNTER; one VEVENT with the conversation's UID, the SEQUENCE the
  proposal was made against (echoed, as the RFC asks), DTSTAMP (UTC, when staff rejected it),
  ORGANIZER (the aftercare mailbox), the one ATTENDEE who proposed, and a COMMENT in the
  configured language. No DTSTART, no description: nothing about the incident.
- The mail: from the aftercare mailbox to the proposer, a short text and the calendar as a
  `text/calendar; method=DECLINECOUNTER` part (upper case, equal to the file's METHOD).
- Bytes are a pure function of the payload (deterministic Message-ID and Date), so a run that
  dies between writing and marking writes the same bytes again.
- Exactly once: a rejected proposal holds its payload; the writer writes every rejected,
  unwritten proposal and marks it written with an optimistic update (`written_at IS NULL`).
- Delivered like every other written version: in the transaction that marks the proposal
  written, an `Emission` (purpose `declinecounter`, already written, pointing at the same files)
  is recorded under the emission lock, so the delivery step hands it to each target once (SMTP:
  to the proposer; IMAP: the aftercare mailbox's drafts folder; never to CalDAV). Its
  `sequence` is the proposal's id, unique per conversation as the emission key requires (two
  proposals against one version can both be rejected); the SEQUENCE the file echoes is in the
  payload.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from nazorg.core.clock import AMSTERDAM
from nazorg.core.payload import Person
from nazorg.emission.render.invite import PRODID, _address, escape_text, fold, utc_stamp
from nazorg.emission.write import Emitted
from nazorg.store.engine import transaction
from nazorg.store.locks import lock_for_emission
from nazorg.store.models import CounterProposal, Emission
from nazorg.store.models.replies import REJECTED

METHOD = "DECLINECOUNTER"
PURPOSE = "declinecounter"
COMMENTS = {
    "nl": "Het voorgestelde tijdstip is niet overgenomen; de afspraak blijft zoals hij was.",
    "en": "The proposed time was not accepted; the meeting stays as it was.",
}
BODIES = {
    "nl": "Dank voor uw voorstel voor een ander tijdstip. Het is niet overgenomen: de afspraak "
    "blijft staan zoals hij in uw agenda staat. Neem contact op met het nazorgteam als dat "
    "tijdstip echt niet kan.\n",
    "en": "Thank you for proposing another time. It was not accepted: the meeting stays as it "
    "is in your calendar. Please contact the aftercare team if that time really does not work.\n",
}
SUBJECTS = {"nl": "Tijdvoorstel niet overgenomen", "en": "Proposed time not accepted"}


@dataclass(frozen=True)
class DeclineCounter:
    """Everything the DECLINECOUNTER's .ics and .eml are made from."""

    followup_id: int
    kind: str
    uid: str
    sequence: int
    dtstamp: datetime
    organizer: Person
    attendee: Person
    language: str
    message_id: str

    def to_json(self) -> str:
        data = asdict(self)
        data["dtstamp"] = self.dtstamp.isoformat()
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> DeclineCounter:
        data = json.loads(text)
        data["dtstamp"] = datetime.fromisoformat(data["dtstamp"])
        data["organizer"] = Person(**data["organizer"])
        data["attendee"] = Person(**data["attendee"])
        return cls(**data)


def render_ics(item: DeclineCounter) -> bytes:
    """The DECLINECOUNTER calendar (module docstring), CRLF and folded."""
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        f"METHOD:{METHOD}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(item.uid)}",
        f"SEQUENCE:{item.sequence}",
        f"DTSTAMP:{utc_stamp(item.dtstamp)}",
        _address("ORGANIZER", item.organizer),
        _address("ATTENDEE", item.attendee, ("ROLE=REQ-PARTICIPANT",)),
        f"COMMENT:{escape_text(COMMENTS.get(item.language, COMMENTS['nl']))}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


def render_eml(item: DeclineCounter, ics: bytes) -> bytes:
    """The mail carrying the DECLINECOUNTER to the proposer (module docstring)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = f"{item.organizer.name} <{item.organizer.email}>"
    message["To"] = item.attendee.email
    message["Subject"] = SUBJECTS.get(item.language, SUBJECTS["nl"])
    message["Date"] = format_datetime(item.dtstamp)
    message["Message-ID"] = f"<{item.message_id}>"
    message.set_content(BODIES.get(item.language, BODIES["nl"]))
    message.add_alternative(
        ics.decode("utf-8"),
        subtype="calendar",
        params={"method": METHOD},
        cte="quoted-printable",
    )
    return message.as_bytes()


def file_stem(item: DeclineCounter, proposal_id: int) -> str:
    return (
        f"{item.dtstamp.date().isoformat()}/nazorg-{item.followup_id}-{item.kind}-"
        f"{item.sequence:03d}-declinecounter-{proposal_id}"
    )


def write_declinecounters(
    engine: Engine,
    *,
    outbox: Path,
    now: datetime,
    today: date | None = None,
    run_id: int | None = None,
) -> list[Emitted]:
    """Write every rejected, unwritten proposal's DECLINECOUNTER; returns the ones this process
    marked written (exactly once: files first, then an optimistic update that also records the
    written version for delivery, see the module docstring)."""
    decided_on = today or now.astimezone(AMSTERDAM).date()
    from nazorg.emission.outbox import write_atomic

    with Session(engine, expire_on_commit=False) as session:
        pending = list(
            session.exec(
                select(CounterProposal)
                .where(CounterProposal.state == REJECTED)
                .where(col(CounterProposal.written_at).is_(None))
                .where(col(CounterProposal.payload).is_not(None))
                .order_by(col(CounterProposal.id))
            ).all()
        )
    written: list[Emitted] = []
    for proposal in pending:
        assert proposal.payload is not None and proposal.id is not None
        item = DeclineCounter.from_json(proposal.payload)
        ics = render_ics(item)
        stem = outbox / file_stem(item, proposal.id)
        ics_path = stem.with_name(stem.name + ".ics")
        eml_path = stem.with_name(stem.name + ".eml")
        write_atomic(ics_path, ics)
        write_atomic(eml_path, render_eml(item, ics))
        with transaction(engine) as session:
            lock_for_emission(session)  # delivery reads new emissions in the order of their ids
            result = session.execute(
                update(CounterProposal)
                .where(col(CounterProposal.id) == proposal.id)
                .where(col(CounterProposal.written_at).is_(None))
                .values(written_at=now, ics_path=str(ics_path), eml_path=str(eml_path))
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                session.add(
                    Emission(
                        followup_id=item.followup_id,
                        purpose=PURPOSE,
                        sequence=proposal.id,
                        method=METHOD,
                        decided_on=decided_on,
                        decided_at=proposal.decided_at or now,
                        payload=proposal.payload,
                        ics_path=str(ics_path),
                        eml_path=str(eml_path),
                        written_at=now,
                        run_id=run_id,
                    )
                )
                written.append(
                    Emitted(
                        item.followup_id,
                        item.kind,
                        METHOD,
                        item.uid,
                        item.sequence,
                        (item.attendee.email,),
                        str(ics_path),
                        str(eml_path),
                    )
                )
    return written
