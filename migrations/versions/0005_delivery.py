"""Delivery to IMAP, SMTP and CalDAV (issue 8)

Revision ID: 0005_delivery
Revises: 0004_privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nazorg.models

revision: str = "0005_delivery"
down_revision: str | None = "0004_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_cursor",
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("emission_id", sa.Integer(), nullable=False),
        sa.Column("started_at", nazorg.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", nazorg.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("target"),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("emission_id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", nazorg.models.UTCDateTime(), nullable=True),
        sa.Column("claimed_at", nazorg.models.UTCDateTime(), nullable=True),
        sa.Column("destination", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("remote_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("delivered_at", nazorg.models.UTCDateTime(), nullable=True),
        sa.Column("created_at", nazorg.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["emission_id"], ["emission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("emission_id", "target", name="uq_delivery_target"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        # The delivery step reads only due rows: target = ? AND next_attempt_at <= now.
        batch_op.create_index("ix_delivery_due", ["target", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_followup_id"), ["followup_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_status"))
        batch_op.drop_index(batch_op.f("ix_delivery_followup_id"))
        batch_op.drop_index("ix_delivery_due")
    op.drop_table("delivery")
    op.drop_table("delivery_cursor")
