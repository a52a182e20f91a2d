"""The answers to review on a conversation's page in a partial index (issue 12's speed)

Revision ID: 0014_audit_unverified_index
Revises: 0013_report_indexes
Create Date: 2026-12-04 18:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_audit_unverified_index"
down_revision: str | None = "0013_report_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNVERIFIED = sa.text("action = 'followup.reply.unverified'")


def upgrade() -> None:
    """A conversation's page lists the answers from a sender who is not the invitee; it read
    every row of the audit trail to find them, and the trail grows with every page shown (one
    row per person on it). The index holds those few rows only, by conversation id."""
    op.create_index(
        "ix_audit_event_unverified",
        "audit_event",
        ["entity_id"],
        postgresql_where=UNVERIFIED,
        sqlite_where=UNVERIFIED,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_event_unverified", table_name="audit_event")
