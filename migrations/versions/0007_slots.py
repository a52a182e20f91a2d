"""Slots per holder (issue 13)

Revision ID: 0007_slots
Revises: 0006_accounts
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

revision: str = "0007_slots"
down_revision: str | None = "0006_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""


def downgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""
