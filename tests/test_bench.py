"""`make bench` keeps working: the whole bench at a tiny scale, on SQLite, without the web load.

The bench reaches into the models, the daily run and the renderer; a change there that the
generator does not follow (a new required column, a moved name) must fail here, not on the day
someone measures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_bench_runs_end_to_end_at_a_tiny_scale(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {**os.environ, "NAZORG_BENCH_WORK": str(tmp_path / "work")}
    command = [
        sys.executable, "bench/run.py", "--employees", "400", "--teams", "4",
        "--incidents", "800", "--fractions", "0.1", "--no-postgres", "--no-web",
        "--catchup", "50", "--repeat", "1", "--startup-repeat", "1",
        "--render-sample", "20", "--profile-size", "20", "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text())
    (day,) = results["daily"]
    assert day["normal_day"]["written"] == day["normal_day"]["decided"] > 0
    (catch_up,) = results["catch_up"]["sqlite"]["runs"]
    assert catch_up["written"] == catch_up["due"] == 50
    assert results["goals"]["VTIMEZONE built once"]["met"] is True
    report = results["report"]["sqlite"]
    assert set(report) == {"2026-02", "2025-09"}
    assert all(t["bytes"] > 0 for month in report.values() for t in month.values())
    assert set(report["2026-02"]) == {"json", "csv", "html", "pdf"}
    assert "monthly report under 5 s in every format (sqlite)" in results["goals"]
