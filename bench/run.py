"""`make bench`: nazorg at national scale on SQLite and PostgreSQL, with reproducible figures.

Steps (each figure is written to bench/results.json and printed as a table):

1. Generate a synthetic organisation (bench/generate.py: 65,000 employees in 160 teams) with
   10% and 100% of five years of history (about 25,000 and 250,000 incidents), into SQLite and
   into a throw-away PostgreSQL server (tests/pgserver.py; production durability: fsync on).
2. The daily run, each in a fresh process as cron starts it (bench/worker.py): on a normal day
   (the invites due on a Friday) and on a day with nothing due (the Saturday after; the median
   of several runs), at both history sizes. The cost with nothing due must not grow with history.
3. Catch-up: the next 2,000 and then 10,000 planned invites made due at once, each run in a
   fresh process: items per second and peak memory (which must stay flat as the catch-up grows);
   a profile of a smaller catch-up shows where the time goes.
4. The floor: the same 10,000 versions rendered with `icalendar`, `jinja2` and `email` alone
   (bench/floor.py), no database or files; nazorg's full run should reach 80% of it. nazorg's
   renderer alone on the same versions, and how often it built the VTIMEZONE.
5. Start-up: `nazorg --help`, `nazorg incident add` (on the national databases), next to
   `python -c pass`, `python -c "import typer"` and the import of the third-party stack.

Usage: python bench/run.py [--fractions 0.1,1] [--catchup 2000,10000] [--no-postgres] [--keep]
Scale flags (--employees, --incidents) exist for quick trials; results record the scale used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import EMPTY_DAY, TODAY, Scale, generate  # noqa: E402

#: The catch-up runs: a Sunday, nothing else due.
CATCHUP_DAY = date(2026, 3, 15)
#: Databases and outboxes of a run; NAZORG_BENCH_WORK moves them (the smoke test does).
WORK = Path(os.environ.get("NAZORG_BENCH_WORK") or ROOT / "bench" / ".work")
WORKER = ROOT / "bench" / "worker.py"
#: PostgreSQL as production runs it (durable commits), with a modest memory setting; the
#: test-suite server trades durability for speed, which would flatter the figures.
PG_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "512MB",
    "max_wal_size": "4GB",
}
#: Goals from the issue.
THROUGHPUT_GOAL = 0.8
STACK = (
    "typer, pydantic, pydantic_settings, email_validator, sqlalchemy, sqlmodel, "
    "alembic.runtime.migration, alembic.script, holidays"
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAZORG_")}
    env["XDG_DATA_HOME"] = str(WORK / "xdg")
    env["NAZORG_USER"] = "bench"
    return env


def worker(url: str, day: date, outbox: Path, profile: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, str(WORKER), url, day.isoformat(), str(outbox)]
    if profile is not None:
        command += ["--profile", str(profile)]
    result = subprocess.run(
        command, env=clean_env(), capture_output=True, text=True, check=False, timeout=1800
    )
    if result.returncode != 0:
        raise SystemExit(f"daily run failed on {url} for {day}:\n{result.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


# --- databases --------------------------------------------------------------------------------


def engine_for(url: str) -> Any:
    from nazorg.store.engine import make_engine

    return make_engine(url)


def database_facts(url: str) -> dict[str, Any]:
    from sqlalchemy import text

    engine = engine_for(url)
    with engine.connect() as connection:
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            for table in ("employee", "incident", "followup", "emission")
        }
        if engine.dialect.name == "postgresql":
            size = connection.execute(text("SELECT pg_database_size(current_database())"))
            size_bytes = int(size.scalar_one())
        else:
            size_bytes = Path(url.removeprefix("sqlite:///")).stat().st_size
    engine.dispose()
    return {**counts, "size_mb": round(size_bytes / 2**20)}


def pull_forward(url: str, day: date, count: int) -> int:
    """Make the next `count` planned invites due on `day` (a catch-up of that size)."""
    from sqlalchemy import text

    engine = engine_for(url)
    with engine.begin() as connection:
        result = connection.execute(
            text(
                "UPDATE followup SET emit_on = :day WHERE id IN ("
                " SELECT id FROM followup WHERE emit_on > :day AND status = 'planned'"
                " AND sequence = -1 ORDER BY emit_on, id LIMIT :count)"
            ),
            {"day": day, "count": count},
        )
        changed = int(result.rowcount)
    engine.dispose()
    return changed


def versions_of_run(url: str, day: date) -> list[Any]:
    """The InviteVersions decided on `day` (the catch-up), for the floor."""
    from sqlalchemy import text

    from nazorg.core.payload import InviteVersion

    engine = engine_for(url)
    with engine.connect() as connection:
        payloads = connection.execute(
            text(
                "SELECT payload FROM emission WHERE decided_on = :day AND purpose = 'invite' "
                "ORDER BY id"
            ),
            {"day": day},
        ).scalars()
        versions = [InviteVersion.from_json(p) for p in payloads]
    engine.dispose()
    return versions


# --- measurements -----------------------------------------------------------------------------


def pg_rows_read(url: str) -> int:
    """Rows PostgreSQL has read from the user tables and indexes of this database so far
    (sequential-scan tuples plus index entries): the work of the runs in between, whatever the
    load of the machine. A run's statistics are flushed when its process ends."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database) as db:
        row = db.execute(
            "SELECT (SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables)"
            " + (SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes)"
        ).fetchone()
    return int(row[0]) if row else 0


def daily_runs(url: str, label: str, repeat: int) -> dict[str, Any]:
    outbox = WORK / "outbox" / label
    normal = worker(url, TODAY, outbox)
    log(f"  {label}: normal day {normal['written']} written in {normal['seconds']} s")
    postgres = not url.startswith("sqlite")
    before = pg_rows_read(url) if postgres else 0
    empties = [worker(url, EMPTY_DAY, outbox) for _ in range(repeat)]
    seconds = [e["seconds"] for e in empties]
    if postgres:
        work = {"pg_rows_read": (pg_rows_read(url) - before) // repeat}
    else:
        work = {"sqlite_vm_ksteps": empties[-1]["sqlite_vm_ksteps"]}
    log(f"  {label}: empty day median {statistics.median(seconds)} s, {work}")
    return {
        "normal_day": normal,
        "empty_day": {
            "median_s": round(statistics.median(seconds), 3),
            "runs_s": seconds,
            "cpu_s": empties[-1]["cpu_s"],
            "statements": empties[-1]["statements"],
            **work,
            "maxrss_mb": empties[-1]["maxrss_mb"],
        },
    }


def catch_up(url: str, label: str, sizes: list[int], profile_size: int) -> dict[str, Any]:
    runs = []
    postgres = not url.startswith("sqlite")
    for size in sizes:
        made_due = pull_forward(url, CATCHUP_DAY, size)
        before = pg_rows_read(url) if postgres else 0
        run = worker(url, CATCHUP_DAY, WORK / "outbox" / f"{label}-catchup-{size}")
        run["due"] = made_due
        run["items_per_s"] = round(run["written"] / run["seconds"], 1)
        if postgres:  # the work per item, whatever the load: it must not grow with the size
            time.sleep(0.6)  # the worker's statistics reach the server when its process ends
            run["pg_rows_read_per_item"] = round(
                (pg_rows_read(url) - before) / max(1, run["written"]), 1
            )
        log(f"  {label}: catch-up {size}: {run['items_per_s']} items/s, {run['maxrss_mb']} MB")
        runs.append(run)
    profile = WORK / f"{label}-catchup.prof"
    pull_forward(url, CATCHUP_DAY, profile_size)
    profiled = worker(url, CATCHUP_DAY, WORK / "outbox" / f"{label}-profile", profile)
    return {"runs": runs, "profile": summarise_profile(profile, profiled["written"])}


#: Where a run's time goes: (label, file suffix, function name). Missing ones are left out.
PROFILE_POINTS = (
    ("run_daily", "nazorg/emit.py", "run_daily"),
    ("generate_cycles", "nazorg/emit.py", "generate_cycles"),
    ("decide", "nazorg/emit.py", "decide"),
    ("decide_escalations", "nazorg/emit.py", "decide_escalations"),
    ("write", "nazorg/emit.py", "write"),
    ("render (ics + eml)", "nazorg/emit.py", "render"),
    ("render_ics", "nazorg/invite.py", "render_ics"),
    ("render_eml", "nazorg/draft.py", "render_eml"),
    ("draft: verify headers", "nazorg/draft.py", "_verify_headers"),
    ("write_atomic (files, fsync)", "nazorg/outbox.py", "write_atomic"),
    ("sqlalchemy commit", "sqlalchemy/orm/session.py", "commit"),
    ("last_version", "nazorg/emit.py", "last_version"),
    ("desired_versions", "nazorg/emit.py", "desired_versions"),
)


def summarise_profile(path: Path, items: int) -> dict[str, Any]:
    stats = pstats.Stats(str(path))
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    points: dict[str, float] = {}
    for label, suffix, name in PROFILE_POINTS:
        total = sum(
            ct
            for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in raw.items()
            if func == name and file.endswith(suffix)
        )
        if total:
            points[label] = round(total, 3)
    own = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:12]
    return {
        "items": items,
        "note": "cProfile, so about twice the real time; read the shares, not the seconds",
        "cumulative_s": points,
        "ms_per_item": {k: round(v * 1000 / max(1, items), 2) for k, v in points.items()},
        "top_own_time": [
            {"function": f"{Path(file).name}:{line}({func})", "own_s": round(tt, 3)}
            for (file, line, func), (_cc, _nc, tt, _ct, _callers) in own
        ],
    }


def render_only(versions: list[Any]) -> dict[str, Any]:
    """nazorg's renderer alone on the same versions (no database, no files)."""
    from nazorg.emission.render.invite import vtimezone_lines
    from nazorg.emission.render.renderer import Renderer
    from nazorg.settings import Settings

    vtimezone_lines.cache_clear()
    started = time.perf_counter()
    renderer = Renderer(Settings(database_url="sqlite://", outbox=WORK / "unused"))
    for version in versions:
        renderer.render(version)
    seconds = time.perf_counter() - started
    info = vtimezone_lines.cache_info()
    return {
        "items": len(versions),
        "seconds": round(seconds, 3),
        "items_per_s": round(len(versions) / seconds, 1),
        "vtimezone_builds": info.misses,
        "vtimezone_reuses": info.hits,
    }


def timed(command: list[str], env: dict[str, str], repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        runs.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return {"median_s": round(statistics.median(runs), 3), "runs_s": [round(r, 3) for r in runs]}


def startup(urls: dict[str, str], repeat: int) -> dict[str, Any]:
    python = sys.executable
    nazorg = str(Path(python).with_name("nazorg"))
    env = clean_env()
    figures = {
        "python -c pass": timed([python, "-c", "pass"], env, repeat),
        'python -c "import typer"': timed([python, "-c", "import typer"], env, repeat),
        "import of the stack": timed([python, "-c", f"import {STACK}"], env, repeat),
        "nazorg --help": timed([nazorg, "--help"], env, repeat),
    }
    command = [
        nazorg, "incident", "add", "--employee", "100005", "--date", "2026-03-12",
        "--kind", "geweld", "--force",
    ]  # fmt: skip
    for name, url in urls.items():
        add_env = {**env, "NAZORG_DATABASE_URL": url, "NAZORG_TODAY": TODAY.isoformat()}
        add_env["NAZORG_OUTBOX"] = str(WORK / "outbox" / "startup")
        figures[f"nazorg incident add ({name})"] = timed(command, add_env, repeat)
    first = next(iter(urls.values()), None)
    importtime = subprocess.run(
        [python, "-X", "importtime", nazorg, *command[1:]],
        env={**env, "NAZORG_DATABASE_URL": first or "", "NAZORG_TODAY": TODAY.isoformat()},
        capture_output=True,
        text=True,
        check=False,
    )
    return {"commands": figures, "stack": STACK, "slowest_imports": slowest(importtime.stderr)}


def slowest(importtime: str, top: int = 10) -> list[dict[str, Any]]:
    """Top-level imports by cumulative time, from `python -X importtime` output."""
    rows = []
    for line in importtime.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in line:
            continue
        name = parts[2]
        if name.startswith(" ") and not name.startswith("  "):
            rows.append({"module": name.strip(), "cumulative_ms": int(parts[1]) // 1000})
    return sorted(rows, key=lambda r: -int(r["cumulative_ms"]))[:top]


# --- the machine and the report ---------------------------------------------------------------


def fsync_ms(directory: Path, count: int = 100) -> float:
    """Median time to write and fsync a small file here: the disk's part of every durable write
    (it varies a lot on shared virtual machines, so it is measured with the figures)."""
    probe = directory / ".fsync-probe"
    times = []
    for _ in range(count):
        started = time.perf_counter()
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
        finally:
            os.close(fd)
        times.append(time.perf_counter() - started)
    probe.unlink()
    return round(statistics.median(times) * 1000, 2)


def conditions() -> dict[str, Any]:
    """What else the machine was doing: load averages and fsync latency, at this moment."""
    return {
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "fsync_ms": fsync_ms(WORK),
    }


def machine(pg_version: str | None) -> dict[str, Any]:
    model = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version,
        "commit": commit + ("+changes" if dirty else ""),
    }


def goals(results: dict[str, Any]) -> dict[str, Any]:
    verdict: dict[str, Any] = {}
    for db in results["databases"]:
        daily = {r["history"]: r for r in results["daily"] if r["database"] == db}
        if "10%" in daily and "100%" in daily:
            small = daily["10%"]["empty_day"]
            large = daily["100%"]["empty_day"]
            ratio = large["median_s"] / small["median_s"]
            metric = "sqlite_vm_ksteps" if "sqlite_vm_ksteps" in small else "pg_rows_read"
            work = large[metric] / max(1, small[metric])
            # Judged on the work done (VM steps, rows read), which the machine's load does not
            # change; the time is shown next to it.
            verdict[f"empty day flat ({db})"] = {
                "met": work <= 1.1 and large["statements"] == small["statements"],
                "detail": f"100%/10%: {metric} {small[metric]:,} -> {large[metric]:,} "
                f"({work:.2f}x), time {ratio:.2f}x, statements {small['statements']} -> "
                f"{large['statements']}",
            }
        catch = results["catch_up"].get(db)
        floor = results["throughput"].get("floor")
        if catch and floor:
            best = catch["runs"][-1]
            share = best["items_per_s"] / floor["items_per_s"]
            verdict[f"throughput >= 80% of floor ({db})"] = {
                "met": share >= THROUGHPUT_GOAL,
                "detail": f"{best['items_per_s']} vs {floor['items_per_s']} items/s = {share:.0%}",
            }
            small_run, large_run = catch["runs"][0], catch["runs"][-1]
            own = large_run["items_per_s"] / small_run["items_per_s"]
            verdict[f"catch-up linear: items/s at the largest >= 0.9x the smallest ({db})"] = {
                "met": own >= 0.9,
                "detail": f"{small_run['written']} items: {small_run['items_per_s']} items/s, "
                f"{large_run['written']} items: {large_run['items_per_s']} items/s ({own:.2f}x)",
            }
            sqlite_catch = results["catch_up"].get("sqlite")
            if db != "sqlite" and sqlite_catch:
                versus = large_run["items_per_s"] / sqlite_catch["runs"][-1]["items_per_s"]
                verdict[f"catch-up >= 0.8x SQLite's at the largest ({db})"] = {
                    "met": versus >= 0.8,
                    "detail": f"{large_run['items_per_s']} vs "
                    f"{sqlite_catch['runs'][-1]['items_per_s']} items/s ({versus:.2f}x)",
                }
            growth = large_run["maxrss_mb"] - small_run["maxrss_mb"]
            verdict[f"memory flat ({db})"] = {
                "met": large_run["maxrss_mb"] <= 1.2 * small_run["maxrss_mb"],
                "detail": f"{small_run['written']} items: {small_run['maxrss_mb']} MB, "
                f"{large_run['written']} items: {large_run['maxrss_mb']} MB (+{growth:.1f})",
            }
    pages = ("dashboard", "agenda", "conversation")
    for db, figures in (results.get("web") or {}).items():
        # Two verdicts: at saturation (no think time; mostly queueing on the server's cores) and
        # paced at a stated rate below it (a busy but not overloaded day).
        worst = max(figures[page]["p95_ms"] for page in pages)
        verdict[f"web p95 under 150 ms, 20 users without think time ({db})"] = {
            "met": worst < 150,
            "detail": ", ".join(f"{page} {figures[page]['p95_ms']} ms" for page in pages)
            + f" at {figures['requests_per_s']} requests/s",
        }
        paced = figures.get("paced")
        if paced:
            worst = max(paced[page]["p95_ms"] for page in pages)
            verdict[f"web p95 under 150 ms at {paced['rate_per_s']} requests/s ({db})"] = {
                "met": worst < 150,
                "detail": ", ".join(f"{page} {paced[page]['p95_ms']} ms" for page in pages)
                + f" ({paced['share_of_saturation']:.0%} of saturation)",
            }
    for db, months in (results.get("report") or {}).items():
        times = [(t["wall_s"], t["cpu_s"], m, f) for m, fs in months.items() for f, t in fs.items()]
        wall, cpu, month, fmt = max(times)
        verdict[f"monthly report under {REPORT_GOAL_S:g} s in every format ({db})"] = {
            "met": wall < REPORT_GOAL_S,
            "detail": f"slowest {month} {fmt}: {wall} s wall, {cpu} s cpu",
        }
    render = results["throughput"].get("nazorg_render_only")
    if render:
        verdict["VTIMEZONE built once"] = {
            "met": render["vtimezone_builds"] == 1,
            "detail": f"{render['vtimezone_builds']} build(s) for {render['items']} invites",
        }
    verdict["make bench under 15 minutes"] = {
        "met": results["total_s"] < 900,
        "detail": f"{results['total_s'] / 60:.1f} min",
    }
    return verdict


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [
        f"nazorg bench: {m['cpus']} x {m['cpu']}, {m['memory']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}, PostgreSQL {m['postgresql'] or '-'}, commit {m['commit']}",
        f"scale: {results['scale']['employees']} employees, {results['scale']['teams']} teams, "
        f"{results['scale']['incidents']} incidents in {results['scale']['history_years']} years",
    ]
    if "conditions" in results:
        c = results["conditions"]
        out.append(
            f"conditions: load average {c['start']['loadavg'][0]} at start, "
            f"{c['end']['loadavg'][0]} at end; write+fsync of 4 KB {c['start']['fsync_ms']} ms "
            f"at start, {c['end']['fsync_ms']} ms at end"
        )
    gen = ", ".join(
        f"{label}: {g['total_s']:.0f} s ({g['rows']['followup']:,} follow-ups)"
        for label, g in results["generation"].items()
    )
    out += [
        f"generation (both databases at once): {gen}",
        "",
        "Daily run (fresh process each; seconds inside the process, start-up excluded)",
    ]
    rows = []
    for r in results["daily"]:
        n, e = r["normal_day"], r["empty_day"]
        rows.append(
            [
                r["database"],
                r["history"],
                f"{r['facts']['followup']:,}",
                f"{r['facts']['emission']:,}",
                f"{r['facts']['size_mb']:,}",
                f"{n['written']}",
                f"{n['seconds']:.2f}",
                f"{e['median_s']:.2f}",
                str(e["statements"]),
                f"{e['sqlite_vm_ksteps']:,} k VM steps"
                if "sqlite_vm_ksteps" in e
                else f"{e['pg_rows_read']:,} rows read",
            ]
        )
    header = [
        "database", "history", "follow-ups", "emissions", "MB", "due", "normal s",
        "empty s", "empty stmts", "empty work",
    ]  # fmt: skip
    out += [table(rows, header), "", "Catch-up (fresh process each)"]
    rows = []
    for db, catch in results["catch_up"].items():
        for run in catch["runs"]:
            rows.append(
                [
                    db,
                    str(run["written"]),
                    f"{run['seconds']:.1f}",
                    f"{run['cpu_s']:.1f}",
                    f"{run['items_per_s']:.0f}",
                    f"{run['maxrss_mb']:.0f}",
                    f"{run['maxrss_mb'] - run['maxrss_before_run_mb']:.0f}",
                ]
            )
    t = results["throughput"]
    for name in ("floor", "nazorg_render_only"):
        if name in t:
            rows.append([name, str(t[name]["items"]), f"{t[name]['seconds']:.1f}", "",
                         f"{t[name]['items_per_s']:.0f}", "", ""])  # fmt: skip
    header = ["run", "items", "s", "cpu s", "items/s", "peak MB", "run's own MB"]
    out += [table(rows, header), ""]
    out.append("Start-up (median of runs)")
    rows = [[name, f"{f['median_s']:.3f}"] for name, f in results["startup"]["commands"].items()]
    out += [table(rows, ["command", "s"])]
    if results.get("web"):
        rows = []
        for db, f in results["web"].items():
            paced = f.get("paced") or {}
            for page in ("dashboard", "agenda", "conversation"):
                rows.append([db, "saturation", page, str(f[page]["p50_ms"]),
                             str(f[page]["p95_ms"]), str(f["requests_per_s"])])  # fmt: skip
            for page in ("dashboard", "agenda", "conversation") if paced else ():
                rows.append([db, "paced", page, str(paced[page]["p50_ms"]),
                             str(paced[page]["p95_ms"]), str(paced["rate_per_s"])])  # fmt: skip
        out += ["", "Web app, 20 users: without think time, then paced (ms)"]
        out += [table(rows, ["database", "load", "page", "p50", "p95", "requests/s"])]
    if results.get("report"):
        rows = [
            [db, month, fmt, f"{t['wall_s']:.2f}", f"{t['cpu_s']:.2f}"]
            for db, months in results["report"].items()
            for month, formats in months.items()
            for fmt, t in formats.items()
        ]
        out += ["", "Monthly report, national history, a fresh process each (s)"]
        out += [table(rows, ["database", "month", "format", "wall", "cpu"])]
    out += ["", "Goals"]
    rows = [
        [name, "met" if g["met"] else "NOT met", g["detail"]]
        for name, g in results["goals"].items()
    ]
    out += [table(rows, ["goal", "", "figures"])]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fractions", default="0.1,1", help="history sizes (default 0.1,1)")
    parser.add_argument("--catchup", default="1000,10000", help="catch-up sizes")
    parser.add_argument("--profile-size", type=int, default=500)
    parser.add_argument(
        "--render-sample", type=int, default=2000, help="versions for nazorg's renderer alone"
    )
    parser.add_argument("--employees", type=int, default=Scale.employees)
    parser.add_argument("--teams", type=int, default=Scale.teams)
    parser.add_argument("--incidents", type=int, default=Scale.incidents)
    parser.add_argument("--repeat", type=int, default=3, help="empty-day runs per median")
    parser.add_argument("--startup-repeat", type=int, default=5, help="start-ups per median")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-web", action="store_true", help="leave the web app's load out")
    parser.add_argument("--no-report", action="store_true", help="leave the monthly report out")
    parser.add_argument("--web-rounds", type=int, default=15, help="requests per user per page")
    parser.add_argument(
        "--web-rate",
        type=float,
        default=None,
        help="paced web load, requests/s (default: 40%% of the saturation figure)",
    )
    parser.add_argument("--keep", action="store_true", help="keep bench/.work (databases)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    started = time.perf_counter()
    fractions = [float(f) for f in args.fractions.split(",")]
    sizes = [int(s) for s in args.catchup.split(",")]

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    server = None
    if not args.no_postgres:
        from tests import pgserver

        if pgserver.find_pg_bin() is None:
            log(f"{pgserver.MISSING_BINARIES}: PostgreSQL left out (make postgres installs it)")
        else:
            pgserver.SERVER_SETTINGS.update(PG_SETTINGS)
            server = pgserver.PostgresServer()
            server.start()
    before = conditions()
    try:
        results = measure(args, fractions, sizes, server)
        results["conditions"] = {"start": before, "end": conditions()}
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(WORK, ignore_errors=True)
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["goals"] = goals(results)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(report(results))
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"\nwritten to {shown}")


def measure(
    args: argparse.Namespace, fractions: list[float], sizes: list[int], server: Any
) -> dict[str, Any]:
    pg_version = None
    if server is not None:
        import psycopg

        with psycopg.connect(server.conninfo()) as connection:
            row = connection.execute("SHOW server_version").fetchone()
            pg_version = str(row[0]) if row else None
    base = Scale(employees=args.employees, teams=args.teams, incidents=args.incidents)
    results: dict[str, Any] = {
        "command": "make bench  (python bench/run.py)",
        "machine": machine(pg_version),
        "scale": {
            "employees": base.employees,
            "teams": base.teams,
            "incidents": base.incidents,
            "history_years": base.history_years,
            "fractions": fractions,
            "today": TODAY.isoformat(),
            "empty_day": EMPTY_DAY.isoformat(),
            "catch_up_day": CATCHUP_DAY.isoformat(),
        },
        "postgresql_settings": PG_SETTINGS if server is not None else None,
        "databases": ["sqlite"] + (["postgresql"] if server is not None else []),
        "generation": {},
        "daily": [],
        "catch_up": {},
        "throughput": {},
    }
    urls: dict[tuple[str, str], str] = {}
    for fraction in fractions:
        label = f"{fraction:.0%}"
        pct = label.rstrip("%")
        targets = {"sqlite": f"sqlite:///{WORK / f'nazorg-{pct}.db'}"}
        if server is not None:
            targets["postgresql"] = server.create_database(f"nazorg_{pct}")
        log(f"generating {label} of the history into {', '.join(targets)}")
        scale = Scale(
            employees=args.employees, teams=args.teams, incidents=args.incidents, fraction=fraction
        )
        generated = generate(targets.values(), scale)
        generated["load_s"] = {name: generated["load_s"][url] for name, url in targets.items()}
        results["generation"][label] = generated
        log(f"  done in {generated['total_s']} s: {generated['rows']}")
        os.sync()  # no write-back of the load left to slow down the runs measured next
        for name, url in targets.items():
            urls[(name, label)] = url

    for (name, label), url in urls.items():
        log(f"daily runs: {name}, {label} history")
        facts = database_facts(url)
        runs = daily_runs(url, f"{name}-{pct_label(label)}", args.repeat)
        results["daily"].append({"database": name, "history": label, "facts": facts, **runs})

    largest = f"{max(fractions):.0%}"
    for name in results["databases"]:
        url = urls[(name, largest)]
        log(f"catch-up: {name}, {largest} history")
        results["catch_up"][name] = catch_up(url, name, sizes, args.profile_size)

    versions = versions_of_run(urls[("sqlite", largest)], CATCHUP_DAY)
    # The largest catch-up: the runs came in order (sizes..., then the profiled one).
    end = len(versions) - args.profile_size
    versions = versions[end - sizes[-1] : end]
    from bench.floor import check
    from bench.floor import measure as floor_measure

    check(versions[0])
    log(f"floor: {len(versions)} versions with icalendar, jinja2 and email alone")
    os.sync()
    results["throughput"]["floor"] = floor_measure(versions)
    log(f"  {results['throughput']['floor']['items_per_s']} items/s; nazorg's renderer alone")
    results["throughput"]["nazorg_render_only"] = render_only(versions[: args.render_sample])
    log(f"  {results['throughput']['nazorg_render_only']['items_per_s']} items/s")

    log("start-up times")
    results["startup"] = startup(
        {name: urls[(name, largest)] for name in results["databases"]}, args.startup_repeat
    )
    if not args.no_report:
        for name in results["databases"]:
            log(f"monthly report: {name}, {largest} history, {', '.join(REPORT_MONTHS)}")
            results.setdefault("report", {})[name] = report_times(urls[(name, largest)])
            log(f"  {results['report'][name]}")
    if not args.no_web:
        from bench.web import measure as web_measure

        results["web"] = {}
        for name in results["databases"]:
            log(f"web: {name}, {largest} history, 20 users")
            results["web"][name] = web_measure(
                urls[(name, largest)],
                TODAY,
                clean_env(),
                rounds=args.web_rounds,
                rate=args.web_rate,
            )
            log(f"  {results['web'][name]}")
    return results


#: The report's months: an ordinary one, and September with the yearly R&O (65,000 of them).
REPORT_MONTHS = ("2026-02", "2025-09")
REPORT_GOAL_S = 5.0


def report_times(url: str) -> dict[str, dict[str, dict[str, float]]]:
    """`nazorg report` in every format for each of REPORT_MONTHS, a fresh process each."""
    import tempfile

    from bench.report import FORMATS
    from bench.report import measure as report_measure

    with tempfile.TemporaryDirectory() as folder:
        return {
            month: {
                fmt: report_measure(url, month, TODAY.isoformat(), fmt, Path(folder))
                for fmt in FORMATS
            }
            for month in REPORT_MONTHS
        }


def pct_label(label: str) -> str:
    return label.rstrip("%") + "pct"


if __name__ == "__main__":
    main()
