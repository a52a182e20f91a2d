"""The daily run writes the monthly report as an e-mail draft with the PDF, exactly once."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import select

from nazorg.core.workdays import WorkCalendar
from nazorg.services.report.monthly import due_periods
from nazorg.services.report.period import Period
from nazorg.store.engine import transaction
from nazorg.store.models import AuditEvent, ReportVersion
from tests.test_report import history

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def _settings(database_url: str, tmp_path: Path, **report: Any) -> Any:
    from nazorg.settings import Settings

    return Settings(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        cycle_kinds=(),
        report={"management": ["sectorleiding@politie.example"], "k": 3, **report},
    )


def test_due_on_the_first_working_day_and_after() -> None:
    calendar = WorkCalendar()
    # 1 March 2026 is a Sunday: nothing yet; Monday the 2nd: February.
    assert due_periods(date(2026, 3, 1), year_start=1, calendar=calendar) == []
    assert due_periods(date(2026, 3, 2), year_start=1, calendar=calendar) == [
        Period(date(2026, 2, 1))
    ]
    # A reporting year from November: February is its 4th month.
    assert due_periods(date(2026, 3, 3), year_start=11, calendar=calendar) == [
        Period(date(2026, 2, 1)),
        Period(date(2026, 2, 1), 4),
    ]
    # A reporting year from January: December is the 12th month.
    assert due_periods(date(2027, 1, 4), year_start=1, calendar=calendar)[1] == Period(
        date(2026, 12, 1), 12
    )


def _run(engine: Any, settings: Any, today: date) -> Any:
    from nazorg.jobs.daily import run_daily

    return run_daily(engine, today=today, clock=lambda: NOW, settings=settings)


def test_the_daily_run_writes_the_reports_once(
    engine: Any, database_url: str, tmp_path: Path
) -> None:
    with transaction(engine) as session:
        history(session, 2026)
    settings = _settings(database_url, tmp_path, year_start=11)
    first = _run(engine, settings, date(2026, 3, 2))
    written = first.after["report"]["written"]
    assert [w["kind"] for w in written] == ["month", "months4"]
    files = sorted((tmp_path / "outbox" / "rapportage").glob("*.eml"))
    assert [f.name for f in files] == [
        "nazorg-rapportage-2025-11_2026-02.eml",
        "nazorg-rapportage-2026-02.eml",
    ]
    data = files[1].read_bytes()
    second = _run(engine, settings, date(2026, 3, 2))
    third = _run(engine, settings, date(2026, 3, 3))
    assert second.after["report"] == {"written": []} and third.after["report"] == {"written": []}
    with transaction(engine) as session:
        versions = session.exec(select(ReportVersion)).all()
        assert len(versions) == 2
        reads = session.exec(select(AuditEvent).where(AuditEvent.action == "report.read")).all()
        assert len(reads) == 2 and all(e.employee_number is None for e in reads)
        # Deterministic: with its version gone, the next run writes the same bytes.
        session.delete(next(v for v in versions if v.kind == "month"))
    _run(engine, settings, date(2026, 3, 4))
    assert files[1].read_bytes() == data
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message["To"] == "sectorleiding@politie.example"
    assert message["X-Unsent"] == "1"
    assert message["Subject"] == "Nazorgrapportage februari 2026"
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["nazorgrapportage-2026-02.pdf"]
    assert attachments[0].get_content().startswith(b"%PDF-")
    body = message.get_body(("plain",))
    assert body is not None and "Persoon" not in body.get_content()


def test_no_management_addresses_no_report(engine: Any, database_url: str, tmp_path: Path) -> None:
    settings = _settings(database_url, tmp_path, management=[])
    result = _run(engine, settings, date(2026, 3, 2))
    assert result.after.get("report") == {}
    assert not (tmp_path / "outbox" / "rapportage").exists()


def test_the_draft_goes_to_the_imap_drafts_folder_once(
    sqlite_url: str, tmp_path: Path, dovecot: Any, certificates: Any
) -> None:
    """With [delivery.imap], the report draft is APPENDed to the aftercare mailbox's drafts
    folder by the same IMAP client as the invites' drafts, once however often the run runs."""
    from nazorg.settings import Settings
    from nazorg.store.engine import make_engine
    from nazorg.store.migrate import upgrade
    from tests.test_delivery import imap_target

    user = dovecot.add_user()
    engine = make_engine(sqlite_url)
    upgrade(engine)
    try:
        with transaction(engine) as session:
            history(session, 2026)
        settings = Settings(
            database_url=sqlite_url,
            outbox=tmp_path / "outbox",
            cycle_kinds=(),
            report={"management": ["sectorleiding@politie.example"], "k": 3},
            delivery={"imap": imap_target(dovecot, certificates, user)},
        )
        first = _run(engine, settings, date(2026, 3, 2))
        assert first.after["report"].get("imap") == {"delivered": 1}, first.after
        second = _run(engine, settings, date(2026, 3, 3))
        assert second.after["report"]["imap"] == {"delivered": 0}
        [draft] = dovecot.messages(*user)
        assert "\\Draft" in draft.flags
        eml = tmp_path / "outbox" / "rapportage" / "nazorg-rapportage-2026-02.eml"
        assert draft.raw == eml.read_bytes()  # the outbox's bytes, unchanged
        with transaction(engine) as session:
            [version] = session.exec(select(ReportVersion)).all()
            assert version.delivered_at is not None and version.attempts == 1
    finally:
        engine.dispose()
