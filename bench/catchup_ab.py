"""Issue 16's before/after: the catch-up on PostgreSQL with each index variant, and on SQLite.

    python bench/catchup_ab.py [--sizes 1000,10000] [--employees 6000] [--incidents 30000]

One history is generated (bench/generate.py) into a PostgreSQL server run as production runs it
(bench/run.py's settings) and into SQLite. Each variant gets a copy of the same PostgreSQL
database (CREATE DATABASE ... TEMPLATE) with its SQL applied, then the catch-ups of the given
sizes in a row, each in a fresh process (bench/worker.py), so the variants run the same work
under conditions as alike as a shared machine allows. Printed per run: items/s, the CPU seconds
of the worker, and the rows PostgreSQL read and the blocks it touched per item (work, whatever
the load); in the middle of the largest catch-up, EXPLAIN (ANALYZE, BUFFERS) of the generic plans
of the marking update and of the query for the next batch; after each variant the statements
that touched the most blocks (pg_stat_statements).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from tests import pgserver  # noqa: E402

from bench import run as bench  # noqa: E402
from bench.generate import Scale, generate  # noqa: E402

#: The variants: SQL applied to each copy (the migrations made the partial index).
VARIANTS = {
    "plain written_at index (before)": "DROP INDEX ix_emission_unwritten;"
    " CREATE INDEX ix_emission_written_at ON emission (written_at); ANALYZE emission",
    "partial index of unwritten ids (after)": "ANALYZE emission",
}
#: Versions still to write (through either index: cheap, unlike counting the written ones).
PENDING = "SELECT count(*) FROM emission WHERE written_at IS NULL"
PLANS = (
    "PREPARE u(timestamp, text, text, int) AS UPDATE emission SET written_at = $1, ics_path = $2,"
    " eml_path = $3 WHERE id = $4 AND written_at IS NULL",
    "PREPARE p(int) AS SELECT * FROM emission WHERE written_at IS NULL AND id > $1"
    " ORDER BY id LIMIT 500",
)


def work(db: psycopg.Connection[Any]) -> tuple[int, int]:
    row = db.execute(
        "SELECT (SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables)"
        " + (SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes),"
        " (SELECT coalesce(sum(heap_blks_hit + heap_blks_read + coalesce(idx_blks_hit, 0)"
        " + coalesce(idx_blks_read, 0)), 0) FROM pg_statio_user_tables)"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def explain_midway(conninfo: str, size: int, done: threading.Event) -> None:
    """EXPLAIN the write step's two statements once half of this catch-up is written."""
    with psycopg.connect(conninfo, autocommit=True) as db:
        seen = 0
        while True:  # the decide step makes `size` pending, the write step works them off
            if done.wait(2):
                return
            row = db.execute(PENDING).fetchone()
            assert row is not None
            seen = max(seen, row[0])
            if seen >= 0.9 * size and row[0] <= seen // 2:
                break
        first = db.execute("SELECT min(id) FROM emission WHERE written_at IS NULL").fetchone()
        assert first is not None
        for query in (f"EXECUTE u(now(), 'x', 'y', {first[0]})", f"EXECUTE p({first[0]})"):
            db.execute("BEGIN")
            db.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            for plan in PLANS:
                db.execute(plan)
            print(f"  EXPLAIN (ANALYZE, BUFFERS) {query}, {row[0]} of {size} still to write:")
            for line in db.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}"):
                print("     ", line[0])
            db.execute("ROLLBACK")
            db.execute("DEALLOCATE ALL")


def catch_up(url: str, label: str, sizes: list[int], conninfo: str | None) -> None:
    for size in sizes:
        bench.pull_forward(url, bench.CATCHUP_DAY, size)
        db = psycopg.connect(conninfo, autocommit=True) if conninfo else None
        before = work(db) if db else (0, 0)
        explainer, done = None, threading.Event()
        if conninfo and size == sizes[-1]:
            explainer = threading.Thread(target=explain_midway, args=(conninfo, size, done))
            explainer.start()
        run = bench.worker(url, bench.CATCHUP_DAY, bench.WORK / "outbox" / f"{label}-{size}")
        done.set()
        if explainer:
            explainer.join()
        figures = {
            "variant": label,
            "size": size,
            "written": run["written"],
            "seconds": run["seconds"],
            "cpu_s": run["cpu_s"],
            "items_per_s": round(run["written"] / run["seconds"], 1),
            "loadavg": round(os.getloadavg()[0], 1),
        }
        if db:
            time.sleep(0.6)  # the worker's statistics reach the server when it ends
            after = work(db)
            n = max(1, run["written"])
            figures["rows_read_per_item"] = round((after[0] - before[0]) / n, 1)
            figures["blocks_per_item"] = round((after[1] - before[1]) / n, 1)
            db.close()
        print(json.dumps(figures), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--employees", type=int, default=6000)
    parser.add_argument("--teams", type=int, default=16)
    parser.add_argument("--incidents", type=int, default=30000)
    parser.add_argument(
        "--variants", default="0,1", help="which of VARIANTS (0 before, 1 after), in this order"
    )
    args = parser.parse_args()
    chosen = [int(v) for v in args.variants.split(",") if v]
    sizes = [int(s) for s in args.sizes.split(",")]
    bench.WORK = Path(os.environ.get("BENCH_WORK", "/tmp/nazorg-catchup-ab"))
    shutil.rmtree(bench.WORK, ignore_errors=True)
    bench.WORK.mkdir(parents=True)
    pgserver.SERVER_SETTINGS.update(bench.PG_SETTINGS)
    pgserver.SERVER_SETTINGS["shared_preload_libraries"] = "pg_stat_statements"
    server = pgserver.PostgresServer()
    server.start()
    try:
        base = server.create_database("base")
        with psycopg.connect(server.conninfo("base"), autocommit=True) as db:
            db.execute("CREATE EXTENSION pg_stat_statements")
        sqlite = f"sqlite:///{bench.WORK / 'base.db'}"
        scale = Scale(employees=args.employees, teams=args.teams, incidents=args.incidents)
        generated = generate([base, sqlite], scale)
        print(json.dumps({"scale": asdict(scale), "rows": generated["rows"]}), flush=True)
        for index in chosen:
            label, statements = list(VARIANTS.items())[index]
            name = f"variant{index}"
            url = server.create_database(name, template="base")
            with psycopg.connect(server.conninfo(name), autocommit=True) as db:
                for statement in statements.split(";"):
                    db.execute(statement)
                db.execute("SELECT pg_stat_statements_reset()")
            catch_up(url, label, sizes, server.conninfo(name))
            with psycopg.connect(server.conninfo(name)) as db:
                for row in db.execute(
                    "SELECT calls, round(total_exec_time), shared_blks_hit + shared_blks_read,"
                    " left(regexp_replace(query, '\\s+', ' ', 'g'), 100) FROM pg_stat_statements"
                    " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    " ORDER BY 3 DESC LIMIT 5"
                ):
                    print("  top statements (calls, ms, blocks, query):", row, flush=True)
        catch_up(sqlite, "sqlite", sizes, None)
    finally:
        server.stop()
        shutil.rmtree(bench.WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
