"""`/meldingen`: reports (list, new, one report with its actions) and `/herstelplannen/{id}`:
a recovery plan with its measures. Only the reports role sees reports (a refusal is audited by
the service); a plan also to staff and the person's leader where the person agreed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from nazorg.core.access import Principal
from nazorg.core.cases import CASE_STATUS_NL, MEASURE_STATUS_NL
from nazorg.core.clock import parse_date
from nazorg.services.cases import guard, plans, reports, views
from nazorg.web.auth import FormUser, User
from nazorg.web.context import web
from nazorg.web.errors import on_error

router = APIRouter()
NEW = {"reporter": "", "date": "", "category": "", "note": ""}


def _date(value: str, field: str) -> Any:
    return parse_date(value.strip(), field)


@router.get("/meldingen")
def case_list(request: Request, principal: User) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        rows = reports.list_cases(session, principal, now=ctx.now())
    return ctx.render(request, "cases.html", rows=rows, status_nl=CASE_STATUS_NL)


def _new_form(
    request: Request, principal: Principal, values: dict[str, str], errors: dict[str, str]
) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        guard.require_reports(session, principal, now=ctx.now(), what="nieuwe melding")
    return ctx.render(
        request,
        "case_new.html",
        values=values,
        errors=errors,
        categories=ctx.settings.cases.categories,
    )


@router.get("/meldingen/nieuw")
def new_form(request: Request, principal: User) -> Response:
    return _new_form(request, principal, dict(NEW), {})


@router.post("/meldingen/nieuw")
def new(
    request: Request,
    principal: FormUser,
    reporter: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    ctx = web(request)
    values = {"reporter": reporter, "date": date, "category": category, "note": note}
    on_error(request, lambda errors: _new_form(request, principal, values, errors))
    with ctx.transaction() as session:
        case = reports.add(
            session,
            principal,
            reports.NewCase(reporter, _date(date, "date"), category, note or None),
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
        case_id = case.id
    return RedirectResponse(f"/meldingen/{case_id}", status_code=303)


def _show(
    request: Request,
    principal: Principal,
    case_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        view = reports.show(session, principal, case_id, now=ctx.now())
    return ctx.render(
        request,
        "case.html",
        view=view,
        case=view.row.case,
        status_nl=CASE_STATUS_NL,
        errors=errors or {},
        values=values or {},
    )


@router.get("/meldingen/{case_id}")
def case(request: Request, case_id: int, principal: User) -> Response:
    return _show(request, principal, case_id)


def _after(case_id: int) -> Response:
    return RedirectResponse(f"/meldingen/{case_id}", status_code=303)


@router.post("/meldingen/{case_id}/onderzoek")
def investigate(
    request: Request,
    case_id: int,
    principal: FormUser,
    start: Annotated[str, Form(alias="from")] = "",
) -> Response:
    """The form's field is `from`, as the service names it in its errors (like `--from`)."""
    ctx = web(request)
    on_error(
        request, lambda e: _show(request, principal, case_id, errors=e, values={"from": start})
    )
    with ctx.transaction() as session:
        reports.investigate(
            session,
            principal,
            case_id,
            start=_date(start, "from"),
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
    return _after(case_id)


@router.post("/meldingen/{case_id}/buddy")
def buddy(
    request: Request, case_id: int, principal: FormUser, employee: Annotated[str, Form()] = ""
) -> Response:
    ctx = web(request)
    on_error(
        request,
        lambda e: _show(request, principal, case_id, errors=e, values={"employee": employee}),
    )
    with ctx.transaction() as session:
        reports.set_buddy(
            session,
            principal,
            case_id,
            employee=employee,
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
    return _after(case_id)


@router.post("/meldingen/{case_id}/sluiten")
def close(
    request: Request,
    case_id: int,
    principal: FormUser,
    on: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
) -> Response:
    ctx = web(request)
    values = {"on": on, "outcome": outcome}
    on_error(request, lambda e: _show(request, principal, case_id, errors=e, values=values))
    with ctx.transaction() as session:
        reports.close(
            session,
            principal,
            case_id,
            on=_date(on, "on"),
            outcome=outcome or None,
            today=ctx.today(),
            now=ctx.now(),
        )
    return _after(case_id)


@router.post("/meldingen/{case_id}/herstelplan")
def start_plan(
    request: Request, case_id: int, principal: FormUser, consent: Annotated[str, Form()] = ""
) -> Response:
    ctx = web(request)
    on_error(request, lambda e: _show(request, principal, case_id, errors=e))
    with ctx.transaction() as session:
        view = reports.show(session, principal, case_id, now=ctx.now())
        plan = plans.add_plan(
            session,
            principal,
            person=view.row.case.reporter_number,
            case_id=case_id,
            incident_id=None,
            start=ctx.today(),
            consent=bool(consent),
            holder=None,
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
        plan_id = plan.id
    return RedirectResponse(f"/herstelplannen/{plan_id}", status_code=303)


def _plan(
    request: Request,
    principal: Principal,
    plan_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    ctx = web(request)
    with ctx.transaction() as session:
        view = views.show(session, principal, plan_id, now=ctx.now())
    return ctx.render(
        request,
        "plan.html",
        view=view,
        status_nl=MEASURE_STATUS_NL,
        errors=errors or {},
        values=values or {},
    )


@router.get("/herstelplannen/{plan_id}")
def plan_page(request: Request, plan_id: int, principal: User) -> Response:
    return _plan(request, principal, plan_id)


@router.post("/herstelplannen/{plan_id}/maatregel")
def add_measure(
    request: Request,
    plan_id: int,
    principal: FormUser,
    description: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
) -> Response:
    ctx = web(request)
    values = {"description": description, "owner": owner, "target": target}
    on_error(request, lambda e: _plan(request, principal, plan_id, errors=e, values=values))
    with ctx.transaction() as session:
        plans.add_measure(
            session,
            principal,
            plan_id,
            description=description,
            owner=owner,
            target=_date(target, "target"),
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
    return RedirectResponse(f"/herstelplannen/{plan_id}", status_code=303)


@router.post("/herstelplannen/{plan_id}/maatregel/{measure_id}/{status}")
def finish(
    request: Request, plan_id: int, measure_id: int, status: str, principal: FormUser
) -> Response:
    ctx = web(request)
    on_error(request, lambda e: _plan(request, principal, plan_id, errors=e))
    with ctx.transaction() as session:
        plans.finish_measure(
            session,
            principal,
            measure_id,
            status="done" if status == "gedaan" else "dropped",
            on=ctx.today(),
            today=ctx.today(),
            now=ctx.now(),
            settings=ctx.settings,
        )
    return RedirectResponse(f"/herstelplannen/{plan_id}", status_code=303)
