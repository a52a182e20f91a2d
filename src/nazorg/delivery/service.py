"""The delivery step: for each configured target, make rows for the newly written versions and
deliver every row that is due.

Rules:

- Targets are independent: each has its own rows, connection and failures; one that is down, or
  refuses the login, or whose password file is unsafe, fails its own rows only.
- A row is claimed before the network call and marked after it (state.py), so two processes
  never deliver the same attempt, and a run that dies mid-delivery leaves the row for a later
  run, which then checks before delivering again where the protocol allows it: CalDAV writes the
  same resource (idempotent), IMAP searches the folder for the Message-ID. SMTP cannot check: the
  window in which a message can go out twice is the moment between the server accepting it and
  nazorg recording that (see smtp.py).
- CalDAV keeps only the newest version: a waiting older version of a resource that has a newer
  one is retired (`superseded`) without a request.
- When the server cannot be used at all (down, TLS, login refused) or three attempts in a row
  fail, the rest of this target's due rows are marked failed without trying, each with the
  reason, so `nazorg status` shows what waits and why, and the backoff applies to all of them.
- Nothing here raises for a failing server: failures are recorded and reported. Emission has
  already finished, so it is never blocked or undone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from nazorg.core.errors import NazorgError
from nazorg.core.payload import EscalationNotice, InviteVersion
from nazorg.core.progress import Progress, tick
from nazorg.delivery import state
from nazorg.delivery.base import Client, DeliveryError, Item, scrub
from nazorg.emission.declinecounter import METHOD as DECLINECOUNTER_METHOD
from nazorg.emission.declinecounter import PURPOSE as DECLINECOUNTER
from nazorg.emission.declinecounter import DeclineCounter
from nazorg.emission.render.renderer import Renderer
from nazorg.settings.delivery import OWNER, CaldavTarget, ImapTarget, Login, SmtpTarget
from nazorg.store.models import Emission
from nazorg.store.models.delivery import Delivery

if TYPE_CHECKING:
    from nazorg.settings import Settings

MAX_FAILURES_IN_A_ROW = 3


@dataclass
class TargetReport:
    name: str
    new: int = 0
    delivered: int = 0
    failed: int = 0
    superseded: int = 0
    error: str | None = None  # why the target could not be used, if it could not
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "delivered": self.delivered,
            "failed": self.failed,
            "superseded": self.superseded,
            "error": self.error,
            "failures": self.failures,
        }


@dataclass
class DeliveryReport:
    targets: dict[str, TargetReport] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(t.failed for t in self.targets.values()) + sum(
            1 for t in self.targets.values() if t.error and not t.failed
        )

    def as_json(self) -> dict[str, Any]:
        return {"targets": {name: t.as_json() for name, t in self.targets.items()}}


# --- where a version goes -----------------------------------------------------------------------


Version = InviteVersion | EscalationNotice | DeclineCounter


def _version(emission: Emission) -> Version:
    if emission.purpose == "escalation":
        return EscalationNotice.from_json(emission.payload)
    if emission.purpose == DECLINECOUNTER:
        return DeclineCounter.from_json(emission.payload)
    return InviteVersion.from_json(emission.payload)


def _owner(version: Version) -> str:
    """Whose mailbox or calendar the item belongs in: the leader who holds the conversation; for
    an escalation draft or a DECLINECOUNTER the aftercare mailbox that sends it."""
    if isinstance(version, EscalationNotice | DeclineCounter):
        return version.organizer.email
    return version.leader.email


def destination(name: str, config: Login, emission: Emission) -> str:
    """The folder, recipients or resource URL of `emission` at target `name`."""
    version = _version(emission)
    if isinstance(config, ImapTarget):
        return config.folder.replace(OWNER, _owner(version))
    if isinstance(config, SmtpTarget):
        if isinstance(version, DeclineCounter):
            return version.attendee.email
        assert isinstance(version, InviteVersion)
        return ", ".join(p.email for p in version.attendees)
    assert isinstance(config, CaldavTarget) and isinstance(version, InviteVersion)
    from nazorg.delivery.caldav import resource_url

    return resource_url(config.url, _owner(version), version.uid)


def make_client(name: str, config: Login, password: str | None) -> Client:
    if isinstance(config, ImapTarget):
        from nazorg.delivery.imap import ImapClient

        return ImapClient(config, password)
    if isinstance(config, SmtpTarget):
        from nazorg.delivery.smtp import SmtpClient

        return SmtpClient(config, password)
    assert isinstance(config, CaldavTarget), name
    from nazorg.delivery.caldav import CaldavClient

    return CaldavClient(config, password)


def _read(path: str | None, what: str) -> bytes:
    if not path:
        raise DeliveryError(f"de versie heeft geen {what}-bestand", permanent=True)
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise DeliveryError(
            f"{what}-bestand {path} niet leesbaar ({exc.strerror}); de outbox is de bron: "
            "zet het bestand terug en voer 'nazorg deliver --retry' uit",
            permanent=isinstance(exc, FileNotFoundError),
        ) from None


def load_item(
    engine: Engine, row: Delivery, name: str, config: Login, renderer: Renderer | None = None
) -> Item:
    """The item for a claimed row: the outbox files, the version's addresses, and where it goes
    under the current settings (so that correcting a setting also corrects the retries). With a
    `renderer` (SMTP), an invite also gets the message to send directly, around the same .ics."""
    with Session(engine) as session:
        emission = session.get(Emission, row.emission_id)
    if emission is None:  # pragma: no cover - the row is deleted with its emission (cascade)
        raise DeliveryError("de versie bestaat niet meer", permanent=True)
    version = _version(emission)
    where = destination(name, config, emission)
    eml = _read(emission.eml_path, ".eml")
    if isinstance(version, EscalationNotice):
        return Item(
            delivery_id=row.id or 0,
            method="ESCALATION",
            uid=version.uid,
            sequence=emission.sequence,
            message_id=version.message_id,
            dtstamp=version.dtstamp,
            sender=version.organizer.email,
            recipients=tuple(p.email for p in version.recipients),
            destination=where,
            eml=eml,
            ics=None,
            first_attempt=row.attempts <= 1,
        )
    if isinstance(version, DeclineCounter):
        return Item(
            delivery_id=row.id or 0,
            method=DECLINECOUNTER_METHOD,
            uid=version.uid,
            sequence=version.sequence,
            message_id=version.message_id,
            dtstamp=version.dtstamp,
            sender=version.organizer.email,
            recipients=(version.attendee.email,),
            destination=where,
            eml=eml,
            ics=_read(emission.ics_path, ".ics"),
            first_attempt=row.attempts <= 1,
        )
    ics = _read(emission.ics_path, ".ics")
    return Item(
        delivery_id=row.id or 0,
        method=version.method,
        uid=version.uid,
        sequence=version.sequence,
        message_id=version.message_id,
        dtstamp=version.dtstamp,
        sender=version.organizer.email,
        recipients=tuple(p.email for p in version.attendees),
        destination=where,
        eml=eml,
        ics=ics,
        first_attempt=row.attempts <= 1,
        message=renderer.render_message(version, ics) if renderer is not None else None,
    )


def _destination_of(engine: Engine, emission_id: int, name: str, config: Login) -> str | None:
    with Session(engine) as session:
        emission = session.get(Emission, emission_id)
    return destination(name, config, emission) if emission is not None else None


def superseded(engine: Engine, row: Delivery, name: str, config: Login) -> bool:
    """Whether a newer version of the same conversation goes to the same calendar resource
    (under the current settings), which makes this one pointless to send."""
    newer = state.newer_versions(engine, row)
    if not newer:
        return False
    mine = _destination_of(engine, row.emission_id, name, config)
    return any(_destination_of(engine, other, name, config) == mine for other in newer)


# --- the step ------------------------------------------------------------------------------------


def deliver(
    engine: Engine,
    *,
    settings: Settings,
    today: date,
    clock: Callable[[], datetime],
    retry: bool = False,
    progress: Progress | None = None,
) -> DeliveryReport:
    """Deliver what is due to every configured target (`retry`: failed rows too, now).
    `progress(done, total)` hears the rows handled of those due (over all targets)."""
    report = DeliveryReport()
    counter = _Counter(progress)
    for name, config in settings.delivery.targets.items():
        target = TargetReport(name)
        report.targets[name] = target
        try:
            _deliver_target(
                engine,
                name,
                config,
                target,
                today=today,
                clock=clock,
                retry=retry,
                count=counter,
                renderer=Renderer(settings) if isinstance(config, SmtpTarget) else None,
            )
        except Exception as exc:  # a database problem or a bug: this target only, and reported
            target.error = (
                str(exc) if isinstance(exc, NazorgError) else f"{type(exc).__name__}: {exc}"
            )[: state.MAX_ERROR]
    return report


class _Counter:
    """The progress of `deliver` over all targets: each target's due rows join the total when
    its turn comes; every row looked at counts as done."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done = 0
        self.total = 0

    def expect(self, engine: Engine, name: str, *, now: datetime, retry: bool) -> None:
        if self.progress is not None:
            self.total += state.count_due(engine, name, now=now, retry=retry)
            tick(self.progress, self.done, max(self.total, self.done))

    def one(self) -> None:
        self.done += 1
        tick(self.progress, self.done, max(self.total, self.done))


def _deliver_target(
    engine: Engine,
    name: str,
    config: Login,
    report: TargetReport,
    *,
    today: date,
    clock: Callable[[], datetime],
    retry: bool,
    count: _Counter | None = None,
    renderer: Renderer | None = None,
) -> None:
    report.new = state.enqueue(
        engine, name, lambda e: destination(name, config, e), today=today, now=clock()
    )
    if count is not None:
        count.expect(engine, name, now=clock(), retry=retry)
    blocked: str | None = None
    password: str | None = None
    client: Client | None = None
    try:
        password = config.secret(name)
        client = make_client(name, config, password)
    except NazorgError as exc:
        blocked = report.error = str(exc)
    secrets = (password,)
    in_a_row = 0
    after = 0
    try:
        while rows := state.due(engine, name, now=clock(), retry=retry, after_id=after):
            for row in rows:
                assert row.id is not None
                after = row.id
                if count is not None:
                    count.one()
                if name == "caldav" and superseded(engine, row, name, config):
                    if state.supersede(engine, row):
                        report.superseded += 1
                    continue
                if not state.claim(engine, row, now=clock()):
                    continue  # another process has it
                if blocked is not None or client is None:
                    _failed(engine, row, report, f"niet geprobeerd: {blocked}", clock)
                    continue
                try:
                    item = load_item(engine, row, name, config, renderer)
                    row.destination = item.destination[:1000]
                    outcome = client.deliver(item)
                except DeliveryError as exc:
                    message = scrub(str(exc), secrets)
                    _failed(engine, row, report, message, clock, permanent=exc.permanent)
                    if exc.connection:
                        blocked = report.error = message
                    elif not exc.permanent:
                        in_a_row += 1
                except NazorgError as exc:  # a setting found wrong on use (ca_file)
                    message = scrub(str(exc), secrets)
                    _failed(engine, row, report, message, clock)
                    blocked = report.error = message
                except Exception as exc:  # an unforeseen library error: recorded, not raised
                    client.close()
                    message = scrub(f"onverwachte fout ({type(exc).__name__}: {exc})", secrets)
                    _failed(engine, row, report, message, clock)
                    in_a_row += 1
                else:
                    in_a_row = 0
                    state.mark_delivered(
                        engine,
                        row,
                        now=clock(),
                        remote_id=outcome.remote_id,
                        note=outcome.note,
                    )
                    report.delivered += 1
                if blocked is None and in_a_row >= MAX_FAILURES_IN_A_ROW:
                    blocked = report.error = (
                        f"{in_a_row} pogingen na elkaar mislukt; de rest wacht op de volgende run"
                    )
    finally:
        if client is not None:
            client.close()


def _failed(
    engine: Engine,
    row: Delivery,
    report: TargetReport,
    message: str,
    clock: Callable[[], datetime],
    *,
    permanent: bool = False,
) -> None:
    next_at = state.mark_failed(engine, row, now=clock(), error=message, permanent=permanent)
    report.failed += 1
    report.failures.append(
        {
            "emission_id": row.emission_id,
            "followup_id": row.followup_id,
            "sequence": row.sequence,
            "error": message[: state.MAX_ERROR],
            "next_attempt_at": next_at.isoformat() if next_at else None,
        }
    )


def after_run(engine: Engine, *, settings: Settings, today: date, now: datetime) -> dict[str, Any]:
    """The daily run's delivery step. Never raises: whatever goes wrong is in the result (and,
    per row, in the database for `nazorg status`).

    The run hands over one instant; the step's own instants (claims, backoff) are that instant
    plus the time elapsed since (a monotonic clock), so a long delivery step claims rows with
    times that move on without reading the wall clock here.
    """
    started = time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - started)

    try:
        return deliver(engine, settings=settings, today=today, clock=clock).as_json()
    except Exception as exc:  # pragma: no cover - deliver() already contains target failures
        return {"error": f"{type(exc).__name__}: {exc}"[: state.MAX_ERROR]}
