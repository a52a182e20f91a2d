"""`nazorg web --workers 2` (issue 16): several uvicorn worker processes on one database.

Sessions, their CSRF tokens and the key that signs the cookie are in the database, so a browser
logged in through one worker is logged in at every other; the workers start together and make
the instance's key once between them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def workers_of(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor started (spawned children; not multiprocessing's
    resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [int(c) for c in children.read_text().split()] if children.exists() else []
    return [p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]


def test_web_with_two_workers_keeps_sessions_and_csrf_across_them(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "NAZORG_DATABASE_URL": database_url,
        "NAZORG_OUTBOX": str(tmp_path / "outbox"),
        "NAZORG_TODAY": "2026-03-02",
    }
    nazorg = [sys.executable, "-m", "nazorg"]
    subprocess.run([*nazorg, "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*nazorg, "user", "add", "tineke", "--role", "staff"],
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [*nazorg, "web", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.communicate()
            assert time.monotonic() < deadline, "nazorg web did not answer"
            try:
                if httpx.get(f"{base}/login", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert len(workers_of(server.pid)) == 2

        # A new connection for every request: the kernel hands them to either worker.
        def client(cookies: Any = None) -> httpx.Client:
            return httpx.Client(
                base_url=base,
                cookies=cookies,
                follow_redirects=False,
                limits=httpx.Limits(max_keepalive_connections=0),
                timeout=30,
            )

        with client() as browser:
            token = CSRF.search(browser.get("/login").text)
            assert token is not None
            response = browser.post(
                "/login",
                data={
                    "username": "tineke",
                    "password": PASSWORD,
                    "csrf_token": token.group(1),
                    "next": "/",
                },
            )
            assert response.status_code == 303, response.text
            for _ in range(20):
                assert browser.get("/").status_code == 200
            form = CSRF.search(browser.get("/").text)
            assert form is not None
            for _ in range(4):  # the session's CSRF token is good at every worker
                page = browser.get("/")
                assert page.status_code == 200
            out = browser.post("/logout", data={"csrf_token": form.group(1)})
            assert out.status_code == 303
            assert browser.get("/").status_code in (303, 401)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
