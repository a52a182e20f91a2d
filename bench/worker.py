"""One daily run in a fresh process, as cron starts it, measured: `bench/run.py` calls this.

    python bench/worker.py URL DAY OUTBOX [--profile FILE]

Prints one JSON object: the run's wall time (from the engine's creation to the end of
`run_daily`) and this process's CPU time in it, the process's wall time since start-up, what
the run decided, generated and wrote, the number of SQL statements it sent (on SQLite also the
thousands of virtual-machine steps they took: work, independent of the machine's load), and its
peak memory (VmHWM, and the same taken just before the run, so the growth during the run shows
apart from the interpreter and the imports). The clock is the real one; settings are nazorg's
defaults (leadership cycles on), with the database and outbox given here.
"""

from __future__ import annotations

import time

PROCESS_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def maxrss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss is unreliable across exec: Linux
    carries the parent's peak over into a spawned child)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("day", type=date.fromisoformat)
    parser.add_argument("outbox", type=Path)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run here")
    args = parser.parse_args()

    from sqlalchemy import event

    from nazorg.core.clock import utc_now
    from nazorg.jobs.daily import run_daily
    from nazorg.settings import Settings
    from nazorg.store.engine import make_engine

    settings = Settings(database_url=args.url, outbox=args.outbox)
    before_mb = maxrss_mb()
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    # SQLite: the virtual-machine steps of every statement (in thousands), a count of the work
    # done that, unlike time, does not depend on what else the machine is doing.
    vm_ksteps = 0

    def step() -> int:
        nonlocal vm_ksteps
        vm_ksteps += 1
        return 0

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_progress_handler(step, 1000)

    started = time.perf_counter()
    cpu_started = time.process_time()
    engine = make_engine(args.url)
    event.listen(engine, "before_cursor_execute", count)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", on_connect)
    if args.profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(
            run_daily, engine, today=args.day, clock=utc_now, settings=settings
        )
        profiler.dump_stats(args.profile)
    else:
        report = run_daily(engine, today=args.day, clock=utc_now, settings=settings)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    engine.dispose()
    print(
        json.dumps(
            {
                "day": args.day.isoformat(),
                "seconds": round(seconds, 3),
                "cpu_s": round(cpu_seconds, 3),
                "process_s": round(time.perf_counter() - PROCESS_START, 3),
                "generated": report.generated,
                "decided": report.decided,
                "written": len(report.emitted),
                "statements": statements,
                "sqlite_vm_ksteps": vm_ksteps if engine.dialect.name == "sqlite" else None,
                "maxrss_mb": round(maxrss_mb(), 1),
                "maxrss_before_run_mb": round(before_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
