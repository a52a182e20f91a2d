"""Monthly report versions (issue 14)

Revision ID: 0011_reports
Revises: 0010_nodes
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

revision: str = "0011_reports"
down_revision: str | None = "0010_nodes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""


def downgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""
