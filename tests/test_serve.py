"""`nazorg serve`: the daily job in-process with APScheduler."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from nazorg.jobs.serve import MISFIRE_GRACE_SECONDS, build_scheduler


def test_the_scheduler_runs_daily_at_run_time_in_amsterdam_coalescing_missed_runs(
    engine: Any, settings: Any
) -> None:
    scheduler = build_scheduler(engine, settings, echo=lambda _line: None)
    (job,) = scheduler.get_jobs()
    assert job.coalesce is True
    assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS
    assert job.max_instances == 1
    assert str(job.trigger.timezone) == "Europe/Amsterdam"
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("6", "0")


@pytest.mark.slow
def test_serve_catches_up_at_start_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NAZORG_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "NAZORG_OUTBOX": str(tmp_path / "outbox"),
        "NAZORG_TODAY": "2026-03-02",
    }
    subprocess.run(
        [sys.executable, "-m", "nazorg", "init"], env=env, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, "-m", "nazorg", "demo", "load"], env=env, check=True, capture_output=True
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "nazorg", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if line.startswith("nazorg serve: volgende run"):
            break
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    lines += out.splitlines(keepends=True)
    assert process.returncode == 0, err
    assert lines[0].startswith("run voor 2026-03-02: ") and "versie(s) gemaakt" in lines[0]
    assert "T06:00:00+01:00" in lines[1] or "T06:00:00+02:00" in lines[1]
    assert lines[-1].strip() == "nazorg serve: gestopt"
    assert list((tmp_path / "outbox").rglob("*.ics"))
    status = subprocess.run(
        [sys.executable, "-m", "nazorg", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0, status.stderr
