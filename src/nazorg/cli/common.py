"""What every command needs: settings, the engine, today, now, the actor, and output helpers."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from nazorg.core.access import Principal
    from nazorg.settings import Settings

T = TypeVar("T")


class Env:
    """Lazily built context of one command invocation."""

    def __init__(self, config: str | None) -> None:
        self.config = Path(config) if config else None
        self._settings: Settings | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from nazorg.settings import load_settings

            self._settings = load_settings(self.config)
        return self._settings

    def engine(self, *, check: bool = True) -> Engine:
        if self._engine is None:
            from nazorg.store.engine import EngineOptions, make_engine
            from nazorg.store.migrate import check_schema

            options = EngineOptions(**self.settings.database.model_dump())
            self._engine = make_engine(self.settings.database_url, options)
            if check:
                check_schema(self._engine)
        return self._engine

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        from nazorg.store.engine import transaction

        with transaction(self.engine()) as session:
            yield session

    def run(self, work: Callable[[Session], T]) -> T:
        """`work(session)` as one unit of work, run again when PostgreSQL aborts it with a
        serialization failure or a deadlock (`nazorg.store.retry`)."""
        from nazorg.store.retry import run_transaction

        return run_transaction(self.engine(), work)

    @property
    def today(self) -> date:
        from nazorg.core.clock import today_from_env

        return today_from_env()

    @property
    def now(self) -> datetime:
        from nazorg.core.clock import utc_now

        return utc_now()

    def actor(self, by: str | None) -> str:
        return actor_from_env(by)

    def principal(self, session: Session, by: str | None = None) -> Principal:
        """Who acts at the terminal: their account's roles when `--by`/NAZORG_USER names an
        enabled account, else an operator with the staff role (the command line as it always
        was). Whoever can run nazorg can read its database, so this is accountability (the
        audit trail), not a wall: the web app is where roles keep people apart."""
        from nazorg.core.access import operator
        from nazorg.services import users

        name = self.actor(by)
        account = users.find(session, name)
        if account is not None and not account.disabled:
            return users.principal_of(account)
        return operator(name)


def actor_from_env(by: str | None) -> str:
    """Who is acting: --by, else NAZORG_USER, else the operating-system user. A given name must
    be one line of at most 200 characters (it goes into every audit record)."""
    from nazorg.core.text import clean_line

    if by and by.strip():
        return clean_line(by, "--by", 200)
    if os.environ.get("NAZORG_USER", "").strip():
        return clean_line(os.environ["NAZORG_USER"], "NAZORG_USER", 200)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "onbekend"


def env(ctx: typer.Context) -> Env:
    obj = ctx.find_root().obj
    assert isinstance(obj, Env)
    return obj


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def parse_date_option(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from nazorg.core.clock import parse_date

    return parse_date(value.strip(), option)


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain text table with columns padded to their widest cell."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def describe_pending(pending: list[Any]) -> list[str]:
    """Lines saying what the next daily run will send (nazorg.services.followups.Pending)."""
    lines = []
    for p in pending:
        if p.method is None:
            lines.append(
                f"gesprek {p.followup_id}: uitnodiging gaat uit op {p.send_on.isoformat()}"
            )
        else:
            lines.append(
                f"volgende run: gesprek {p.followup_id}: {p.method} (volgnummer {p.sequence}) "
                f"aan {', '.join(p.recipients)}"
            )
    return lines or ["volgende run: niets te versturen"]
