"""AVG: erasure requests and retention counts (issue 6)

Revision ID: 0004_privacy
Revises: 0003_cycles
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import nazorg.models  # noqa: F401

revision: str = "0004_privacy"
down_revision: str | None = "0003_cycles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
