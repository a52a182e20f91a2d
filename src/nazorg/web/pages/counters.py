"""`/gesprekken/{id}/tijdvoorstel/{pid}/overnemen|afwijzen`: staff decide a proposed new time
(issue 13). The service refuses every other role (403) before anything is read or changed; a
refused decision shows the conversation page again with the message."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from nazorg.services import counters
from nazorg.web.auth import FormUser
from nazorg.web.context import web
from nazorg.web.errors import on_error
from nazorg.web.pages.conversations import show

router = APIRouter()


def _decide(
    request: Request, followup_id: int, proposal_id: int, principal: FormUser, take: bool
) -> Response:
    ctx = web(request)
    on_error(request, lambda e: show(request, principal, followup_id, errors=e))
    with ctx.transaction() as session:
        counters.decide(
            session,
            principal,
            followup_id,
            proposal_id,
            take=take,
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
    done = "overgenomen" if take else "afgewezen"
    return RedirectResponse(f"/gesprekken/{followup_id}?klaar={done}", status_code=303)


@router.post("/gesprekken/{followup_id}/tijdvoorstel/{proposal_id}/overnemen")
def accept(request: Request, followup_id: int, proposal_id: int, principal: FormUser) -> Response:
    return _decide(request, followup_id, proposal_id, principal, True)


@router.post("/gesprekken/{followup_id}/tijdvoorstel/{proposal_id}/afwijzen")
def reject(request: Request, followup_id: int, proposal_id: int, principal: FormUser) -> Response:
    return _decide(request, followup_id, proposal_id, principal, False)
