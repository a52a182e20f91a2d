"""The daily run's monthly report: last month's report as an e-mail draft to sector leadership.

Rules (issue 14):
- From the first working day of a month on, last month's report is due; in the 4th, 8th and
  12th month of the reporting year (`report.year_start`) the 4-, 8- or 12-month report ending
  with it too. A run on a later day writes what an earlier run missed (a crash, a day without
  run), never anything twice.
- Each report is written exactly once: a `ReportVersion` per kind and last month, recorded in the
  same transaction as the file is written, under the emission lock, so two runs at once do not
  both write it. A run killed between file and commit leaves no version; the next run writes the
  same bytes to the same file (the output is deterministic: no wall-clock time, no random
  boundary).
- The draft goes to the configured `report.management` addresses (none: no report is written),
  from the aftercare mailbox, into the outbox like every other draft (`X-Unsent: 1`: a person
  reads and sends it), with the PDF attached and a short text without any figure about a person.
- The writing is audited as a read of the report by the daily run.
"""

from __future__ import annotations

import email.policy
import hashlib
from datetime import date, datetime, time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from nazorg.core.access import system
from nazorg.core.workdays import WorkCalendar
from nazorg.emission.outbox import write_atomic
from nazorg.emission.render.templating import clean_name
from nazorg.services.report.period import Period, shift
from nazorg.store.models import ReportVersion

if TYPE_CHECKING:
    from nazorg.settings import Settings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def due_periods(today: date, *, year_start: int, calendar: WorkCalendar) -> list[Period]:
    """The reports due on `today` (module doc): last month, and a 4/8/12-month report."""
    first_workday = calendar.on_or_after(today.replace(day=1))
    if today < first_workday:
        return []
    last = shift(today.replace(day=1), -1)
    periods = [Period(last)]
    position = (last.month - year_start) % 12 + 1
    if position in (4, 8, 12):
        periods.append(Period(last, position))
    return periods


def write_due(
    session: Session,
    *,
    today: date,
    now: datetime,
    settings: Settings,
    calendar: WorkCalendar | None = None,
) -> list[dict[str, Any]]:
    """Write every due report not yet written (module doc); returns what was written."""
    from nazorg.services.report import read
    from nazorg.store.locks import lock_for_emission

    report_settings = settings.report
    if not report_settings.management:
        return []
    calendar = calendar or WorkCalendar()
    written = []
    lock_for_emission(session)
    for period in due_periods(today, year_start=report_settings.year_start, calendar=calendar):
        done = session.exec(
            select(ReportVersion)
            .where(ReportVersion.kind == period.kind)
            .where(ReportVersion.period_to == f"{period.until:%Y-%m}")
        ).first()
        if done is not None:
            continue
        _, pdf = read(
            session,
            system(),
            period,
            settings=settings,
            now=now,
            fmt="pdf",
            calendar=calendar,
        )
        message = draft(period, pdf, settings)
        path = outbox_path(settings, period)
        write_atomic(path, message)
        session.add(
            ReportVersion(
                kind=period.kind,
                period_from=f"{period.first:%Y-%m}",
                period_to=f"{period.until:%Y-%m}",
                recipients=", ".join(report_settings.management),
                digest=hashlib.sha256(pdf).hexdigest(),
                eml_path=str(path),
                written_at=now,
            )
        )
        session.flush()
        written.append({"period": period.slug(), "kind": period.kind, "eml": str(path)})
    return written


_TEXT_NL = (
    "Beste sectorleiding,\n\n"
    "Bijgaand de nazorgrapportage over {label}: geanonimiseerde cijfers per "
    "basisteam over incidenten, nazorggesprekken en de leiderschapscycli, met de trend "
    "over twaalf maanden. Aantallen van 1 tot {hidden} zijn verborgen.\n\n"
    "Met vriendelijke groet,\n"
    "{name}\n"
)
_TEXT_EN = (
    "Dear sector leadership,\n\n"
    "Attached is the aftercare report for {label}: anonymised figures per basic team on "
    "incidents, aftercare check-ins and the leadership cycles, with the trend over twelve "
    "months. Counts from 1 to {hidden} are hidden.\n\n"
    "Kind regards,\n"
    "{name}\n"
)


def draft(period: Period, pdf: bytes, settings: Settings) -> bytes:
    """The e-mail draft: the same report gives the same bytes (date, id and boundary from it)."""
    organizer = settings.organizer
    digest = hashlib.sha256(pdf).hexdigest()
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = f'"{clean_name(organizer.name)}" <{organizer.email}>'
    message["To"] = ", ".join(settings.report.management)
    english = settings.language == "en"
    label = period.label(settings.language)
    message["Subject"] = f"Aftercare report {label}" if english else f"Nazorgrapportage {label}"
    sent = datetime.combine(period.last, time(23, 0), tzinfo=AMSTERDAM)
    message["Date"] = format_datetime(sent)
    domain = organizer.email.rsplit("@", 1)[1]
    message["Message-ID"] = f"<nazorg-rapportage-{period.slug()}-{digest[:16]}@{domain}>"
    message["X-Unsent"] = "1"
    message.set_content(
        (_TEXT_EN if english else _TEXT_NL).format(
            label=label, hidden=settings.report.k - 1, name=clean_name(organizer.name)
        ),
        charset="utf-8",
    )
    message.add_attachment(
        pdf,
        maintype="application",
        subtype="pdf",
        filename=f"{'aftercare-report' if english else 'nazorgrapportage'}-{period.slug()}.pdf",
    )
    message.set_boundary(f"=_nazorg_{digest[:32]}")
    return message.as_bytes()


def outbox_path(settings: Settings, period: Period) -> Path:
    """Where the draft of `period` goes: `outbox/rapportage/`, a name fixed by the period."""
    return settings.outbox_dir / "rapportage" / f"nazorg-rapportage-{period.slug()}.eml"


def deliver_drafts(engine: Engine, *, settings: Settings, now: datetime) -> dict[str, Any]:
    """APPEND the written, undelivered report drafts to the `[delivery.imap]` drafts folder of
    the aftercare mailbox (`{owner}`), with the same IMAP client as the invites' drafts.

    Rules: each draft once; the attempt is committed before the network call, so a retry after
    a crash first searches the folder for the Message-ID (as the invites' delivery does). A
    failure is recorded on the version and retried by the next run; it never raises.
    """
    from nazorg.core.errors import NazorgError
    from nazorg.delivery.base import DeliveryError, scrub
    from nazorg.delivery.imap import ImapClient
    from nazorg.settings.delivery import OWNER
    from nazorg.store.engine import transaction

    config = settings.delivery.imap
    if config is None:
        return {}
    with transaction(engine) as session:
        pending = [
            v.id
            for v in session.exec(
                select(ReportVersion)
                .where(col(ReportVersion.delivered_at).is_(None))
                .order_by(col(ReportVersion.id))
            ).all()
        ]
    if not pending:
        return {"delivered": 0}
    password: str | None = None
    delivered = 0
    errors: list[str] = []
    client: ImapClient | None = None
    try:
        password = config.secret("imap")
        client = ImapClient(config, password)
        for version_id in pending:
            with transaction(engine) as session:  # the attempt counts before the network call
                version = session.get(ReportVersion, version_id)
                if version is None or version.delivered_at is not None:
                    continue
                version.attempts += 1
                session.add(version)
                session.flush()
                try:
                    item = _item(version, settings, OWNER, config.folder)
                except DeliveryError as exc:
                    version.last_error = str(exc)[:1000]
                    errors.append(version.last_error)
                    continue
            error: str | None = None
            try:
                client.deliver(item)
            except DeliveryError as exc:
                error = scrub(str(exc), (password,))[:1000]
                errors.append(error)
            with transaction(engine) as session:
                version = session.get(ReportVersion, version_id)
                assert version is not None
                version.last_error = error
                if error is None:
                    version.delivered_at = now
                    delivered += 1
                session.add(version)
    except NazorgError as exc:
        errors.append(scrub(str(exc), (password,)))
    finally:
        if client is not None:
            client.close()
    return {"delivered": delivered, "errors": errors} if errors else {"delivered": delivered}


def _item(version: ReportVersion, settings: Settings, owner: str, folder: str) -> Any:
    from nazorg.delivery.base import DeliveryError, Item

    try:
        eml = Path(version.eml_path or "").read_bytes()
    except OSError as exc:
        raise DeliveryError(
            f"rapportage-concept {version.eml_path} niet leesbaar ({exc})"
        ) from None
    header = eml.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    message_id = next(
        line.split(":", 1)[1].strip().strip("<>")
        for line in header.split("\r\n")
        if line.lower().startswith("message-id:")
    )
    return Item(
        delivery_id=version.id or 0,
        method="REPORT",
        uid=f"nazorg-rapportage-{version.kind}-{version.period_to}",
        sequence=0,
        message_id=message_id,
        dtstamp=version.written_at,
        sender=settings.organizer.email,
        recipients=tuple(settings.report.management),
        destination=folder.replace(owner, settings.organizer.email),
        eml=eml,
        ics=None,
        first_attempt=version.attempts <= 1,
    )
