"""`/`: the start page of everyone who logs in, and `/healthz` for the load balancer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy import text

from nazorg.core.access import LEADER, MANAGEMENT, STAFF
from nazorg.services import dashboard
from nazorg.web.auth import User
from nazorg.web.context import web

router = APIRouter()


@router.get("/")
def start(request: Request, principal: User) -> Response:
    ctx = web(request)
    if not (principal.has(STAFF) or principal.has(LEADER)):
        if principal.has(MANAGEMENT):
            return RedirectResponse("/rapportage", status_code=303)
        return ctx.render(request, "start.html")
    with ctx.transaction() as session:
        board = dashboard.overview(
            session, principal, today=ctx.today(), now=ctx.now(), settings=ctx.settings
        )
    return ctx.render(request, "dashboard.html", board=board)


@router.get("/healthz")
def healthz(request: Request) -> Response:
    """200 when the database answers; no login and no data."""
    ctx = web(request)
    try:
        with ctx.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return PlainTextResponse("database niet bereikbaar\n", status_code=503)
    return PlainTextResponse("ok\n")
