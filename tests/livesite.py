"""The web app served for real (uvicorn on a free port of 127.0.0.1, in a thread) for the
browser tests, over the route tests' database and accounts (tests/webapp.py)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.mailservers import HOST, free_port
from tests.webapp import PASSWORD, Site

#: Where the browser tests put their screenshots: `make screenshots` sets it to docs/screenshots
#: (the pictures in the README); otherwise they go to a temporary folder.
SCREENSHOTS_ENV = "NAZORG_SCREENSHOTS"


@dataclass
class Live:
    site: Site
    url: str
    screenshots: Path

    def login(self, page: Any, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{self.url}/login")
        page.get_by_label("Gebruikersnaam").fill(username)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url(f"{self.url}/")


def serve(app: Any) -> Iterator[str]:
    """`app` on a free port until the generator is closed."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live(site: Site, tmp_path: Path) -> Iterator[Live]:
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    for url in serve(site.app):
        yield Live(site, url, folder)
