"""`nazorg serve`: the daily run in-process, for installations without cron.

APScheduler 3.x with a daily cron trigger in Europe/Amsterdam (so 06:00 stays 06:00 through
daylight-saving changes), `coalesce=True` (missed firings become one run: a run catches up on
everything due anyway), a misfire grace time that lets a late start still run, one catch-up run at
start, and a clean stop on SIGTERM/SIGINT. The job store is in memory: the schedule of what to
send is in the database, not in the scheduler.

Two nodes (issue 16): on PostgreSQL each run holds the node lock (`nazorg.store.locks.node_lock`,
a session advisory lock that dies with its session). A node that finds it held waits; when it
gets the lock it skips the run if the other node finished a run for the same day meanwhile, and
runs it (taking over) if that node died mid-run. Exactly-once never depends on this lock: the
emission lock and the optimistic marking guarantee it on their own.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from nazorg.settings import Settings

MISFIRE_GRACE_SECONDS = 6 * 3600


def daily_job(
    engine: Engine,
    settings: Settings,
    echo: Callable[[str], Any],
    stop: threading.Event | None = None,
) -> None:
    """One firing of the daily job on this node: run it holding the node lock; when another node
    held the lock and finished a run for the same day meanwhile, skip (see the module doc)."""
    from nazorg.core.clock import today_from_env, utc_now
    from nazorg.core.errors import NazorgError
    from nazorg.jobs.daily import run_daily
    from nazorg.jobs.nodes import run_done_since, runs_floor
    from nazorg.store.locks import node_lock

    today = today_from_env()
    try:
        floor = runs_floor(engine)
        with node_lock(engine, stop=stop) as held:
            if held is None:  # stopped while another node ran
                return
            done_by = run_done_since(engine, floor, today) if held.waited else None
            if done_by is not None:
                echo(f"run voor {today.isoformat()}: al gedaan door node {done_by}")
                return
            report = run_daily(engine, today=today, clock=utc_now, settings=settings)
        echo(f"run voor {report.today.isoformat()}: {len(report.emitted)} versie(s) gemaakt")
    except NazorgError as exc:
        echo(f"fout: {exc}")


def build_scheduler(
    engine: Engine,
    settings: Settings,
    echo: Callable[[str], Any],
    stop: threading.Event | None = None,
) -> Any:
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = BackgroundScheduler(timezone="Europe/Amsterdam")
    scheduler.add_job(
        daily_job,
        CronTrigger(
            hour=settings.run_time.hour,
            minute=settings.run_time.minute,
            timezone="Europe/Amsterdam",
        ),
        args=(engine, settings, echo, stop),
        id="daily-run",
        coalesce=True,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        max_instances=1,
        replace_existing=True,
    )
    if settings.replies is not None:
        from nazorg.jobs.replies import replies_job

        scheduler.add_job(
            replies_job,
            "interval",
            minutes=settings.replies.interval_minutes,
            args=(engine, settings, echo),
            id="replies",
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
    return scheduler


def serve(
    engine: Engine,
    settings: Settings,
    echo: Callable[[str], Any],
    stop: threading.Event | None = None,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set): a catch-up run now, then daily."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    daily_job(engine, settings, echo, stop)
    scheduler = build_scheduler(engine, settings, echo, stop)
    scheduler.start()
    job = scheduler.get_job("daily-run")
    echo(f"nazorg serve: volgende run {job.next_run_time.isoformat()}")
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        echo("nazorg serve: gestopt")
