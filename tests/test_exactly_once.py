"""Exactly once with real processes: concurrent daily runs and runs killed with SIGKILL."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from datetime import time as clock_time
from typing import Any

import pytest
import vobject
from sqlmodel import Session, col, select

from nazorg.core.slots import WorkingHours
from nazorg.core.workdays import WorkCalendar
from nazorg.services import incidents
from nazorg.services.slots import SlotPolicy
from nazorg.store.engine import transaction
from nazorg.store.models import Emission, FollowUp
from tests.conftest import FIXED_NOW, load_team

pytestmark = pytest.mark.slow
RUN_DAY = "2026-03-20"
STRICT = email.policy.default.clone(raise_on_defect=True)


@pytest.fixture
def busy_day(engine: Any, settings: Any) -> tuple[Any, Any, int]:
    """A database with over 150 check-in invites due on RUN_DAY (60 incidents, 3 employees), none
    of them for a day already past (those get no invite, only an escalation later)."""
    load_team(engine)
    calendar = WorkCalendar()
    with transaction(engine) as session:
        for index in range(60):
            # 1-month check-ins from RUN_DAY on: due, and none of them past or overdue.
            occurred = date(2026, 2, 20) + timedelta(days=index % 12)
            incidents.register(
                session,
                employees=["E1", "E2", "E3"],
                occurred_on=occurred,
                kind="geweld",
                note=None,
                actor="tester",
                today=occurred,
                now=FIXED_NOW,
                kinds=settings.incident_kinds,
                plan=settings.plan(),
                calendar=calendar,
                force=True,
                # Room for 15 conversations a day per leader (issue 13 keeps them apart), so
                # that all of them are still due on RUN_DAY as before.
                policy=SlotPolicy(WorkingHours(clock_time(6), clock_time(22)), timedelta(0)),
            )
    run_day = date.fromisoformat(RUN_DAY)
    with Session(engine) as session:
        planned = session.exec(select(FollowUp).where(col(FollowUp.emit_on) <= run_day)).all()
    due = [f for f in planned if f.start.date() >= run_day]
    assert len(due) == len(planned) > 150
    return engine, settings, len(due)


def start_run(settings: Any) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "NAZORG_DATABASE_URL": settings.database_url,
        "NAZORG_OUTBOX": str(settings.outbox_dir),
        "NAZORG_TODAY": RUN_DAY,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "nazorg", "run", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def check_outbox(engine: Any, settings: Any, due: int) -> None:
    """Every due conversation has exactly one version, written, and each file is whole."""
    with Session(engine) as session:
        rows = session.exec(select(Emission)).all()
    assert len(rows) == due
    assert len({r.followup_id for r in rows}) == due
    assert all(r.sequence == 0 and r.method == "REQUEST" for r in rows)
    assert all(r.written_at is not None for r in rows)
    files = [
        p for p in settings.outbox_dir.rglob("*") if p.is_file() and not p.name.startswith(".")
    ]
    assert len(files) == 2 * due
    for path in files:
        raw = path.read_bytes()
        if path.suffix == ".ics":
            event = vobject.readOne(raw.decode("utf-8"), validate=True).vevent
            assert event.sequence.value == "0"
        else:
            message = email.message_from_bytes(raw, policy=STRICT)
            assert message["Message-ID"]


def test_two_runs_started_at_once_emit_each_version_once(busy_day: tuple[Any, Any, int]) -> None:
    engine, settings, due = busy_day
    first, second = start_run(settings), start_run(settings)
    outputs = [p.communicate(timeout=240) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    reports = [json.loads(out) for out, _err in outputs]
    mine = [{(e["followup_id"], e["sequence"]) for e in r["emitted"]} for r in reports]
    assert not mine[0] & mine[1], "a version was counted by both runs"
    assert len(mine[0] | mine[1]) == due
    check_outbox(engine, settings, due)


def test_a_run_killed_at_any_moment_loses_and_doubles_nothing(
    busy_day: tuple[Any, Any, int],
) -> None:
    engine, settings, due = busy_day
    for delay in (0.4, 0.8, 1.2, 1.6, 2.0, 2.4):
        process = start_run(settings)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    final = start_run(settings)
    out, err = final.communicate(timeout=240)
    assert final.returncode == 0, err
    check_outbox(engine, settings, due)
    again = start_run(settings)
    out, _ = again.communicate(timeout=240)
    assert json.loads(out)["emitted"] == []
