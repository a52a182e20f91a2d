"""The monthly report to sector leadership (issue 14): anonymous figures per basic team.

`read` is the one entry for the command line and the web page: it checks the role (management
or staff), builds the report, records the read in the audit trail (the period, team and format,
never a figure) and gives the report in the asked format. The daily run's monthly draft is in
`nazorg.services.report.monthly`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from nazorg.core.access import MANAGEMENT, STAFF, Principal
from nazorg.core.progress import Progress, tick
from nazorg.core.workdays import WorkCalendar
from nazorg.services import audit
from nazorg.services.report.build import STEPS, Options, Report, build
from nazorg.services.report.period import Period
from nazorg.services.report.render import FORMATS, preload_pdf_engine, render_format

if TYPE_CHECKING:
    from nazorg.settings import Settings

__all__ = ["FORMATS", "Options", "Period", "Report", "build", "options", "read"]


def options(settings: Settings) -> Options:
    """The report's options from the settings."""
    return Options(
        k=settings.report.k,
        kinds=tuple(settings.incident_kinds),
        overdue_workdays=settings.overdue_workdays,
        violence_kinds=tuple(settings.violence_kinds),
    )


def read(
    session: Session,
    principal: Principal,
    period: Period,
    *,
    settings: Settings,
    now: datetime,
    fmt: str = "json",
    team: str | None = None,
    calendar: WorkCalendar | None = None,
    progress: Progress | None = None,
) -> tuple[Report, bytes]:
    """The report of `period` in `fmt` (or `body`: the HTML without page frame, for the web
    page), for management and staff only (checked before anything is read); audited.
    `progress(done, total)` hears the steps of making it (`build.STEPS`)."""
    principal.require(MANAGEMENT, STAFF)
    if fmt not in (*FORMATS, "body"):
        from nazorg.core.errors import NazorgError

        raise NazorgError(f"--format: kies uit {', '.join(FORMATS)}")
    if fmt == "pdf":
        preload_pdf_engine()
    report = build(
        session,
        period,
        options(settings),
        team=team,
        calendar=calendar,
        progress=progress,
        beside=True,
    )
    data = render_format(report, fmt, language=settings.language, override=settings.templates_dir)
    tick(progress, STEPS, STEPS)
    audit.record(
        session,
        now=now,
        actor=principal.name,
        action="report.read",
        entity="report",
        entity_id=period.slug(),
        details=f"rapportage {period.label()}, team {team or 'alle'}, formaat {fmt}",
    )
    return report, data
