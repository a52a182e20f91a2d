"""A real OpenID provider and a real browser on 127.0.0.1 for the web app's tests.

- `oidc_provider` (session): tests/oidc/server.js, a tiny provider on the certified npm package
  `oidc-provider` (v9), run with node on a free port of 127.0.0.1 with a JSON configuration made
  from the `oidc_client` and `oidc_users` fixtures (override those in a conftest for other users
  or another client). Authorization code flow with PKCE (S256) required; the claims email, name,
  preferred_username and groups are in the ID token and at userinfo. `make test` (target
  `servers`) runs `npm ci --prefix tests/oidc` when tests/oidc/node_modules is missing.
- Login in the browser: the provider's own login page has the fields `#login` (a user's
  `username`, or e-mail address) and `#password` (`OIDC_PASSWORD`, "test", for every user) and a
  button "Inloggen"; consent is given automatically. `OidcProvider.login(page, user)` does this.
- `browser` (session): Playwright's Chromium API on Debian's /usr/bin/chromium
  (`scripts/ensure-browser.sh` installs it; `playwright install` is never used: it downloads
  browsers of its own and cannot here). `page` (per test): a fresh context (nl-NL, Amsterdam) and
  page, so every test starts without cookies.
- `axe_violations(page)`: axe-core (axe-playwright-python) on the page as it is now; the
  violations of the given impacts ("serious", "critical" by default).

The client is registered as a native application with a loopback redirect URI without a port
(RFC 8252, 7.3): the provider accepts that URI on any port of 127.0.0.1, so a relying party or web
app started by a test on a free port can use `http://127.0.0.1:<port>/auth/callback`.

Missing node, tests/oidc/node_modules or Chromium: the tests that need them are skipped, except in
CI (`CI=true`) or with `NAZORG_TEST_WEB=1`, where they fail; `NAZORG_TEST_WEB=0` skips them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mailservers import HOST, _die_with_parent, _env_flag, _stop, free_port

OIDC_DIR = Path(__file__).parent / "oidc"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # as root there is no sandbox to be had
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OIDC_PASSWORD = "test"
START_TIMEOUT_S = 30
PAGE_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class OidcUser:
    sub: str
    username: str
    email: str
    name: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class OidcClient:
    client_id: str = "nazorg"
    client_secret: str = "nazorg-test-geheim"
    # Without a port: any port of 127.0.0.1 (a native client's loopback redirect, RFC 8252).
    redirect_uris: tuple[str, ...] = (f"http://{HOST}/auth/callback",)
    post_logout_redirect_uris: tuple[str, ...] = (f"http://{HOST}/",)


#: The default test users: a TCO member, a leader and someone without a nazorg group.
OIDC_USERS = (
    OidcUser("u-tineke", "tineke", "tineke@politie.example", "Tineke Chef", ("nazorg-tco",)),
    OidcUser("u-lars", "lars", "lars@politie.example", "Lars Leider", ("nazorg-leiding",)),
    OidcUser("u-gast", "gast", "gast@politie.example", "Gerrit Gast", ()),
)


def require_or_skip(reason: str) -> None:
    """Skip a test whose node, provider or browser is missing; fail in CI or when asked for."""
    if _env_flag("CI"):
        pytest.fail(f"{reason}; in CI the web tests must run", pytrace=False)
    if _env_flag("NAZORG_TEST_WEB"):
        pytest.fail(f"{reason}; NAZORG_TEST_WEB=1 requires it", pytrace=False)
    pytest.skip(reason)


def _skip_if_disabled() -> None:
    if _env_flag("NAZORG_TEST_WEB") is False:
        pytest.skip("web tests disabled by NAZORG_TEST_WEB=0")


# --- the OpenID provider -------------------------------------------------------------------------


@dataclass
class OidcProvider:
    """tests/oidc/server.js as a subprocess (see the module docstring)."""

    client: OidcClient
    users: tuple[OidcUser, ...]
    password: str = OIDC_PASSWORD
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="nazorg-oidc-")))

    @property
    def issuer(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def client_id(self) -> str:
        return self.client.client_id

    @property
    def client_secret(self) -> str:
        return self.client.client_secret

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def log(self) -> Path:
        return self.base / "oidc.log"

    def user(self, username: str) -> OidcUser:
        return next(user for user in self.users if user.username == username)

    def discovery(self) -> dict[str, Any]:
        document: dict[str, Any] = httpx.get(self.discovery_url, timeout=5).json()
        return document

    def start(self, node: str) -> None:
        config = self.base / "config.json"
        client: dict[str, Any] = {"application_type": "native", **asdict(self.client)}
        config.write_text(
            json.dumps(
                {
                    "port": self.port,
                    "password": self.password,
                    "client": client,
                    "users": [asdict(user) for user in self.users],
                }
            )
        )
        env = {key: value for key, value in os.environ.items() if not key.startswith("OIDC_")}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [node, str(OIDC_DIR / "server.js"), "--config", str(config)],
                cwd=OIDC_DIR,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.discovery_url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        text = self.log.read_text(errors="replace")
        self.stop()
        raise RuntimeError(f"OpenID provider did not start on port {self.port}:\n{text[-3000:]}")

    def login(self, page: Any, user: OidcUser, password: str | None = None) -> None:
        """On the provider's login page (where a relying party sent `page`): log `user` in."""
        page.get_by_label("Gebruikersnaam").fill(user.username)
        page.get_by_label("Wachtwoord").fill(self.password if password is None else password)
        page.get_by_role("button", name="Inloggen").click()

    def stop(self) -> None:
        _stop(self.process)
        shutil.rmtree(self.base, ignore_errors=True)


# --- axe -----------------------------------------------------------------------------------------


def axe_violations(
    page: Any,
    impacts: Sequence[str] = ("serious", "critical"),
    tags: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The axe-core violations on `page` (as it is now) whose impact is one of `impacts`.

    `tags` limits the rules, e.g. ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa"); without it every
    rule runs (best practices too). Each violation is axe's dict: id, impact, help, nodes, ...
    """
    from axe_playwright_python.sync_playwright import Axe

    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if tags:
        options["runOnly"] = {"type": "tag", "values": list(tags)}
    violations: list[dict[str, Any]] = Axe().run(page, options=options).response["violations"]
    return [violation for violation in violations if violation.get("impact") in impacts]


def describe_violations(violations: Sequence[dict[str, Any]]) -> str:
    """A readable list for an assertion message: rule, impact, help and the offending nodes."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['html']}" for node in violation.get("nodes", []))
    return "\n".join(lines)


# --- pytest fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oidc_client() -> OidcClient:
    """The one client of the provider; override in a conftest for another one."""
    return OidcClient()


@pytest.fixture(scope="session")
def oidc_users() -> tuple[OidcUser, ...]:
    """The provider's test users; override in a conftest for others."""
    return OIDC_USERS


@pytest.fixture(scope="session")
def oidc_provider(
    oidc_client: OidcClient, oidc_users: tuple[OidcUser, ...]
) -> Iterator[OidcProvider]:
    _skip_if_disabled()
    node = shutil.which("node")
    if node is None:
        require_or_skip("node not found: install it with `apt-get install nodejs npm`")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        require_or_skip(
            "tests/oidc/node_modules missing: run `make servers` (npm ci --prefix tests/oidc)"
        )
    assert node is not None
    provider = OidcProvider(oidc_client, tuple(oidc_users))
    try:
        provider.start(node)
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Playwright's Browser on Debian's Chromium, headless, one for the session."""
    _skip_if_disabled()
    if not os.access(CHROMIUM, os.X_OK):
        require_or_skip(
            f"{CHROMIUM} not found: run `make servers` as root or `apt-get install chromium`"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies), Dutch locale, Amsterdam time."""
    context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
