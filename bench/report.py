"""Time the monthly report on a benchmark database: `nazorg report` in every format, each in a
fresh process as a person or cron starts it (wall time and CPU time; the goal is < 5 s each).

    python bench/report.py sqlite:///bench/.work/national.db --month 2026-02 --today 2026-03-13

The database comes from `bench/generate.py` (or `make bench --keep`). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMATS = ("json", "csv", "html", "pdf")


def measure(url: str, month: str, today: str, fmt: str, folder: Path) -> dict[str, float]:
    env = {**os.environ, "NAZORG_DATABASE_URL": url, "NAZORG_TODAY": today, "NAZORG_USER": "bench"}
    target = folder / f"report.{fmt}"
    target.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nazorg", "report", "--month", month, "--format", fmt,
         "--output", str(target)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "bytes": target.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--month", default="2026-02")
    parser.add_argument("--today", default="2026-03-13")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {
            fmt: measure(args.url, args.month, args.today, fmt, Path(folder)) for fmt in FORMATS
        }
    print(json.dumps({"load_average": os.getloadavg(), "report": results}, indent=2))


if __name__ == "__main__":
    main()
