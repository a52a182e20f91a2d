"""Slots per holder (issue 13)

Revision ID: 0007_slots
Revises: 0006_accounts
Create Date: 2026-12-04 04:10:00

Every conversation records who holds it (`slot_holder`), with an index on (holder, day), so
planning reads one holder's taken times of the coming days without scanning the history. The
slot itself is the existing `start_local`/`end_local`. Open conversations get their holder
filled in: the leader themselves for their own 360-degree and development-plan items, else the
employee's direct leader (the teamchef fallback is filled in at the next re-planning).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_slots"
down_revision: str | None = "0006_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot_holder", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_followup_slot_holder_day", ["slot_holder", "due_on"], unique=False
        )
    op.execute(
        "UPDATE followup SET slot_holder = employee_number "
        "WHERE status = 'planned' AND kind IN ('feedback_360', 'development_plan')"
    )
    op.execute(
        "UPDATE followup SET slot_holder = (SELECT employee.leader_number FROM employee "
        "WHERE employee.personnel_number = followup.employee_number) "
        "WHERE status = 'planned' AND slot_holder IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_slot_holder_day")
        batch_op.drop_column("slot_holder")
