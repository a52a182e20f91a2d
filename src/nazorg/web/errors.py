"""Errors turned into pages in one place, never a traceback:

- no session: to the login page, and back afterwards;
- a role that may not do this (AccessDenied): 403 with the reason;
- something that does not exist, or must not show that it exists (NotFoundError): 404;
- refused input (ValidationError) on a form: the form again, with the message next to the field
  it is about (the route said how to show its form again), 400; elsewhere a 400 page;
- anything unexpected: a 500 page that says so, and the details in the server's log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from nazorg.core.errors import AccessDenied, NazorgError, NotFoundError, ValidationError
from nazorg.web.auth import LoginRequired
from nazorg.web.context import web

log = logging.getLogger("nazorg.web")

#: How a route shows its form again with errors: field name ("" for the form) -> message.
Redisplay = Callable[[dict[str, str]], Response]


def on_error(request: Request, redisplay: Redisplay) -> None:
    """Say how this request's form is shown again when the service refuses the input."""
    request.state.redisplay = redisplay


def _page(request: Request, status: int, title: str, message: str) -> Response:
    return web(request).render(request, "error.html", status=status, title=title, message=message)


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(AccessDenied)
    async def denied(request: Request, exc: AccessDenied) -> Response:
        return _page(request, 403, "Geen toegang", str(exc))

    @app.exception_handler(ValidationError)
    async def refused(request: Request, exc: ValidationError) -> Response:
        redisplay: Redisplay | None = getattr(request.state, "redisplay", None)
        if isinstance(exc, NotFoundError) and (redisplay is None or exc.field is None):
            return _page(request, 404, "Niet gevonden", str(exc))
        if redisplay is not None:
            response = redisplay({exc.field or "": str(exc)})
            response.status_code = 400
            return response
        return _page(request, 400, "Er ging iets mis", str(exc))

    @app.exception_handler(NazorgError)
    async def failed(request: Request, exc: NazorgError) -> Response:
        return _page(request, 400, "Er ging iets mis", str(exc))

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return _page(request, 404, "Niet gevonden", "deze pagina bestaat niet")
        return _page(request, exc.status_code, "Er ging iets mis", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if request.method == "GET":
            return _page(request, 404, "Niet gevonden", "deze pagina bestaat niet")
        return _page(request, 400, "Er ging iets mis", "het formulier is onvolledig")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("onverwachte fout bij %s %s", request.method, request.url.path)
        return _page(
            request,
            500,
            "Er ging iets mis",
            f"onverwachte fout ({type(exc).__name__}); meld dit bij het beheer",
        )
