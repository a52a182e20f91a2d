"""Logging in with a local account (`/login`), through the organisation's OpenID provider
(`/auth/oidc`, `/auth/callback`), and logging out (`/logout`)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from nazorg.services import sessions, users
from nazorg.web.auth import FormUser, session_principal
from nazorg.web.context import web
from nazorg.web.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, check_csrf, sign

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Back to a page of this site only (never to another site after logging in)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    request: Request, *, next_: str, error: str = "", username: str = "", status: int = 200
) -> Response:
    ctx = web(request)
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = ctx.render(
        request,
        "login.html",
        status=status,
        login_token=token,
        next=next_,
        error=error,
        username=username,
        oidc=ctx.settings.web.oidc,
        local_accounts=ctx.settings.web.local_accounts,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.web.secure_cookies,
        path="/",
    )
    return response


def _signed_in_response(request: Request, account: Any, target: str) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        started = sessions.start(session, account, now=ctx.now())
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sign(ctx.cookie_key, started.token),
        httponly=True,
        samesite="lax",
        secure=ctx.settings.web.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if session_principal(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    ctx = web(request)
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token)
    if not ctx.settings.web.local_accounts:
        return _login_page(request, next_=next, error=users.WRONG, status=400)
    with ctx.transaction() as session:
        result = users.authenticate(session, username, password, now=ctx.now())
    if result.account is None:
        return _login_page(
            request, next_=next, error=result.refusal or users.WRONG, username=username, status=400
        )
    return _signed_in_response(request, result.account, next)


@router.post("/logout")
def logout(request: Request, _user: FormUser) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        sessions.end(session, request.state.session_token, now=ctx.now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/auth/oidc")
async def oidc_start(request: Request, next: str = "/") -> Response:
    from nazorg.web.oidc import client

    request.session["next"] = safe_next(next)
    redirect_uri = str(request.url_for("oidc_callback"))
    response: Response = await client(request).authorize_redirect(request, redirect_uri)
    return response


@router.get("/auth/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from nazorg.web.oidc import client, sign_in

    token = await client(request).authorize_access_token(request)
    claims: dict[str, Any] = dict(token.get("userinfo") or {})
    outcome = await run_in_threadpool(sign_in, request, claims)
    if outcome.account is None:
        return _login_page(request, next_="/", error=outcome.refusal or users.WRONG, status=403)
    return _signed_in_response(request, outcome.account, request.session.pop("next", "/"))
