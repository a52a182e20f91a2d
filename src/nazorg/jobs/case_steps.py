"""The daily run's step for reports (issue 15): make the buddy contact moments now due, before
the invites are decided, under the same lock, so concurrent runs do not both make them."""

from __future__ import annotations

from nazorg.core.workdays import WorkCalendar
from nazorg.jobs.run import RunContext, RunReport
from nazorg.store.engine import transaction
from nazorg.store.locks import lock_for_emission


def generate_case_contacts(ctx: RunContext, report: RunReport) -> None:
    """Create the contact moments whose invite day has come (once each). Not in a dry run."""
    from nazorg.services.cases.contacts import generate

    if ctx.dry_run:
        return
    with transaction(ctx.engine) as session:
        lock_for_emission(session)
        made = generate(
            session,
            today=ctx.today,
            now=ctx.clock(),
            settings=ctx.settings,
            calendar=WorkCalendar(),
        )
        report.generated += len(made)
