"""Running a list of steps as one recorded `Run`: the mechanism of the daily run.

A run has two phases:

1. **Emission steps**, inside the recorded run: generate the leadership-cycle items, decide the
   invites, decide the escalations, write the files. A failure stops the run, is recorded as
   `failed` with its message, and is raised to the caller (the command exits 1); everything
   decided stays decided and the next run writes it.
2. **After steps**, once the run is recorded as successful: delivery to servers, completing
   erasures, the retention purge. Each reports under its own name in the result and never undoes
   or blocks the emission before it.

A dry run gives every emission step `dry_run=True` (the deciding steps report what they would
record and roll it back; the others do nothing) and runs no after step. Which steps make up the
daily run is decided in `nazorg.jobs.daily`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from nazorg.core.errors import NazorgError
from nazorg.core.progress import Progress
from nazorg.emission.write import Emitted
from nazorg.store.engine import transaction
from nazorg.store.models import Run

if TYPE_CHECKING:
    from nazorg.settings import Settings


@dataclass
class RunReport:
    """What one run did: for the summary line, `--json` and `nazorg status`."""

    today: date
    run_id: int | None = None
    decided: int = 0
    emitted: list[Emitted] = field(default_factory=list)
    dry_run: bool = False
    after: dict[str, Any] = field(default_factory=dict)
    generated: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "decided": self.decided,
            "generated": self.generated,
            "emitted": [e.as_json() for e in self.emitted],
            **self.after,
        }


@dataclass(frozen=True)
class RunContext:
    """What every step gets: the database, the day, the clock (aware UTC), the settings."""

    engine: Engine
    today: date
    clock: Callable[[], datetime]
    settings: Settings
    run_id: int | None = None
    dry_run: bool = False
    progress: Progress | None = None  # hears the writing of versions (the catch-up)


#: An emission step records what it did in the run's report.
EmissionStep = Callable[[RunContext, RunReport], None]


@dataclass(frozen=True)
class AfterStep:
    """A step after the files are written; its result goes into the report under `name`."""

    name: str
    run: Callable[[RunContext], dict[str, Any]]


@dataclass(frozen=True)
class Steps:
    emission: Sequence[EmissionStep]
    after: Sequence[AfterStep] = ()


def node_label(settings: Settings) -> str:
    """Which node this process is, as runs record it: the configured `node_name`, else the host
    name and the process id (`host:pid`)."""
    import os
    import socket

    return settings.node_name or f"{socket.gethostname()}:{os.getpid()}"


def start_run(engine: Engine, *, today: date, now: datetime, node: str | None = None) -> int:
    with transaction(engine) as session:
        run = Run(today=today, started_at=now, node=node)
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def finish_run(
    engine: Engine, run_id: int, *, now: datetime, decided: int, written: int, error: str | None
) -> None:
    with transaction(engine) as session:
        run = session.get(Run, run_id)
        assert run is not None
        run.finished_at = now
        run.decided = decided
        run.written = written
        run.outcome = "failed" if error else "ok"
        run.error = error[:2000] if error else None
        session.add(run)


def run_steps(
    engine: Engine,
    steps: Steps,
    *,
    today: date,
    clock: Callable[[], datetime],
    settings: Settings,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RunReport:
    """Run `steps` for `today` as one recorded run (see the module doc). `clock()` gives aware
    UTC; `progress` hears the steps that report it (writing the versions)."""
    report = RunReport(today=today, dry_run=dry_run)
    if dry_run:
        context = RunContext(engine, today, clock, settings, dry_run=True)
        for step in steps.emission:
            step(context, report)
        return report
    run_id = start_run(engine, today=today, now=clock(), node=node_label(settings))
    report.run_id = run_id
    context = RunContext(engine, today, clock, settings, run_id=run_id, progress=progress)
    error: str | None = None
    try:
        for step in steps.emission:
            step(context, report)
    except Exception as exc:
        error = str(exc) if isinstance(exc, NazorgError) else f"{type(exc).__name__}: {exc}"
        raise
    finally:
        finish_run(
            engine,
            run_id,
            now=clock(),
            decided=report.decided,
            written=len(report.emitted),
            error=error,
        )
    for after in steps.after:
        report.after[after.name] = after.run(context)
    return report
