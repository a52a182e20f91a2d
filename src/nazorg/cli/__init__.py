"""The command line: a thin layer over the core.

Every command parses its options, calls one core function inside one transaction and prints the
result. Errors are turned into messages in one place (`NazorgGroup.invoke`): a NazorgError or an
unreachable database becomes one line on stderr and exit code 1, never a traceback. Heavy modules
(SQLAlchemy, Alembic, icalendar, Jinja2) are imported inside the commands, so `nazorg --help`
starts fast.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from nazorg.core.errors import NazorgError


def user_message(exc: BaseException) -> str | None:
    """The one-line message for an expected failure, or None for a bug."""
    if isinstance(exc, NazorgError):
        return str(exc)
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.OperationalError):
        from nazorg.store.engine import safe_url

        url = (
            safe_url(os.environ.get("NAZORG_DATABASE_URL", ""))
            if os.environ.get("NAZORG_DATABASE_URL")
            else "uit de configuratie"
        )
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return (
            f"database ({url}) niet bereikbaar of niet bruikbaar: {reason}; "
            "controleer NAZORG_DATABASE_URL en voer 'nazorg init' uit"
        )
    return None


def one_line(message: str) -> str:
    """A message as one safe line: line breaks, terminal escapes, direction marks and invalid
    text that it quotes from the input are shown escaped (`\\n`, `\\x1b`, `\\u202e`)."""
    import unicodedata

    return "".join(
        repr(ch)[1:-1] if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch
        for ch in message
    )


def _is_usage_error(exc: BaseException) -> bool:
    """Typer's own parameter errors: it prints them itself, with usage, and exits 2."""
    return hasattr(exc, "exit_code") and hasattr(exc, "show")


class NazorgGroup(TyperGroup):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Refuse an argument that is not valid UTF-8 (Python hands it on as lone surrogates,
        which no database, file or terminal accepts) or holds a NUL (PostgreSQL refuses it)
        before any command sees it."""
        for arg in args:
            if any(0xD800 <= ord(ch) <= 0xDFFF or ch == "\x00" for ch in arg):
                shown = arg if len(arg) <= 40 else arg[:39] + "…"
                typer.echo(
                    f"fout: argument '{one_line(shown)}' is geen geldige UTF-8-tekst; "
                    "controleer de tekenset van de invoer",
                    err=True,
                )
                raise typer.Exit(1)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            message = user_message(exc)
            if message is None:
                if _is_usage_error(exc) or os.environ.get("NAZORG_DEBUG"):
                    raise
                first = (str(exc).strip().splitlines() or [""])[0][:200]
                message = (
                    f"onverwachte fout ({type(exc).__name__}: {first}); "
                    "meld dit met de uitvoer van NAZORG_DEBUG=1"
                )
            typer.echo(f"fout: {one_line(message)}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=NazorgGroup,
    help="nazorg: plant nazorggesprekken na impactvolle incidenten en maakt uitnodigingen en "
    "conceptmails voor leidinggevenden.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: str = typer.Option(
        None,
        "--config",
        help="TOML-configuratiebestand (anders NAZORG_CONFIG).",
        metavar="PAD",
    ),
) -> None:
    from nazorg.cli.common import Env

    ctx.obj = Env(config)


def _register() -> None:
    from nazorg.cli import (
        case,
        daily,
        delivery,
        employee,
        followup,
        incident,
        jobs,
        plan,
        privacy,
        replies,
        users,
        web,
    )

    app.add_typer(employee.app, name="employee")
    app.add_typer(incident.app, name="incident")
    app.add_typer(followup.app, name="followup")
    app.add_typer(users.app, name="user")
    jobs.register(app)
    daily.register(app)
    privacy.register(app)
    delivery.register(app)
    web.register(app)
    app.add_typer(case.app, name="case")
    app.add_typer(plan.app, name="plan")
    replies.register(app, followup.app)


_register()


def main() -> None:
    app()
