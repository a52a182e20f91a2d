"""The web tests' infrastructure works: the OpenID provider, the browser, axe and screenshots.

A throwaway relying party (an http.server thread on 127.0.0.1) sends the real Chromium to the
test provider (tests/oidc/server.js), which logs a test user in on its own login page; the
relying party exchanges the code with PKCE and checks the ID token's signature and claims.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.webservers import (
    HOST,
    OIDC_USERS,
    OidcProvider,
    OidcUser,
    axe_violations,
    describe_violations,
)

SCOPE = "openid email profile groups"
CSP = "default-src 'self'"  # the web app's policy (shared/WEB.md): axe must work under it

Handler = Callable[[BaseHTTPRequestHandler], None]


class LocalServer:
    """An http.server on a free port of 127.0.0.1 in a thread; `handle` answers every GET."""

    def __init__(self, handle: Handler) -> None:
        class RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), RequestHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def respond(handler: BaseHTTPRequestHandler, status: int, body: str = "", **headers: str) -> None:
    data = body.encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Security-Policy", CSP)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def page_html(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><main><h1>{title}</h1>{body}</main></body></html>"
    )


# --- a throwaway relying party -------------------------------------------------------------------


class RelyingParty:
    """GET /login starts an authorization code flow with PKCE (S256); /auth/callback ends it.

    After a login, `claims` holds the verified ID token's claims and `userinfo` what the
    provider's userinfo endpoint says; `errors` whatever went wrong in the server thread.
    """

    def __init__(self, provider: OidcProvider) -> None:
        self.provider = provider
        self.meta = provider.discovery()
        self.pending: dict[str, tuple[str, str]] = {}  # state -> (code_verifier, nonce)
        self.claims: dict[str, Any] | None = None
        self.userinfo: dict[str, Any] | None = None
        self.errors: list[str] = []
        self.http = LocalServer(self.handle)
        self.redirect_uri = f"{self.http.url}/auth/callback"

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        try:
            if url.path == "/login":
                respond(handler, 303, Location=self.authorization_url())
            elif url.path == "/auth/callback":
                params = {key: values[0] for key, values in parse_qs(url.query).items()}
                email = self.finish(params)
                respond(handler, 200, page_html("Ingelogd", f"<p>Ingelogd als {email}</p>"))
            else:
                respond(handler, 404, page_html("Niet gevonden", ""))
        except Exception as exc:
            self.errors.append(repr(exc))
            respond(handler, 500, page_html("Fout", f"<p>{html.escape(repr(exc))}</p>"))

    def authorization_url(self) -> str:
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        self.pending[state] = (verifier, nonce)
        query = {
            "response_type": "code",
            "client_id": self.provider.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": SCOPE,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        return f"{self.meta['authorization_endpoint']}?{urlencode(query)}"

    def finish(self, params: dict[str, str]) -> str:
        assert "error" not in params, params
        assert params["iss"] == self.provider.issuer  # RFC 9207
        verifier, nonce = self.pending.pop(params["state"])
        response = httpx.post(
            self.meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": self.redirect_uri,
                "code_verifier": verifier,
            },
            auth=(self.provider.client_id, self.provider.client_secret),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        tokens = response.json()
        keys = KeySet.import_key_set(httpx.get(self.meta["jwks_uri"], timeout=10).json())
        token = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.provider.issuer},
            aud={"essential": True, "value": self.provider.client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
        ).validate(token.claims)
        self.claims = dict(token.claims)
        self.userinfo = httpx.get(
            self.meta["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            timeout=10,
        ).json()
        return str(self.claims["email"])

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def relying_party(oidc_provider: OidcProvider) -> Iterator[RelyingParty]:
    rp = RelyingParty(oidc_provider)
    try:
        yield rp
    finally:
        rp.close()


# --- (a) the provider ----------------------------------------------------------------------------


def test_discovery_document(oidc_provider: OidcProvider) -> None:
    meta = oidc_provider.discovery()
    assert meta["issuer"] == oidc_provider.issuer
    assert meta["issuer"].startswith(f"http://{HOST}:")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "email", "profile", "groups"} <= set(meta["scopes_supported"])
    assert {"email", "name", "groups"} <= set(meta["claims_supported"])
    assert oidc_provider.users == OIDC_USERS


def test_pkce_is_required(oidc_provider: OidcProvider) -> None:
    """An authorization request without a code challenge comes back as an error."""
    meta = oidc_provider.discovery()
    redirect_uri = f"http://{HOST}:9/auth/callback"
    response = httpx.get(
        meta["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": oidc_provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPE,
            "state": "s",
        },
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(redirect_uri + "?")
    params = parse_qs(urlsplit(location).query)
    assert params["error"] == ["invalid_request"]
    assert "PKCE" in params["error_description"][0]


# --- (b) a login in the browser ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("username", ["tineke", "lars"])
def test_browser_login_with_pkce(
    page: Any, oidc_provider: OidcProvider, relying_party: RelyingParty, username: str
) -> None:
    from playwright.sync_api import expect

    user: OidcUser = oidc_provider.user(username)
    page.goto(f"{relying_party.http.url}/login")
    assert page.url.startswith(f"{oidc_provider.issuer}/interaction/")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()

    oidc_provider.login(page, user, password="fout")
    expect(page.get_by_role("alert")).to_contain_text("onjuist wachtwoord")
    assert relying_party.claims is None

    oidc_provider.login(page, user)
    expect(page.get_by_text(f"Ingelogd als {user.email}")).to_be_visible()
    assert page.url.startswith(relying_party.redirect_uri + "?")
    assert relying_party.errors == []
    claims = relying_party.claims
    assert claims is not None
    assert claims["sub"] == user.sub
    assert claims["email"] == user.email
    assert claims["name"] == user.name
    assert claims["groups"] == list(user.groups)
    assert relying_party.userinfo is not None
    assert relying_party.userinfo["groups"] == list(user.groups)
    assert relying_party.userinfo["email"] == user.email


# --- (c) axe and (d) screenshots -----------------------------------------------------------------

GOOD_PAGE = """<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><title>Gesprek plannen - nazorg</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<header><p>nazorg</p></header>
<main>
<h1>Gesprek plannen</h1>
<form method="post" action="/plannen">
<p><label for="datum">Datum</label> <input id="datum" name="datum" type="date" required></p>
<p><label for="notitie">Notitie</label> <textarea id="notitie" name="notitie"></textarea></p>
<p><button type="submit">Opslaan</button></p>
</form>
</main>
</body>
</html>
"""
BAD_PAGE = """<!doctype html>
<html>
<head><meta charset="utf-8"><title>Zoeken</title></head>
<body><input name="zoek"><button type="submit">Zoek</button></body>
</html>
"""


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    """GOOD_PAGE at /goed, BAD_PAGE at /slecht, both under CSP default-src 'self'."""
    content = {"/goed": GOOD_PAGE, "/slecht": BAD_PAGE}

    def handle(handler: BaseHTTPRequestHandler) -> None:
        body = content.get(handler.path)
        respond(handler, 200 if body else 404, body or "")

    server = LocalServer(handle)
    try:
        yield server.url
    finally:
        server.close()


@pytest.mark.browser
def test_axe_passes_an_accessible_page(page: Any, pages: str) -> None:
    page.goto(f"{pages}/goed")
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


@pytest.mark.browser
def test_axe_finds_a_missing_label_and_language(page: Any, pages: str) -> None:
    page.goto(f"{pages}/slecht")
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"label", "html-has-lang"} <= found
    assert axe_violations(page, impacts=("minor",)) == []


@pytest.mark.browser
def test_screenshot(page: Any, pages: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})  # a phone, as leaders use it
    page.goto(f"{pages}/goed")
    path = tmp_path / "gesprek-plannen.png"
    page.screenshot(path=path, full_page=True)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 1000
