"""Who is asking: the session cookie resolved to a person with roles, for every page.

`signed_in` is the dependency of every page: without a live session the browser is sent to the
login page (and back afterwards). `form_user` is the one of every form that changes something:
the same, plus the CSRF check. A page for one role asks its service, which refuses the others.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from nazorg.core.access import Principal
from nazorg.services import sessions, users
from nazorg.web.context import web
from nazorg.web.security import SESSION_COOKIE, check_csrf, unsign


class LoginRequired(Exception):
    """No live session: the handler sends the browser to the login page."""


def session_principal(request: Request) -> Principal | None:
    """The person of this request's live session, or None."""
    ctx = web(request)
    raw = request.cookies.get(SESSION_COOKIE)
    token = unsign(ctx.cookie_key, raw) if raw else None
    if token is None:
        return None
    idle = timedelta(minutes=ctx.settings.web.session_idle_minutes)
    now = ctx.now()
    # Most requests come within a minute of the last one: a read without the write lock. The
    # others (last-seen time to write, session to end, unknown token) take a transaction.
    with ctx.reading() as session:
        resumed = sessions.peek(session, token, now=now, idle=idle)
    if resumed is None:
        with ctx.transaction() as session:
            resumed = sessions.resume(session, token, now=now, idle=idle)
    if resumed is None:
        return None
    principal = users.principal_of(resumed.account)
    request.state.principal = principal
    request.state.csrf_token = resumed.csrf_token
    request.state.session_token = token
    return principal


def signed_in(request: Request) -> Principal:
    """The person of this request's session (see the module doc)."""
    principal = session_principal(request)
    if principal is None:
        raise LoginRequired
    return principal


async def form_user(
    request: Request, principal: Annotated[Principal, Depends(signed_in)]
) -> Principal:
    """The person behind a form that changes something, once its CSRF token is checked."""
    form = await request.form()
    check_csrf(request.state.csrf_token, form.get("csrf_token"))
    return principal


User = Annotated[Principal, Depends(signed_in)]
FormUser = Annotated[Principal, Depends(form_user)]
