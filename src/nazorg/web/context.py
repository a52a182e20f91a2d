"""What every request handler needs: the settings, the database, the clock, the templates and
the key that signs session cookies. Built once per process (`nazorg.web.app.create_app`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from nazorg.core.access import Principal
from nazorg.store.engine import reading, transaction
from nazorg.store.retry import run_transaction

if TYPE_CHECKING:
    import jinja2
    from fastapi import Request
    from fastapi.responses import HTMLResponse

    from nazorg.settings import Settings

T = TypeVar("T")


@dataclass
class WebContext:
    settings: Settings
    engine: Engine
    clock: Callable[[], datetime]
    today_of: Callable[[], date]
    templates: jinja2.Environment
    cookie_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed before the response is made, rolled back on error."""
        with transaction(self.engine) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A unit of work that only reads: no write lock on SQLite, never committed."""
        with reading(self.engine) as session:
            yield session

    def run(self, work: Callable[[Session], T]) -> T:
        """`work(session)` as one unit of work, run again when PostgreSQL aborts it with a
        serialization failure or a deadlock (`nazorg.store.retry`)."""
        return run_transaction(self.engine, work)

    def today(self) -> date:
        return self.today_of()

    def now(self) -> datetime:
        return self.clock()

    def render(
        self, request: Request, name: str, *, status: int = 200, **values: Any
    ) -> HTMLResponse:
        """A page from `templates/web/`, with the person, the CSRF token and the words."""
        from fastapi.responses import HTMLResponse

        principal: Principal | None = getattr(request.state, "principal", None)
        context = {
            "request_path": request.url.path,
            "principal": principal,
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "today": self.today(),
            **values,
        }
        html = self.templates.get_template(name).render(context)
        return HTMLResponse(html, status_code=status)


def web(request: Request) -> WebContext:
    context = request.app.state.web
    assert isinstance(context, WebContext)
    return context
