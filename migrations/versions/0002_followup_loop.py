"""Closing the loop: outcomes, escalations (issue 4)

Revision ID: 0002_followup_loop
Revises: 0001_initial
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nazorg.models

revision: str = "0002_followup_loop"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalate_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.add_column(
            sa.Column("outcome_note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True)
        )
        batch_op.add_column(sa.Column("closed_at", nazorg.models.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_followup_escalate_on"), ["escalate_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_escalate_on"))
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("outcome_note")
        batch_op.drop_column("outcome")
        batch_op.drop_column("escalate_on")
