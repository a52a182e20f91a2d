"""Tables of the monthly report to sector leadership (issue 14).

`ReportRetained` keeps what the report needs of purged incidents and conversations: counts per
month, team and figure, without any person, so that a report for a month long past gives the same
figures before and after the retention purge. `ReportVersion` records each report the daily run
wrote, so that it is written exactly once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nazorg.store.models.types import utc_column


class ReportRetained(SQLModel, table=True):
    """Counts of purged rows, as the report counts them.

    `month`: YYYY-MM of the incident date or of the conversation's planned date. `team_code`: the
    employee's team at the purge ('' for a figure of the whole organisation, such as distinct
    incidents). `figure`: what is counted (see `nazorg.services.report.retained`).
    `closed_month` and `overdue_month` (YYYY-MM, '' when not applicable): the month the
    conversation was closed and the month from which it counted as overdue, so that a report for
    an earlier period end still sees it as open or overdue at that end.
    """

    __tablename__ = "report_retained"
    __table_args__ = (
        sa.UniqueConstraint(
            "month",
            "team_code",
            "figure",
            "closed_month",
            "overdue_month",
            name="uq_report_retained",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    team_code: str = Field(default="", max_length=64)
    figure: str = Field(max_length=120)
    closed_month: str = Field(default="", max_length=7)
    overdue_month: str = Field(default="", max_length=7)
    count: int = 0


class ReportVersion(SQLModel, table=True):
    """A report the daily run wrote as an e-mail draft: one per kind and period, exactly once.

    `kind`: `month`, `months4`, `months8` or `months12`; `period_to`: YYYY-MM of its last month.
    `digest`: SHA-256 of the PDF (the output is deterministic); `eml_path`: the draft written.
    `delivered_at`, `attempts`, `last_error`: its delivery to the IMAP drafts folder, when
    `[delivery.imap]` is set (NULL: not yet delivered, or no IMAP target).
    """

    __tablename__ = "report_version"
    __table_args__ = (sa.UniqueConstraint("kind", "period_to", name="uq_report_version"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    period_from: str = Field(max_length=7)
    period_to: str = Field(max_length=7)
    recipients: str = Field(max_length=2000)
    digest: str = Field(max_length=64)
    eml_path: str | None = Field(default=None, max_length=1000)
    written_at: datetime = Field(sa_column=utc_column())
    delivered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1000)
