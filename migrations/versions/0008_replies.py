"""Attendee replies and proposals (issue 13)

Revision ID: 0008_replies
Revises: 0007_slots
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nazorg.store.models.types

revision: str = "0008_replies"
down_revision: str | None = "0007_slots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The tables of nazorg.store.models.replies."""
    utc = nazorg.store.models.types.UTCDateTime
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "attendee_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("message_key", text(length=200), nullable=False),
        sa.Column("attendee", text(length=320), nullable=False),
        sa.Column("role", text(length=16), nullable=False),
        sa.Column("method", text(length=16), nullable=False),
        sa.Column("partstat", text(length=16), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("dtstamp", utc(), nullable=False),
        sa.Column("for_start", utc(), nullable=False),
        sa.Column("comment", text(length=500), nullable=True),
        sa.Column("recorded_at", utc(), nullable=False),
        sa.Column("recorded_by", text(length=200), nullable=False),
        sa.ForeignKeyConstraint(["followup_id"], ["followup.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_key", "attendee", name="uq_attendee_reply_message"),
    )
    with op.batch_alter_table("attendee_reply", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attendee_reply_followup_id"), ["followup_id"], unique=False
        )
    op.create_table(
        "counter_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("attendee", text(length=320), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("start", utc(), nullable=False),
        sa.Column("end", utc(), nullable=False),
        sa.Column("state", text(length=16), nullable=False),
        sa.Column("decided_at", utc(), nullable=True),
        sa.Column("decided_by", text(length=200), nullable=True),
        sa.Column("payload", text(), nullable=True),
        sa.Column("written_at", utc(), nullable=True),
        sa.Column("ics_path", text(length=500), nullable=True),
        sa.Column("eml_path", text(length=500), nullable=True),
        sa.ForeignKeyConstraint(["followup_id"], ["followup.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reply_id"], ["attendee_reply.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reply_id"),
    )
    with op.batch_alter_table("counter_proposal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_counter_proposal_followup_id"), ["followup_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_counter_proposal_state"), ["state"], unique=False)


def downgrade() -> None:
    """Drop the tables of nazorg.store.models.replies."""
    with op.batch_alter_table("counter_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_counter_proposal_state"))
        batch_op.drop_index(batch_op.f("ix_counter_proposal_followup_id"))
    op.drop_table("counter_proposal")
    with op.batch_alter_table("attendee_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendee_reply_followup_id"))
    op.drop_table("attendee_reply")
