"""Attendee replies and proposals (issue 13)

Revision ID: 0008_replies
Revises: 0007_slots
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

revision: str = "0008_replies"
down_revision: str | None = "0007_slots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""


def downgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""
