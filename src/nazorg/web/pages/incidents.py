"""`/incidenten`: the list, registering a new one (with the planned conversations shown before
anything is saved) and one incident with its note and conversations (staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from nazorg.core.access import Principal
from nazorg.core.clock import parse_date
from nazorg.services import directory, incidents, registration
from nazorg.web.auth import FormUser, User
from nazorg.web.context import web
from nazorg.web.errors import on_error

router = APIRouter()
PAGE = 50
EMPTY = {"date": "", "kind": "", "note": "", "zoek": ""}


@router.get("/incidenten")
def incident_list(request: Request, principal: User, vanaf: int = 0) -> Response:
    ctx = web(request)
    offset = max(0, vanaf)
    with ctx.transaction() as session:
        found = incidents.overview(session, principal, now=ctx.now(), limit=PAGE + 1, offset=offset)
    return ctx.render(
        request,
        "incidents.html",
        incidents=found[:PAGE],
        offset=offset,
        more=len(found) > PAGE,
        page_size=PAGE,
    )


@router.get("/incidenten/nieuw")
def new_form(request: Request, principal: User) -> Response:
    return _form(request, principal, dict(EMPTY), [])


def _form(
    request: Request,
    principal: Principal,
    values: dict[str, str],
    numbers: list[str],
    *,
    errors: dict[str, str] | None = None,
    planned: list[registration.PlannedPreview] | None = None,
) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        people = directory.chosen(session, principal, numbers)
        found = (
            directory.find(session, principal, text=values["zoek"], limit=20).employees
            if values["zoek"].strip()
            else []
        )
    return ctx.render(
        request,
        "incident_new.html",
        values=values,
        chosen=people,
        found=[e for e in found if e.personnel_number not in numbers],
        kinds=ctx.settings.incident_kinds,
        errors=errors or {},
        planned=planned,
    )


@router.post("/incidenten/nieuw")
def new(
    request: Request,
    principal: FormUser,
    action: Annotated[str, Form()] = "search",
    employees: Annotated[list[str] | None, Form()] = None,
    date: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    zoek: Annotated[str, Form()] = "",
) -> Response:
    ctx = web(request)
    numbers = list(dict.fromkeys(n.strip() for n in employees or [] if n.strip()))
    values = {"date": date, "kind": kind, "note": note, "zoek": zoek}
    on_error(request, lambda errors: _form(request, principal, values, numbers, errors=errors))
    if action == "search":
        return _form(request, principal, values, numbers)
    new_incident = registration.NewIncident(
        employees=numbers,
        occurred_on=parse_date(date.strip(), "date"),
        kind=kind,
        note=note or None,
    )
    moment = {"today": ctx.today(), "now": ctx.now(), "settings": ctx.settings}
    if action != "save":
        with ctx.transaction() as session:
            planned = registration.preview(session, principal, new_incident, **moment)  # type: ignore[arg-type]
        return _form(request, principal, values, numbers, planned=planned)
    saved = ctx.run(
        lambda session: registration.register(session, principal, new_incident, **moment)  # type: ignore[arg-type]
    )
    return RedirectResponse(f"/incidenten/{saved.incident.id}", status_code=303)


@router.get("/incidenten/{incident_id}")
def incident(request: Request, incident_id: int, principal: User) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        view = incidents.show(session, principal, incident_id, now=ctx.now())
        people = directory.chosen(session, principal, view.employees)
    return ctx.render(request, "incident.html", view=view, people=people)
