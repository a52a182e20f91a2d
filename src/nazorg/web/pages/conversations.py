"""`/gesprekken`: the agenda, and `/gesprekken/{id}`: one conversation with its actions.

Every action answers with the conversation's page, which says what the next daily run will send,
as the command line does. Refused input shows the form again with the message at its field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from nazorg.core.access import Principal
from nazorg.core.clock import parse_date
from nazorg.services import conversations
from nazorg.services.agenda import Filters
from nazorg.services.followups import OUTCOMES
from nazorg.web.auth import FormUser, User
from nazorg.web.context import web
from nazorg.web.errors import on_error

router = APIRouter()
PAGE = 50
KINDS = ("checkin", "feedback_360", "development_plan", "ro")
DONE = {
    "gehouden": "Vastgelegd: het gesprek is gehouden.",
    "verzet": "Het gesprek is verzet.",
    "afgezegd": "Vastgelegd: de medewerker ziet af van nazorg.",
    "overgenomen": "Het tijdvoorstel is overgenomen; het gesprek is verzet.",
    "afgewezen": "Het tijdvoorstel is afgewezen; de volgende run maakt een DECLINECOUNTER.",
}


@router.get("/gesprekken")
def agenda(
    request: Request,
    principal: User,
    van: str = "",
    tot: str = "",
    team: str = "",
    leidinggevende: str = "",
    soort: str = "",
    te_laat: str = "",
    vanaf: int = 0,
) -> Response:
    ctx = web(request)
    values = {
        "van": van,
        "tot": tot,
        "team": team,
        "leidinggevende": leidinggevende,
        "soort": soort,
        "te_laat": te_laat,
    }
    on_error(request, lambda errors: _agenda_page(request, principal, values, errors=errors))
    filters = Filters(
        start=parse_date(van, "van") if van else (None if te_laat else ctx.today()),
        end=parse_date(tot, "tot") if tot else None,
        team=team or None,
        holder=leidinggevende or None,
        kind=soort if soort in KINDS else None,
        before=conversations.overdue_filters(ctx.today(), ctx.settings).before if te_laat else None,
    )
    return _agenda_page(request, principal, values, filters=filters, offset=max(0, vanaf))


def _agenda_page(
    request: Request,
    principal: Principal,
    values: dict[str, str],
    *,
    filters: Filters | None = None,
    offset: int = 0,
    errors: dict[str, str] | None = None,
) -> Response:
    ctx = web(request)
    page = None
    if filters is not None:
        with ctx.transaction() as session:
            page = conversations.search(
                session, principal, filters, now=ctx.now(), limit=PAGE, offset=offset
            )
    return ctx.render(
        request, "conversations.html", page=page, values=values, errors=errors or {}, kinds=KINDS
    )


@router.get("/gesprekken/{followup_id}")
def conversation(request: Request, followup_id: int, principal: User, klaar: str = "") -> Response:
    return _show(request, principal, followup_id, done=DONE.get(klaar, ""))


def _show(
    request: Request,
    principal: Principal,
    followup_id: int,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        view = conversations.view(
            session,
            principal,
            followup_id,
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
    return ctx.render(
        request,
        "conversation.html",
        view=view,
        done=done,
        errors=errors or {},
        values=values or {},
        outcomes=OUTCOMES,
    )


def _after(followup_id: int, what: str) -> Response:
    return RedirectResponse(f"/gesprekken/{followup_id}?klaar={what}", status_code=303)


@router.post("/gesprekken/{followup_id}/gehouden")
def held(
    request: Request,
    followup_id: int,
    principal: FormUser,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    stop: Annotated[str, Form()] = "",
) -> Response:
    ctx = web(request)
    values = {"outcome": outcome, "note": note, "stop": stop}
    on_error(request, lambda e: _show(request, principal, followup_id, errors=e, values=values))
    with ctx.transaction() as session:
        conversations.record_held(
            session,
            principal,
            followup_id,
            outcome=outcome,
            note=note or None,
            stop=bool(stop),
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
    return _after(followup_id, "gehouden")


@router.post("/gesprekken/{followup_id}/verzetten")
def move(
    request: Request, followup_id: int, principal: FormUser, at: Annotated[str, Form()] = ""
) -> Response:
    ctx = web(request)
    values = {"at": at}
    on_error(request, lambda e: _show(request, principal, followup_id, errors=e, values=values))
    with ctx.transaction() as session:
        conversations.move(
            session,
            principal,
            followup_id,
            at=at,
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
    return _after(followup_id, "verzet")


@router.post("/gesprekken/{followup_id}/afgezegd")
def declined(request: Request, followup_id: int, principal: FormUser) -> Response:
    ctx = web(request)
    on_error(request, lambda e: _show(request, principal, followup_id, errors=e))
    with ctx.transaction() as session:
        conversations.record_declined(
            session, principal, followup_id, today=ctx.today(), now=ctx.now(), settings=ctx.settings
        )
    return _after(followup_id, "afgezegd")


#: The conversation page, for the routes of other modules (nazorg.web.pages.counters).
show = _show
