"""The start page: this week's and next week's conversations, the overdue ones, and (for staff)
the last daily run and the deliveries that failed. A leader sees only their own conversations;
sector leadership has no conversations to see (their start page is the report)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from nazorg.core.access import STAFF, Principal
from nazorg.delivery.state import summary as delivery_summary
from nazorg.services import agenda, audit, conversations
from nazorg.services.agenda import Filters
from nazorg.services.conversations import Page
from nazorg.store.models import Run

if TYPE_CHECKING:
    from nazorg.settings import Settings


@dataclass(frozen=True)
class Dashboard:
    week_start: date
    this_week: Page
    next_week: Page
    overdue: Page
    last_run: Run | None  # staff only
    deliveries: dict[str, Any] | None  # staff only: waiting and failed per target
    # Conversations whose answers ask for action (issue 13), as far as the principal may see.
    attention: Page = field(default_factory=lambda: Page([], 0, 0, 0))


def week_of(day: date) -> date:
    """The Monday of the week of `day`."""
    return day - timedelta(days=day.weekday())


def overview(
    session: Session,
    principal: Principal,
    *,
    today: date,
    now: datetime,
    settings: Settings,
    limit: int = 20,
) -> Dashboard:
    """The dashboard of the module doc, each list at most `limit` long (with its total)."""
    monday = week_of(today)
    this_week = Filters(start=monday, end=monday + timedelta(days=6))
    next_week = Filters(start=monday + timedelta(days=7), end=monday + timedelta(days=13))

    def page(filters: Filters) -> Page:
        return conversations.search(
            session, principal, filters, now=now, limit=limit, attention=False
        )

    # What the answers ask for, read once for the three lists instead of once per list.
    pages = [page(this_week), page(next_week), page(conversations.overdue_filters(today, settings))]
    labelled = iter(agenda.with_attention(session, [i for p in pages for i in p.items]))
    pages = [replace(p, items=[next(labelled) for _ in p.items]) for p in pages]
    staff = principal.has(STAFF)
    last_run = (
        session.exec(select(Run).order_by(col(Run.id).desc()).limit(1)).first() if staff else None
    )
    return Dashboard(
        week_start=monday,
        this_week=pages[0],
        next_week=pages[1],
        overdue=pages[2],
        last_run=last_run,
        deliveries=delivery_summary(session, now=now) if staff else None,
        attention=_attention(session, principal, now=now, limit=limit),
    )


def _attention(session: Session, principal: Principal, *, now: datetime, limit: int) -> Page:
    """The conversations needing action that the principal may see; the read is audited."""
    visible = [i for i in agenda.needing_attention(session) if conversations.may_see(principal, i)]
    items = visible[:limit]
    audit.audit_reads(
        session,
        now=now,
        actor=principal.name,
        action="agenda.show",
        entity="followup",
        seen=[(i.employee.personnel_number, i.followup.id) for i in items],
    )
    return Page(items, len(visible), 0, limit)
