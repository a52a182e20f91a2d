"""Leadership cycles: 360 feedback, development plan, R&O (issue 5)

Revision ID: 0003_cycles
Revises: 0002_followup_loop
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_cycles"
down_revision: str | None = "0002_followup_loop"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cycle_year", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_followup_cycle", ["employee_number", "kind", "cycle_year"]
        )


def downgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_constraint("uq_followup_cycle", type_="unique")
        batch_op.drop_column("cycle_year")
