"""Closing the loop: outcomes, escalations (issue 4)

Revision ID: 0002_followup_loop
Revises: 0001_initial
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import nazorg.models  # noqa: F401

revision: str = "0002_followup_loop"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
