"""`/medewerkers`: finding people, one person with their incidents and conversations (and the
form to change their leader, team, role or date of leaving), and the CSV import (staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from nazorg.core.access import Principal
from nazorg.core.clock import parse_date
from nazorg.core.errors import ImportRowsError
from nazorg.services import directory
from nazorg.services.employees import EmployeeChange
from nazorg.store.models import ROLES
from nazorg.web.auth import FormUser, User
from nazorg.web.context import web
from nazorg.web.errors import on_error

router = APIRouter()
PAGE = 50
MAX_CSV = 20 * 1024 * 1024


@router.get("/medewerkers")
def employee_list(
    request: Request, principal: User, zoek: str = "", team: str = "", vanaf: int = 0
) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        page = directory.find(
            session, principal, text=zoek, team=team or None, limit=PAGE, offset=max(0, vanaf)
        )
        teams = directory.teams(session, principal)
    return ctx.render(
        request, "employees.html", page=page, teams=teams, values={"zoek": zoek, "team": team}
    )


@router.get("/medewerkers/importeren")
def import_form(request: Request, principal: User) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        directory.teams(session, principal)  # staff only
    return ctx.render(request, "employee_import.html", problems=[], result=None)


@router.post("/medewerkers/importeren")
async def import_csv(
    request: Request, principal: FormUser, bestand: Annotated[UploadFile, File()]
) -> Response:
    from starlette.concurrency import run_in_threadpool

    raw = await bestand.read(MAX_CSV + 1)
    name = bestand.filename or "CSV"
    return await run_in_threadpool(_import, request, principal, raw, name)


def _import(request: Request, principal: Principal, raw: bytes, name: str) -> Response:
    ctx = web(request)
    try:
        if len(raw) > MAX_CSV:
            raise ImportRowsError(name, [(1, "bestand groter dan 20 MB; splits het")])
        with ctx.transaction() as session:
            result = directory.import_csv(session, principal, raw, filename=name, now=ctx.now())
    except ImportRowsError as exc:
        # Every bad row next to its line number; nothing was imported.
        return ctx.render(
            request, "employee_import.html", status=400, problems=exc.problems, result=None
        )
    return ctx.render(request, "employee_import.html", problems=[], result=result)


@router.get("/medewerkers/{number}")
def employee(request: Request, number: str, principal: User, klaar: str = "") -> Response:
    return _show(request, principal, number, done=bool(klaar))


def _show(
    request: Request,
    principal: Principal,
    number: str,
    *,
    done: bool = False,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        profile = directory.profile(session, principal, number, now=ctx.now())
        teams = directory.teams(session, principal)
    employee = profile.employee
    current = {
        "leader": employee.leader_number or "",
        "team": employee.team_code,
        "role": employee.role,
        "left_on": employee.left_on.isoformat() if employee.left_on else "",
    }
    return ctx.render(
        request,
        "employee.html",
        status=status,
        profile=profile,
        teams=teams,
        roles=ROLES,
        done=done,
        errors=errors or {},
        values={**current, **(values or {})},
    )


@router.post("/medewerkers/{number}")
def change(
    request: Request,
    number: str,
    principal: FormUser,
    leader: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    left_on: Annotated[str, Form()] = "",
) -> Response:
    ctx = web(request)
    values = {"leader": leader, "team": team, "role": role, "left_on": left_on}
    on_error(request, lambda e: _show(request, principal, number, errors=e, values=values))
    data = EmployeeChange(
        leader=leader.strip(),
        team=team.strip() or None,
        role=role.strip() or None,
        left_on=parse_date(left_on.strip(), "left_on") if left_on.strip() else None,
    )
    with ctx.transaction() as session:
        directory.change(
            session,
            principal,
            number,
            data,
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
    return RedirectResponse(f"/medewerkers/{number}?klaar=1", status_code=303)
