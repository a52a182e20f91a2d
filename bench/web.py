"""The web app under load (issue 12): median and 95th-percentile response time of the dashboard,
the agenda and a conversation page, with 20 logged-in users at once, on 127.0.0.1.

`nazorg web` runs as in production (its own process, uvicorn, one worker per core), on the
national database; the users are TCO/VGW staff of every team, the heaviest view (the dashboard
and the agenda then cover the whole country). Each user sends the next request as soon as the
last one is answered (no think time), so the figures are an upper bound for 20 people working.
The load comes from one asyncio process with one HTTP connection per user.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

USERS = 20
PASSWORD = "bench-wachtwoord-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = ("dashboard", "agenda", "conversation")


def _prepare(url: str, today: date) -> list[int]:
    """Staff accounts for the users, and the open conversations whose pages are asked for."""
    from sqlalchemy import text

    from nazorg.services import users
    from nazorg.store.engine import make_engine, transaction
    from nazorg.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        for i in range(USERS):
            name = f"bench-tco-{i}"
            if users.find(session, name) is None:
                users.add(session, users.NewUser(name, ["staff"], PASSWORD), actor="bench", now=now)
        ids = [
            int(row[0])
            for row in session.execute(
                text(
                    "SELECT id FROM followup WHERE status = 'planned' AND due_on >= :day "
                    "ORDER BY due_on, id LIMIT 500"
                ),
                {"day": today},
            )
        ]
    engine.dispose()
    return ids


def _start(url: str, today: date, port: int, workers: int, env: dict[str, str]) -> Any:
    process_env = {
        **env,
        "NAZORG_DATABASE_URL": url,
        "NAZORG_TODAY": today.isoformat(),
        "NAZORG_CYCLE_KINDS": "[]",
    }
    command = [
        sys.executable,
        "-m",
        "nazorg",
        "web",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return subprocess.Popen(
        command, env=process_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


async def _user(
    base: str, index: int, ids: list[int], rounds: int, out: dict[str, list[float]]
) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as client:
        page = await client.get("/login")
        token = CSRF.search(page.text)
        assert token is not None, page.text[:300]
        login = await client.post(
            "/login",
            data={"username": f"bench-tco-{index}", "password": PASSWORD, "csrf_token": token[1]},
        )
        assert login.status_code == 303, login.text[:300]
        for i in range(rounds):
            for name, path in (
                ("dashboard", "/"),
                ("agenda", "/gesprekken"),
                ("conversation", f"/gesprekken/{ids[(index * rounds + i) % len(ids)]}"),
            ):
                started = time.perf_counter()
                response = await client.get(path)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, (path, response.status_code)
                out[name].append(elapsed)


async def _load(base: str, ids: list[int], rounds: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {name: [] for name in PAGES}
    await asyncio.gather(*(_user(base, i, ids, rounds, out) for i in range(USERS)))
    return out


def measure(url: str, today: date, env: dict[str, str], *, rounds: int = 15) -> dict[str, Any]:
    """p50/p95 per page (ms) with USERS users at once, each asking every page `rounds` times
    after a warm-up round."""
    import httpx
    from tests.mailservers import free_port

    ids = _prepare(url, today)
    port = free_port()
    workers = os.cpu_count() or 1
    server = _start(url, today, port, workers, env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"nazorg web did not start: {server.stderr.read()[-2000:]!r}")
            time.sleep(0.1)
        asyncio.run(_load(base, ids, 1))  # warm-up: imports, templates, caches
        started = time.perf_counter()
        samples = asyncio.run(_load(base, ids, rounds))
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    result: dict[str, Any] = {"users": USERS, "workers": workers, "rounds": rounds}
    for name, values in samples.items():
        ordered = sorted(values)
        result[name] = {
            "requests": len(values),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
        }
    total = sum(len(v) for v in samples.values())
    result["requests_per_s"] = round(total / seconds, 1)
    return result


if __name__ == "__main__":  # python bench/web.py URL [YYYY-MM-DD]: a quick trial on one database
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    day = date.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else date(2026, 3, 13)
    print(measure(sys.argv[1], day, dict(os.environ)))
