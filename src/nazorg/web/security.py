"""Headers on every response, the signed session cookie, and the CSRF check.

- Content-Security-Policy `default-src 'self'` without inline script or style, no framing
  (`frame-ancestors 'none'`), forms only to this site; `nosniff`; `no-referrer`; pages with
  personal data are not stored by the browser (`Cache-Control: no-store`).
- The session cookie holds the session's random id, signed (HMAC, itsdangerous), HttpOnly,
  SameSite=Lax, and Secure when nazorg is reached over https.
- Every form that changes something carries the session's CSRF token; a request without the
  right one changes nothing and is answered 403. The login form, which has no session yet, uses
  a token in a cookie of its own (double submit).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import Request
from itsdangerous import BadSignature, Signer
from starlette.responses import Response

from nazorg.core.errors import AccessDenied

SESSION_COOKIE = "nazorg_session"
LOGIN_CSRF_COOKIE = "nazorg_login"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def sign(key: str, token: str) -> str:
    return Signer(key, salt="nazorg-session").sign(token).decode("ascii")


def unsign(key: str, value: str) -> str | None:
    try:
        return Signer(key, salt="nazorg-session").unsign(value).decode("ascii")
    except (BadSignature, UnicodeDecodeError, ValueError):
        return None


def check_csrf(expected: str, given: object) -> None:
    """Refuse a form whose token is missing or not this session's (nothing is changed)."""
    if not expected or not isinstance(given, str) or not hmac.compare_digest(expected, given):
        raise AccessDenied(
            "het formulier is verlopen of komt niet van deze pagina; laad de pagina opnieuw"
        )
