"""The daily run's steps for answers to invites (issue 13), and the job under `nazorg serve`.

- `write_declinecounters` (emission step): write the DECLINECOUNTERs of rejected proposals to
  the outbox, once each, and record them for the delivery step. Not in a dry run.
- `read_replies` (after step): read the reply folder when `[replies]` is configured; a mailbox
  that fails is reported under `replies`, never raised. Not in a dry run (after steps never are).
- `replies_job`: the same reading, every `replies.interval_minutes` under `nazorg serve`.
The actor of what the run and the scheduler record is `system`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from nazorg.jobs.run import RunContext, RunReport
from nazorg.settings import Settings

SYSTEM = "system"


def write_declinecounters(ctx: RunContext, report: RunReport) -> None:
    """Write the pending DECLINECOUNTERs; they are listed with the versions written."""
    if ctx.dry_run:
        return
    from nazorg.emission.declinecounter import write_declinecounters as write

    report.emitted += write(
        ctx.engine,
        outbox=ctx.settings.outbox_dir,
        now=ctx.clock(),
        today=ctx.today,
        run_id=ctx.run_id,
    )


def read_replies(ctx: RunContext) -> dict[str, Any]:
    """Read the answers in the reply folder (nothing to do when none is configured)."""
    if ctx.settings.replies is None:
        return {}
    from nazorg.services.replies import read_mailbox

    return read_mailbox(
        ctx.engine, settings=ctx.settings, clock=ctx.clock, actor=SYSTEM, today=ctx.today
    ).as_json()


def replies_job(engine: Engine, settings: Settings, echo: Callable[[str], Any]) -> None:
    """One reading of the reply folder for the scheduler; never raises."""
    from nazorg.core.clock import today_from_env, utc_now
    from nazorg.services.replies import read_mailbox

    try:
        report = read_mailbox(
            engine, settings=settings, clock=utc_now, actor=SYSTEM, today=today_from_env()
        )
    except Exception as exc:  # a scheduler job must never die
        echo(f"antwoorden: fout: {type(exc).__name__}: {exc}")
        return
    if report.error:
        echo(f"antwoorden: fout: {report.error}")
    else:
        echo(
            f"antwoorden: {report.messages} bericht(en), {report.recorded} vastgelegd, "
            f"{report.ignored} genegeerd"
        )
