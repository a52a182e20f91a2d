"""The web application: `create_app(settings)` builds it; `nazorg web` serves it with uvicorn.

Nothing happens at import time: the database, the templates and the session key are set up when
the app is built. Pages are server-rendered and work without JavaScript; the only script and
style come from this site (`/static`), so the Content-Security-Policy needs no exception.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from nazorg.core.clock import today_from_env, utc_now

if TYPE_CHECKING:
    from nazorg.settings import Settings

STATIC = "static"


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utc_now,
    today: Callable[[], date] = today_from_env,
) -> FastAPI:
    """The app over `settings`' database (or `engine`), with its clock (aware UTC) and day."""
    from pathlib import Path

    from nazorg.services.secrets import instance_secret
    from nazorg.store.engine import EngineOptions, make_engine, transaction
    from nazorg.store.migrate import check_schema
    from nazorg.web import errors
    from nazorg.web.context import WebContext
    from nazorg.web.pages import (
        cases,
        conversations,
        dashboard,
        employees,
        incidents,
        login,
        privacy,
    )
    from nazorg.web.security import security_headers
    from nazorg.web.templating import make_environment

    if engine is None:
        engine = make_engine(settings.database_url, EngineOptions(**settings.database.model_dump()))
        check_schema(engine)
    if settings.web.secret_key is not None:
        key = settings.web.secret_key.get_secret_value()
    else:
        with transaction(engine) as session:
            key = instance_secret(session, "session-cookie", now=clock())
    app = FastAPI(
        title="nazorg", docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False
    )
    app.state.web = WebContext(
        settings=settings,
        engine=engine,
        clock=clock,
        today_of=today,
        templates=make_environment(settings.language),
        cookie_key=key,
    )
    app.middleware("http")(security_headers)
    if settings.web.oidc is not None:
        from starlette.middleware.sessions import SessionMiddleware

        app.add_middleware(
            SessionMiddleware,
            secret_key=key,
            session_cookie="nazorg_oidc",
            same_site="lax",
            https_only=settings.web.secure_cookies,
            max_age=600,
        )
    errors.install(app)
    for module in (login, dashboard, conversations, incidents, employees, privacy, cases):
        app.include_router(module.router)
    from nazorg.web.pages import counters

    app.include_router(counters.router)
    from nazorg.web.pages import report

    app.include_router(report.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / STATIC), name="static")
    return app


def app_from_environment() -> FastAPI:
    """The app as `nazorg web` serves it (uvicorn's factory, in every worker): the settings from
    NAZORG_CONFIG and the NAZORG_* variables, today from NAZORG_TODAY."""
    from nazorg.settings import load_settings

    return create_app(load_settings())
