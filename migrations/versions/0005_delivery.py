"""Delivery to IMAP, SMTP and CalDAV (issue 8)

Revision ID: 0005_delivery
Revises: 0004_privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import nazorg.models  # noqa: F401

revision: str = "0005_delivery"
down_revision: str | None = "0004_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
