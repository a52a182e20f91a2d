"""Reports, buddies and recovery plans (issue 15)

Revision ID: 0009_cases
Revises: 0008_replies
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

revision: str = "0009_cases"
down_revision: str | None = "0008_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""


def downgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""
