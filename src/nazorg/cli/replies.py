"""`nazorg replies` (read the answers to invites) and `nazorg followup counter ...` (decide a
proposal of a new time) (issue 13)."""

from __future__ import annotations

import typer

from nazorg.cli.common import describe_pending, env, print_json, table

counter_app = typer.Typer(
    help="Tijdvoorstellen (COUNTER) van genodigden bekijken, overnemen of afwijzen.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="Uitvoer als JSON.")
BY = typer.Option(None, "--by", help="Wie dit vastlegt (anders NAZORG_USER).")


def register(app: typer.Typer, followup: typer.Typer) -> None:
    """Add `nazorg replies` and `nazorg followup counter`."""
    app.command()(replies)
    followup.add_typer(counter_app, name="counter")


def replies(ctx: typer.Context, json: bool = JSON) -> None:
    """Lees de antwoorden op uitnodigingen uit de antwoordenmap (IMAP) en leg ze vast.

    Stopt met code 1 als de map niet te lezen was.
    """
    from nazorg.core.clock import utc_now
    from nazorg.services.replies import read_mailbox

    e = env(ctx)
    report = read_mailbox(
        e.engine(), settings=e.settings, clock=utc_now, actor=e.actor(None), today=e.today
    )
    if json:
        print_json(report.as_json())
    else:
        typer.echo(
            f"antwoorden: {report.messages} bericht(en) gelezen, {report.recorded} vastgelegd "
            f"(waarvan {report.proposals} tijdvoorstel(len)), {report.ignored} genegeerd"
        )
        for line in report.lines:
            where = f"gesprek {line['followup_id']}: " if line.get("followup_id") else ""
            typer.echo(f"  {line['outcome']}: {where}{line['text']}")
    if report.error:
        typer.echo(f"fout: {report.error}", err=True)
        raise typer.Exit(1)


@counter_app.command("list")
def counter_list(ctx: typer.Context, by: str = BY, json: bool = JSON) -> None:
    """Toon de open tijdvoorstellen."""
    from nazorg.core.clock import AMSTERDAM
    from nazorg.services import counters

    e = env(ctx)
    with e.transaction() as session:
        found = counters.open_proposals(session, e.principal(session, by), now=e.now)
        data = [counters.proposal_json(p) for p in found]
    if json:
        print_json(data)
        return
    if not found:
        typer.echo("geen open tijdvoorstellen")
        return
    rows = [
        [
            str(p.id),
            str(p.followup_id),
            p.attendee,
            p.start.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M"),
            p.end.astimezone(AMSTERDAM).strftime("%H:%M"),
        ]
        for p in found
    ]
    typer.echo(table(rows, ["Id", "Gesprek", "Van", "Voorstel", "Tot"]))


@counter_app.command("accept")
def counter_accept(
    ctx: typer.Context,
    proposal_id: int = typer.Argument(..., help="Nummer van het tijdvoorstel."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Neem het voorgestelde tijdstip over: het gesprek wordt verzet."""
    from nazorg.services import counters

    e = env(ctx)
    with e.transaction() as session:
        decision = counters.accept(
            session,
            e.principal(session, by),
            proposal_id,
            today=e.today,
            now=e.now,
            settings=e.settings,
        )
        data = decision.as_json()
        moved = decision.followup.start.strftime("%Y-%m-%d %H:%M")
    if json:
        print_json(data)
        return
    typer.echo(f"tijdvoorstel {proposal_id} overgenomen: gesprek verzet naar {moved}")
    typer.echo("\n".join(describe_pending(decision.next_run)))


@counter_app.command("reject")
def counter_reject(
    ctx: typer.Context,
    proposal_id: int = typer.Argument(..., help="Nummer van het tijdvoorstel."),
    by: str = BY,
    json: bool = JSON,
) -> None:
    """Wijs het voorstel af: het gesprek blijft staan; de volgende run schrijft een
    DECLINECOUNTER aan wie het voorstelde."""
    from nazorg.services import counters

    e = env(ctx)
    with e.transaction() as session:
        decision = counters.reject(
            session,
            e.principal(session, by),
            proposal_id,
            today=e.today,
            now=e.now,
            settings=e.settings,
        )
        data = decision.as_json()
    if json:
        print_json(data)
        return
    typer.echo(
        f"tijdvoorstel {proposal_id} afgewezen; volgende run: DECLINECOUNTER aan "
        f"{decision.declinecounter_to}"
    )
