"""`/audit`: the audit trail; `/medewerkers/{nr}/inzage`: the AVG export as a download;
`/medewerkers/{nr}/wissen`: the erasure, with its preview and an explicit confirmation (staff)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from nazorg.core.access import Principal
from nazorg.core.clock import parse_date
from nazorg.services.privacy import requests
from nazorg.web.auth import FormUser, User
from nazorg.web.context import web
from nazorg.web.errors import on_error

router = APIRouter()


@router.get("/audit")
def audit_trail(request: Request, principal: User, medewerker: str = "", van: str = "") -> Response:
    ctx = web(request)
    values = {"medewerker": medewerker, "van": van}
    on_error(
        request,
        lambda errors: ctx.render(request, "audit.html", events=[], values=values, errors=errors),
    )
    with ctx.transaction() as session:
        events = requests.trail(
            session,
            principal,
            now=ctx.now(),
            employee=medewerker.strip() or None,
            since=parse_date(van.strip(), "van") if van.strip() else None,
        )
    return ctx.render(request, "audit.html", events=events, values=values, errors={})


@router.get("/medewerkers/{number}/inzage")
def export(request: Request, number: str, principal: User) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        data = requests.export_of(session, principal, number, now=ctx.now())
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    name = f"nazorg-inzage-{data['employee']['personnel_number']}.json"
    return Response(
        body.encode("utf-8"),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/medewerkers/{number}/wissen")
def erase_form(request: Request, number: str, principal: User) -> Response:
    return _preview(request, principal, number)


def _preview(
    request: Request, principal: Principal, number: str, errors: dict[str, str] | None = None
) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        preview = requests.erasure_preview(session, principal, number, today=ctx.today())
    return ctx.render(request, "erase.html", preview=preview, outcome=None, errors=errors or {})


@router.post("/medewerkers/{number}/wissen")
def erase(
    request: Request,
    number: str,
    principal: FormUser,
    bevestig: Annotated[str, Form()] = "",
) -> Response:
    ctx = web(request)
    on_error(request, lambda errors: _preview(request, principal, number, errors))
    if bevestig != "ja":
        return _preview(
            request,
            principal,
            number,
            {"bevestig": "vink aan dat u begrijpt dat wissen niet ongedaan kan worden"},
        )
    with ctx.transaction() as session:
        outcome = requests.erase(session, principal, number, today=ctx.today(), now=ctx.now())
    return ctx.render(request, "erase.html", preview=None, outcome=outcome, errors={})
