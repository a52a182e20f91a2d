"""Nodes: which node ran a job (issue 16)

Revision ID: 0010_nodes
Revises: 0009_cases
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

revision: str = "0010_nodes"
down_revision: str | None = "0009_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""


def downgrade() -> None:
    """Nothing yet: reserved for this feature's tables."""
