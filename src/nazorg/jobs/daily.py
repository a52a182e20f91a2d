"""The daily run: the registered steps, in order. To add a step to the daily run, write it (an
emission step `(RunContext, RunReport) -> None`, or an after step `RunContext -> dict`) and name
it in `default_steps`; nothing else changes.

Emission steps, inside the recorded run: generate the leadership-cycle items, decide the invites,
decide the escalations, write the files. After steps, once the run is recorded as successful, each
reporting under its own name: delivery to mail and calendar servers, then the AVG step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from nazorg.core.progress import Progress
from nazorg.jobs.case_steps import generate_case_contacts
from nazorg.jobs.replies import read_replies, write_declinecounters
from nazorg.jobs.run import AfterStep, RunReport, Steps, run_steps
from nazorg.jobs.steps import (
    decide_invites,
    decide_overdue,
    deliver_versions,
    generate_cycle_items,
    privacy_step,
    report_step,
    write_versions,
)

if TYPE_CHECKING:
    from nazorg.settings import Settings


def default_steps() -> Steps:
    """The daily run as it is configured: every feature's step, in order."""
    return Steps(
        emission=(
            generate_cycle_items,
            generate_case_contacts,
            decide_invites,
            decide_overdue,
            write_versions,
            write_declinecounters,
        ),
        after=(
            AfterStep("replies", read_replies),
            AfterStep("delivery", deliver_versions),
            AfterStep("privacy", privacy_step),
            AfterStep("report", report_step),
        ),
    )


def run_daily(
    engine: Engine,
    *,
    today: date,
    clock: Callable[[], datetime],
    settings: Settings,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RunReport:
    """One daily run of the registered steps for `today`. `clock()` gives aware UTC;
    `progress(done, total)` hears the writing of the versions (the catch-up)."""
    return run_steps(
        engine,
        default_steps(),
        today=today,
        clock=clock,
        settings=settings,
        dry_run=dry_run,
        progress=progress,
    )
