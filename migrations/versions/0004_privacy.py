"""AVG: erasure requests and retention counts (issue 6)

Revision ID: 0004_privacy
Revises: 0003_cycles
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nazorg.models

revision: str = "0004_privacy"
down_revision: str | None = "0003_cycles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("employee_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_at", nazorg.models.UTCDateTime(), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("ready_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("completed_at", nazorg.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pseudonym"),
    )
    with op.batch_alter_table("erasure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_completed_on"), ["completed_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_erasure_employee_number"), ["employee_number"], unique=False
        )

    op.create_table(
        "retention_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "month", "subject", "kind", "status", "outcome", name="uq_retention_count"
        ),
    )


def downgrade() -> None:
    op.drop_table("retention_count")
    with op.batch_alter_table("erasure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_employee_number"))
        batch_op.drop_index(batch_op.f("ix_erasure_completed_on"))
    op.drop_table("erasure")
