"""One version of one calendar item, frozen at the moment it was decided.

The daily run decides a version (method, sequence, attendees, times, DTSTAMP) in the database and
stores this snapshot as JSON. Files are rendered from the snapshot alone, never from the live
database, so that a version renders to the same bytes however often and however late it is written
(a run killed between deciding and writing simply writes it next time).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class InviteVersion:
    """Everything needed to render one .ics and one .eml for one version of a conversation."""

    uid: str  # stable for the life of the conversation
    sequence: int  # 0 for the first version, strictly rising
    method: Method
    dtstamp: datetime  # aware UTC: when this version was decided
    start: datetime  # aware, in `tzid`
    end: datetime  # aware, in `tzid`
    tzid: str  # "Europe/Amsterdam"
    organizer: Person  # the aftercare mailbox
    leader: Person  # who holds the conversation
    employee: Person  # who is spoken with
    attendees: tuple[Person, ...]  # the people this version is addressed to
    kind: str  # checkin_1m, checkin_3m, checkin_6m, ...
    language: str  # "nl" or "en"
    message_id: str  # RFC 5322 Message-ID without angle brackets
    agenda_points: tuple[str, ...] = field(default=())  # extra, non-sensitive agenda points
    link: str | None = None  # the conversation's web page ({web_url}/gesprekken/{id}), if any

    def to_json(self) -> str:
        """Serialise deterministically (sorted keys, ISO instants) for storage; without a link,
        the payload is what it was before links existed."""
        data: dict[str, Any] = asdict(self)
        for key in ("dtstamp", "start", "end"):
            data[key] = getattr(self, key).isoformat()
        if data["link"] is None:
            del data["link"]
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> InviteVersion:
        data = json.loads(text)
        tz = ZoneInfo(data["tzid"])
        return cls(
            uid=data["uid"],
            sequence=data["sequence"],
            method=data["method"],
            dtstamp=datetime.fromisoformat(data["dtstamp"]),
            start=datetime.fromisoformat(data["start"]).astimezone(tz),
            end=datetime.fromisoformat(data["end"]).astimezone(tz),
            tzid=data["tzid"],
            organizer=Person(**data["organizer"]),
            leader=Person(**data["leader"]),
            employee=Person(**data["employee"]),
            attendees=tuple(Person(**p) for p in data["attendees"]),
            kind=data["kind"],
            language=data["language"],
            message_id=data["message_id"],
            agenda_points=tuple(data.get("agenda_points", ())),
            link=data.get("link"),
        )


@dataclass(frozen=True)
class EscalationNotice:
    """An overdue conversation, reported once to the teamchef and the aftercare mailbox.

    Draft only (no invite), and like every draft without any incident detail: who, with whom,
    which conversation, when it was planned and how many working days late it is.
    """

    followup_id: int
    uid: str  # the conversation's UID, for reference
    dtstamp: datetime  # aware UTC: when the escalation was decided (the Date header)
    start: datetime  # aware: when the conversation was planned
    tzid: str
    organizer: Person  # From: the aftercare mailbox
    recipients: tuple[Person, ...]  # To: the teamchef (if any) and the aftercare mailbox
    employee: Person
    leader: Person | None
    kind: str
    workdays_late: int
    language: str
    message_id: str

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        for key in ("dtstamp", "start"):
            data[key] = getattr(self, key).isoformat()
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> EscalationNotice:
        data = json.loads(text)
        return cls(
            followup_id=data["followup_id"],
            uid=data["uid"],
            dtstamp=datetime.fromisoformat(data["dtstamp"]),
            start=datetime.fromisoformat(data["start"]).astimezone(ZoneInfo(data["tzid"])),
            tzid=data["tzid"],
            organizer=Person(**data["organizer"]),
            recipients=tuple(Person(**p) for p in data["recipients"]),
            employee=Person(**data["employee"]),
            leader=Person(**data["leader"]) if data["leader"] else None,
            kind=data["kind"],
            workdays_late=data["workdays_late"],
            language=data["language"],
            message_id=data["message_id"],
        )
