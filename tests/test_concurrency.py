"""Concurrency on SQLite and PostgreSQL (issue 7): daily runs at once, registrations during a run.

Three `nazorg run` processes start together while incidents are registered, both through the
command line (another process) and through `incidents.register` in a thread with its own
session. Nothing may be lost or doubled: every conversation whose invite is due gets exactly one
version, counted by exactly one run; a conversation registered during the runs is emitted by one
of them or left due for the next run, which a final run proves by emitting exactly the rest.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

import pytest
import vobject
from sqlmodel import Session, col, func, select

from nazorg.core.planning import PLANNED
from nazorg.core.slots import WorkingHours
from nazorg.core.workdays import WorkCalendar
from nazorg.jobs.daily import run_daily
from nazorg.services import incidents
from nazorg.services.slots import SlotPolicy
from nazorg.store.engine import transaction
from nazorg.store.models import Emission, FollowUp, Run
from tests.conftest import load_team

pytestmark = pytest.mark.slow
RUN_DAY = date(2026, 3, 20)
#: Incidents in the six days from here have their 1-month check-in within two weeks after
#: RUN_DAY, so that invite is due on RUN_DAY (lead time 14 days) and nothing is in the past.
FIRST_OCCURRED = date(2026, 2, 23)
EMPLOYEES = ["E1", "E2", "E3"]
ROOMY = SlotPolicy(WorkingHours(dt_time(0), dt_time(23, 59)), timedelta(0))
RUNS = 3
STRICT = email.policy.default.clone(raise_on_defect=True)


def run_env(settings: Any) -> dict[str, str]:
    return {
        **os.environ,
        "NAZORG_DATABASE_URL": settings.database_url,
        "NAZORG_OUTBOX": str(settings.outbox_dir),
        "NAZORG_TODAY": RUN_DAY.isoformat(),
        "NAZORG_CYCLE_KINDS": "[]",
        # The same room as ROOMY for `nazorg incident add`.
        "NAZORG_WORK_START": "00:00",
        "NAZORG_WORK_END": "23:59",
        "NAZORG_SLOT_GAP_MINUTES": "0",
    }


def register_in_session(engine: Any, settings: Any, occurred: date, now: datetime) -> None:
    with transaction(engine) as session:
        incidents.register(
            session,
            employees=EMPLOYEES,
            occurred_on=occurred,
            kind="geweld",
            note=None,
            actor="tester",
            today=RUN_DAY,
            now=now,
            kinds=settings.incident_kinds,
            plan=settings.plan("geweld"),
            calendar=WorkCalendar(),
            force=True,
            # Room for all of them on their planned days (issue 13 keeps one leader's
            # conversations apart), so every one is due on RUN_DAY as before.
            policy=ROOMY,
        )


def due_now(engine: Any) -> int:
    with Session(engine) as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(FollowUp)
                .where(col(FollowUp.emit_on).is_not(None))
                .where(col(FollowUp.emit_on) <= RUN_DAY)
            ).one()
        )


def wait_for_a_running_run(engine: Any, processes: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with Session(engine) as session:
            if session.exec(select(Run).where(Run.outcome == "running")).first() is not None:
                return
        if all(p.poll() is not None for p in processes):
            break
        time.sleep(0.02)
    outputs = [p.communicate() for p in processes]
    pytest.fail(f"no run got under way: {outputs}")


class Registrar(threading.Thread):
    """Registers incidents, one at a time, for as long as a run is in progress (at most `limit`).

    `during` counts the registrations started while at least one run process was still alive.
    """

    def __init__(
        self,
        name: str,
        register_one: Any,
        processes: list[subprocess.Popen[str]],
        limit: int,
    ) -> None:
        super().__init__(name=name)
        self.register_one = register_one
        self.processes = processes
        self.limit = limit
        self.done = 0
        self.during = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for index in range(self.limit):
                running = any(p.poll() is None for p in self.processes)
                if not running:
                    return
                self.register_one(index)
                self.done += 1
                self.during += 1
        except BaseException as exc:  # reported by the test
            self.error = exc


def test_runs_at_once_and_registrations_during_them_lose_and_double_nothing(
    engine: Any, settings: Any
) -> None:
    load_team(engine)
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    for index in range(60):
        register_in_session(engine, settings, FIRST_OCCURRED + timedelta(days=index % 6), now)
    before = due_now(engine)
    assert before == 60 * len(EMPLOYEES)

    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "nazorg", "run", "--json"],
            env=run_env(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(RUNS)
    ]
    wait_for_a_running_run(engine, processes)

    def in_thread(index: int) -> None:
        occurred = FIRST_OCCURRED + timedelta(days=index % 6)
        register_in_session(engine, settings, occurred, now + timedelta(minutes=index))

    def by_command(index: int) -> None:
        occurred = FIRST_OCCURRED + timedelta(days=(index + 3) % 6)
        result = subprocess.run(
            [sys.executable, "-m", "nazorg", "incident", "add", "--kind", "geweld",
             "--date", occurred.isoformat(), "--force", "--json",
             *(arg for number in EMPLOYEES for arg in ("--employee", number))],
            env=run_env(settings), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    registrars = [
        Registrar("session", in_thread, processes, limit=40),
        Registrar("command", by_command, processes, limit=10),
    ]
    for registrar in registrars:
        registrar.start()
    outputs = [p.communicate(timeout=240) for p in processes]
    for registrar in registrars:
        registrar.join(timeout=240)
        assert registrar.error is None, f"{registrar.name}: {registrar.error!r}"
    assert all(p.returncode == 0 for p in processes), [err for _, err in outputs]
    assert sum(r.during for r in registrars) > 0, "no registration overlapped a run"

    # No version was counted by two runs, and each run wrote only versions of due conversations.
    counted = [
        {(e["followup_id"], e["sequence"]) for e in json.loads(out)["emitted"]}
        for out, _ in outputs
    ]
    for i in range(RUNS):
        for j in range(i + 1, RUNS):
            assert not counted[i] & counted[j], "a version was counted by two runs"
    by_runs = set().union(*counted)

    # What the runs left (registered after they had looked) goes out with the next run, once.
    registered = sum(r.done for r in registrars) * len(EMPLOYEES)
    final = run_daily(engine, today=RUN_DAY, clock=lambda: now, settings=settings)
    by_final = {(e.followup_id, e.sequence) for e in final.emitted}
    assert not by_runs & by_final
    assert len(by_runs) + len(by_final) == before + registered
    assert run_daily(engine, today=RUN_DAY, clock=lambda: now, settings=settings).emitted == []
    assert due_now(engine) == 0

    with Session(engine) as session:
        followups = session.exec(select(FollowUp).where(FollowUp.kind == "checkin_1m")).all()
        rows = session.exec(select(Emission)).all()
    assert len(followups) == before + registered
    assert all(f.status == PLANNED and f.sequence == 0 for f in followups)
    assert sorted(r.followup_id for r in rows) == sorted(f.id for f in followups)  # one each
    assert all(r.sequence == 0 and r.method == "REQUEST" for r in rows)
    assert all(r.written_at is not None for r in rows)
    assert {(r.followup_id, r.sequence) for r in rows} == by_runs | by_final

    files = sorted(
        p for p in settings.outbox_dir.rglob("*") if p.is_file() and not p.name.startswith(".")
    )
    assert len(files) == 2 * len(rows)
    assert {str(p) for p in files} == {r.ics_path for r in rows} | {r.eml_path for r in rows}
    for path in files:
        raw = path.read_bytes()
        if path.suffix == ".ics":
            assert vobject.readOne(raw.decode("utf-8"), validate=True).vevent.sequence.value == "0"
        else:
            assert email.message_from_bytes(raw, policy=STRICT)["Message-ID"]
