"""The steps of the daily run (registered in order in `nazorg.jobs.daily`).

Emission steps (inside the recorded run): generate the leadership-cycle items, decide the
invites, decide the escalations, write the files. After steps (the run already recorded as
successful; each reports under its own name): delivery to mail and calendar servers, then the
AVG step (completing erasures whose CANCELs went out, and the retention purge when
`purge_in_daily_run` is set). A dry run generates nothing, writes nothing and runs no after step:
the deciding steps record what they would decide and roll it back.
"""

from __future__ import annotations

from typing import Any

from nazorg.core.errors import NazorgError
from nazorg.core.workdays import WorkCalendar
from nazorg.emission.decide import Decided, decide, decide_escalations
from nazorg.emission.render.renderer import Renderer
from nazorg.emission.write import describe, write
from nazorg.jobs.run import RunContext, RunReport
from nazorg.store.engine import transaction
from nazorg.store.locks import lock_for_emission

#: Who acts when the daily run completes an erasure or purges.
RUN_ACTOR = "nazorg run"


def generate_cycle_items(ctx: RunContext, report: RunReport) -> None:
    """Create the leadership-cycle items within the horizon (once each), under the same lock as
    deciding, so concurrent runs do not both try. Not in a dry run."""
    from nazorg.services.cycles import generate

    if ctx.dry_run:
        return
    with transaction(ctx.engine) as session:
        lock_for_emission(session)
        created = generate(
            session,
            today=ctx.today,
            now=ctx.clock(),
            settings=ctx.settings,
            calendar=WorkCalendar(),
        )
        report.generated = len(created)


def decide_invites(ctx: RunContext, report: RunReport) -> None:
    """Record the calendar versions due today (`emit_on` has come)."""
    decided = decide(
        ctx.engine,
        today=ctx.today,
        now=ctx.clock(),
        settings=ctx.settings,
        run_id=ctx.run_id,
        dry_run=ctx.dry_run,
    )
    _count(report, decided, ctx.dry_run)


def decide_overdue(ctx: RunContext, report: RunReport) -> None:
    """Record one escalation for each conversation that became overdue (`escalate_on`)."""
    decided = decide_escalations(
        ctx.engine,
        today=ctx.today,
        now=ctx.clock(),
        settings=ctx.settings,
        run_id=ctx.run_id,
        dry_run=ctx.dry_run,
    )
    _count(report, decided, ctx.dry_run)


def _count(report: RunReport, decided: Decided, dry_run: bool) -> None:
    report.decided += decided.count
    if dry_run:  # what would be written, in the order decided
        report.emitted += [describe(emission) for emission in decided.emissions]


def write_versions(ctx: RunContext, report: RunReport) -> None:
    """Write every decided, unwritten version to the outbox. Not in a dry run."""
    if ctx.dry_run:
        return
    report.emitted = write(
        ctx.engine,
        outbox=ctx.settings.outbox_dir,
        renderer=Renderer(ctx.settings),
        now=ctx.clock(),
        progress=ctx.progress,
    )


def deliver_versions(ctx: RunContext) -> dict[str, Any]:
    """Deliver what is pending to the configured targets (none configured: nothing to do).
    Never raises for a target that fails: the failure is recorded and retried later."""
    if not ctx.settings.delivery.targets:
        return {}
    from nazorg.delivery.service import after_run

    return after_run(ctx.engine, settings=ctx.settings, today=ctx.today, now=ctx.clock())


def privacy_step(ctx: RunContext) -> dict[str, Any]:
    """Complete the erasures whose CANCELs went out, then (when `purge_in_daily_run`) purge what
    is past its retention period. A failure is reported in the result, never raised."""
    from nazorg.services.privacy.erasure import complete_pending
    from nazorg.services.privacy.retention import purge

    result: dict[str, Any] = {}
    settings = ctx.settings
    try:
        result["erasures"] = complete_pending(
            ctx.engine, today=ctx.today, now=ctx.clock(), actor=RUN_ACTOR
        )
        if settings.purge_in_daily_run:
            with transaction(ctx.engine) as session:
                purged = purge(
                    session,
                    today=ctx.today,
                    now=ctx.clock(),
                    retention_months=settings.retention_months,
                    overdue_workdays=settings.overdue_workdays,
                    violence_kinds=settings.violence_kinds,
                    outbox=settings.outbox_dir,
                    actor=RUN_ACTOR,
                )
            result["purge"] = purged.as_json()
    except NazorgError as exc:
        result["error"] = str(exc)
    return result


def report_step(ctx: RunContext) -> dict[str, Any]:
    """From the first working day of a month: last month's report (and in the 4th, 8th and 12th
    month of the reporting year the 4-, 8- or 12-month report) as an e-mail draft to sector
    leadership, exactly once (`nazorg.services.report.monthly`). A failure is reported in the
    result, never raised; the next run tries again."""
    from nazorg.services.report.monthly import deliver_drafts, write_due

    if not ctx.settings.report.management:
        return {}
    try:
        with transaction(ctx.engine) as session:
            written = write_due(session, today=ctx.today, now=ctx.clock(), settings=ctx.settings)
    except NazorgError as exc:
        return {"error": str(exc)}
    result: dict[str, Any] = {"written": written}
    if ctx.settings.delivery.imap is not None:  # the drafts folder, as for the invites' drafts
        result["imap"] = deliver_drafts(ctx.engine, settings=ctx.settings, now=ctx.clock())
    return result
