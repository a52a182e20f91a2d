"""Leadership cycles: 360 feedback, development plan, R&O (issue 5)

Revision ID: 0003_cycles
Revises: 0002_followup_loop
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import nazorg.models  # noqa: F401

revision: str = "0003_cycles"
down_revision: str | None = "0002_followup_loop"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
