"""Indexes for the agenda and the dashboard (issue 12's speed at national scale)

Revision ID: 0012_agenda_indexes
Revises: 0011_reports
Create Date: 2026-12-04 16:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_agenda_indexes"
down_revision: str | None = "0011_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The open conversations of a period (status and date) and in agenda order (status, start,
    id): the dashboard's weeks and the agenda's first page read a few index entries instead of
    every planned conversation; the declines among the answers likewise."""
    op.create_index("ix_followup_status_due_on", "followup", ["status", "due_on"])
    op.create_index("ix_followup_status_start", "followup", ["status", "start_local", "id"])
    op.create_index(
        "ix_attendee_reply_answer", "attendee_reply", ["partstat", "method", "followup_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_attendee_reply_answer", table_name="attendee_reply")
    op.drop_index("ix_followup_status_start", table_name="followup")
    op.drop_index("ix_followup_status_due_on", table_name="followup")
