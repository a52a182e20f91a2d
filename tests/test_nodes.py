"""Two nodes against one PostgreSQL database (issue 16): `nazorg serve` in two real processes.

One node runs the daily job while holding the node lock (a session advisory lock); the other
waits. Killed with SIGKILL mid-run, the first node's session dies, the server releases the lock
and the second takes over: in the end every due version is in the outbox exactly once, the same
versions and file names as a single node's run on a copy of the same data. A node that waited
while the other finished the day's run skips it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, func, select

from nazorg.core.slots import WorkingHours
from nazorg.core.workdays import WorkCalendar
from nazorg.services import incidents
from nazorg.services.slots import SlotPolicy
from nazorg.settings import Settings
from nazorg.store.engine import make_engine, transaction
from nazorg.store.locks import NODE_LOCK_KEY
from nazorg.store.migrate import upgrade
from nazorg.store.models import Emission, Run
from tests.conftest import FIXED_NOW, load_team
from tests.test_exactly_once import RUN_DAY, check_outbox

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def prepare(url: str, outbox: Path) -> tuple[Any, Settings]:
    """A migrated database with over 150 check-in invites due on RUN_DAY (as test_exactly_once's
    busy day: 60 incidents of 3 employees, none for a day already past)."""
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, outbox=outbox, cycle_kinds=())
    load_team(engine)
    with transaction(engine) as session:
        for index in range(60):
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
                calendar=WorkCalendar(),
                force=True,
                # Room for 15 conversations a day per leader (issue 13 keeps one holder's
                # conversations apart), so that all of them are still due on RUN_DAY.
                policy=SlotPolicy(WorkingHours(clock_time(6), clock_time(22)), timedelta(0)),
            )
    return engine, settings


@pytest.fixture
def two_databases(postgres_server: Any, tmp_path: Path) -> Iterator[tuple[str, str]]:
    with (
        postgres_server.temporary_database("nodes") as nodes,
        postgres_server.temporary_database("single") as single,
    ):
        yield nodes, single


class Node:
    """One `nazorg serve` process with its node name; its output read in a thread."""

    def __init__(self, name: str, settings: Settings) -> None:
        self.name = name
        env = {
            **os.environ,
            "NAZORG_DATABASE_URL": settings.database_url,
            "NAZORG_OUTBOX": str(settings.outbox_dir),
            "NAZORG_TODAY": RUN_DAY,
            "NAZORG_CYCLE_KINDS": "[]",
            "NAZORG_NODE_NAME": name,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nazorg", "serve"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if line.startswith(prefix):
                    return line
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        stderr = ""
        if self.process.poll() is not None and self.process.stderr is not None:
            stderr = self.process.stderr.read()
        pytest.fail(f"{self.name}: no line {prefix!r} in {self.lines}; {stderr}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.reader.join(timeout=10)
        assert self.process.stderr is not None
        self.process.stderr.close()
        return self.process.returncode


def due_versions(engine: Any) -> int:
    """How many versions a run on RUN_DAY makes: one REQUEST per conversation due that day."""
    from nazorg.core.clock import utc_now
    from nazorg.jobs.daily import run_daily

    settings = Settings(database_url=str(engine.url), outbox=Path("/nonexistent"), cycle_kinds=())
    report = run_daily(
        engine, today=date.fromisoformat(RUN_DAY), clock=utc_now, settings=settings, dry_run=True
    )
    return len(report.emitted)


def outbox_names(outbox: Path) -> list[str]:
    return sorted(
        str(p.relative_to(outbox))
        for p in outbox.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    )


def versions(engine: Any) -> list[tuple[int, str, int, str]]:
    with Session(engine) as session:
        rows = session.exec(select(Emission)).all()
    return sorted((r.followup_id, r.purpose, r.sequence, r.method) for r in rows)


def test_a_node_killed_mid_run_is_taken_over_and_nothing_is_doubled_or_lost(
    two_databases: tuple[str, str], tmp_path: Path
) -> None:
    nodes_url, single_url = two_databases
    engine, settings = prepare(nodes_url, tmp_path / "outbox")
    due = due_versions(engine)
    assert due > 150

    a, b = Node("node-a", settings), Node("node-b", settings)
    try:
        # The node holding the lock records its run; kill it once it has decided versions.
        deadline = time.monotonic() + 120
        victim: Run | None = None
        while time.monotonic() < deadline and victim is None:
            with Session(engine) as session:
                running = session.exec(select(Run).where(Run.outcome == "running")).first()
                decided = session.exec(select(func.count()).select_from(Emission)).one()
            if running is not None and decided > 0:
                victim = running
            else:
                time.sleep(0.01)
        assert victim is not None, (a.lines, b.lines)
        killed, survivor = (a, b) if victim.node == "node-a" else (b, a)
        killed.process.send_signal(signal.SIGKILL)
        assert killed.process.wait(timeout=30) == -signal.SIGKILL
        line = survivor.wait_for("run voor ")
        assert line.startswith(f"run voor {RUN_DAY}: ") and "versie(s) gemaakt" in line
        survivor.wait_for("nazorg serve: volgende run")
    finally:
        for node in (a, b):
            node.stop()
    with Session(engine) as session:
        runs = session.exec(select(Run).order_by(col(Run.id))).all()
        written = session.exec(
            select(func.count()).select_from(Emission).where(col(Emission.written_at).is_not(None))
        ).one()
    # The killed node's run never finished; the survivor's took over and ended well.
    assert [(r.node, r.outcome) for r in runs] == [
        (killed.name, "running"),
        (survivor.name, "ok"),
    ]
    assert 0 < runs[1].written <= due and written == due
    check_outbox(engine, settings, due)

    # The same data on one node, run once: the same versions and the same files.
    single_engine, single_settings = prepare(single_url, tmp_path / "single")
    one = Node("single", single_settings)
    try:
        assert "versie(s) gemaakt" in one.wait_for("run voor ")
    finally:
        assert one.stop() == 0
    assert versions(engine) == versions(single_engine)
    assert outbox_names(settings.outbox_dir) == outbox_names(single_settings.outbox_dir)
    engine.dispose()
    single_engine.dispose()


def test_a_node_that_waited_while_the_other_finished_the_day_skips_the_run(
    two_databases: tuple[str, str], tmp_path: Path
) -> None:
    nodes_url, _ = two_databases
    engine, settings = prepare(nodes_url, tmp_path / "outbox")
    u = make_url(nodes_url)
    # The other node: holds the lock in its session and is recording its run.
    other = psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database)
    other.autocommit = True
    other.execute("SELECT pg_advisory_lock(%s)", (NODE_LOCK_KEY,))
    with transaction(engine) as session:
        run = Run(today=date.fromisoformat(RUN_DAY), started_at=FIXED_NOW, node="node-a")
        session.add(run)
    node = Node("node-b", settings)
    try:
        # node-b is waiting (asking for the lock again and again): no run of its own.
        deadline = time.monotonic() + 120
        while other.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND query LIKE 'SELECT pg_try_advisory_lock%%'"
        ).fetchone() != (1,):
            assert time.monotonic() < deadline and node.process.poll() is None, node.lines
            time.sleep(0.05)
        time.sleep(1)
        assert node.lines == []
        with transaction(engine) as session:
            done = session.get(Run, run.id)
            assert done is not None
            done.outcome, done.finished_at = "ok", FIXED_NOW
            session.add(done)
        other.close()  # the session ends: the lock is released
        assert node.wait_for("run voor ") == f"run voor {RUN_DAY}: al gedaan door node node-a"
        node.wait_for("nazorg serve: volgende run")
    finally:
        assert node.stop() == 0
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Run)).one() == 1
        assert session.exec(select(func.count()).select_from(Emission)).one() == 0
    status = subprocess.run(
        [sys.executable, "-m", "nazorg", "status"],
        env={**os.environ, "NAZORG_DATABASE_URL": nodes_url, "NAZORG_TODAY": RUN_DAY},
        capture_output=True,
        text=True,
    )
    assert "door node:             node-a" in status.stdout.splitlines(), status
    engine.dispose()
