"""The web app under load (issue 12): median and 95th-percentile response time of the dashboard,
the agenda and a conversation page, with 20 logged-in users, on 127.0.0.1.

`nazorg web` runs as in production (its own process, uvicorn, one worker per core), on the
national database; the users are TCO/VGW staff of every team, the heaviest view (the dashboard
and the agenda then cover the whole country). Two scenarios, one after the other:

- saturation: each user sends the next request as soon as the last one is answered (no think
  time), so the server is never idle; the figures are mostly time spent queueing, an upper bound
  for 20 people working, and the requests a second are the server's capacity;
- paced: requests start on a fixed schedule (open loop) at a stated rate, by default 40% of the
  capacity just measured, spread round-robin over the 20 users and the three pages; a request is
  timed from its scheduled start, so a server that falls behind is not hidden by the client
  waiting for it. These are the figures of a busy but not overloaded day.

The load comes from one asyncio process with an HTTP client per user.
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
#: The paced scenario's default rate, as a share of the saturation scenario's requests a second.
PACED_SHARE = 0.4
PACED_SECONDS = 40.0


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


async def _login(client: Any, index: int) -> None:
    page = await client.get("/login")
    token = CSRF.search(page.text)
    assert token is not None, page.text[:300]
    login = await client.post(
        "/login",
        data={"username": f"bench-tco-{index}", "password": PASSWORD, "csrf_token": token[1]},
    )
    assert login.status_code == 303, login.text[:300]


def _path(name: str, ids: list[int], n: int) -> str:
    return {"dashboard": "/", "agenda": "/gesprekken"}.get(
        name
    ) or f"/gesprekken/{ids[n % len(ids)]}"


async def _user(
    base: str, index: int, ids: list[int], rounds: int, out: dict[str, list[float]]
) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as client:
        await _login(client, index)
        for i in range(rounds):
            for name in PAGES:
                path = _path(name, ids, index * rounds + i)
                started = time.perf_counter()
                response = await client.get(path)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, (path, response.status_code)
                out[name].append(elapsed)


async def _load(base: str, ids: list[int], rounds: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {name: [] for name in PAGES}
    await asyncio.gather(*(_user(base, i, ids, rounds, out) for i in range(USERS)))
    return out


async def _paced(
    base: str, ids: list[int], rate: float, seconds: float
) -> tuple[dict[str, list[float]], float, float]:
    """Request k starts at k/rate seconds, for user k mod USERS and page k mod 3, whether or
    not earlier ones were answered (open loop). Returns the times per page (from the scheduled
    start), the seconds from the first start to the last answer, and the latest start (how far
    the client itself fell behind its schedule, which should stay near zero)."""
    import httpx

    out: dict[str, list[float]] = {name: [] for name in PAGES}
    clients = [
        httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) for _ in range(USERS)
    ]
    late = [0.0]
    try:
        await asyncio.gather(*(_login(c, i) for i, c in enumerate(clients)))
        loop = asyncio.get_running_loop()
        begin = loop.time() + 0.2

        async def one(k: int) -> None:
            at = begin + k / rate
            await asyncio.sleep(max(0.0, at - loop.time()))
            late[0] = max(late[0], loop.time() - at)
            name = PAGES[k % len(PAGES)]
            path = _path(name, ids, k)
            response = await clients[k % USERS].get(path)
            assert response.status_code == 200, (path, response.status_code)
            out[name].append(loop.time() - at)

        await asyncio.gather(*(one(k) for k in range(max(len(PAGES), round(rate * seconds)))))
        spent = loop.time() - begin
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return out, spent, late[0]


def _figures(samples: dict[str, list[float]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, values in samples.items():
        ordered = sorted(values)
        result[name] = {
            "requests": len(values),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
        }
    return result


def measure(
    url: str,
    today: date,
    env: dict[str, str],
    *,
    rounds: int = 15,
    rate: float | None = None,
    paced_seconds: float = PACED_SECONDS,
) -> dict[str, Any]:
    """p50/p95 per page (ms) with USERS users: at saturation (each user asking every page
    `rounds` times, after a warm-up round), then paced at `rate` requests a second (default
    PACED_SHARE of the saturation throughput) for `paced_seconds` (0: left out)."""
    import httpx
    from tests.mailservers import free_port

    ids = _prepare(url, today)
    port = free_port()
    workers = os.cpu_count() or 1
    server = _start(url, today, port, workers, env)
    base = f"http://127.0.0.1:{port}"
    paced = None
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
        capacity = sum(len(v) for v in samples.values()) / seconds
        if paced_seconds > 0:
            paced_rate = rate if rate is not None else round(PACED_SHARE * capacity * 2) / 2
            paced_samples, spent, late = asyncio.run(_paced(base, ids, paced_rate, paced_seconds))
            total = sum(len(v) for v in paced_samples.values())
            paced = {
                "rate_per_s": paced_rate,
                "share_of_saturation": round(paced_rate / capacity, 2),
                "seconds": round(spent, 1),
                "requests_per_s": round(total / spent, 1),
                "client_late_ms": round(late * 1000, 1),
                **_figures(paced_samples),
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
    result: dict[str, Any] = {"users": USERS, "workers": workers, "rounds": rounds}
    result.update(_figures(samples))
    result["requests_per_s"] = round(capacity, 1)
    if paced is not None:
        result["paced"] = paced
    return result


def main() -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description="The web app under load, on one database.")
    parser.add_argument("url", help="the database URL (it is written to: use a copy)")
    parser.add_argument("day", nargs="?", default="2026-03-13", help="today (YYYY-MM-DD)")
    parser.add_argument("--rounds", type=int, default=15, help="saturation: rounds per user")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help=f"paced: requests a second (default {PACED_SHARE:.0%} of the saturation figure)",
    )
    parser.add_argument(
        "--paced-seconds", type=float, default=PACED_SECONDS, help="paced: how long (0: none)"
    )
    args = parser.parse_args()
    result = measure(
        args.url,
        date.fromisoformat(args.day),
        dict(os.environ),
        rounds=args.rounds,
        rate=args.rate,
        paced_seconds=args.paced_seconds,
    )
    print(json.dumps(result, indent=1))
    for name in PAGES:
        print(
            f"saturation {name:12} p50 {result[name]['p50_ms']:7.1f} ms"
            f"  p95 {result[name]['p95_ms']:7.1f} ms"
        )
    print(f"saturation: {result['requests_per_s']} requests/s, {USERS} users, no think time")
    paced = result.get("paced")
    if paced:
        for name in PAGES:
            print(
                f"paced      {name:12} p50 {paced[name]['p50_ms']:7.1f} ms"
                f"  p95 {paced[name]['p95_ms']:7.1f} ms"
            )
        print(
            f"paced: {paced['rate_per_s']} requests/s scheduled "
            f"({paced['share_of_saturation']:.0%} of saturation), {paced['requests_per_s']} "
            f"answered/s over {paced['seconds']} s; client at most "
            f"{paced['client_late_ms']} ms behind its schedule"
        )


if __name__ == "__main__":  # python bench/web.py URL [YYYY-MM-DD] [--rate N]: one database
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
