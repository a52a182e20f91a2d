"""Nodes: which node ran a job; the unwritten versions in a partial index (issue 16)

Revision ID: 0010_nodes
Revises: 0009_cases
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010_nodes"
down_revision: str | None = "0009_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


UNWRITTEN = sa.text("written_at IS NULL")


def upgrade() -> None:
    """The node (host and process, or the configured node name) that ran each daily run; the
    plain index on emission.written_at replaced by a partial index of the unwritten versions' ids
    (the catch-up on PostgreSQL slowed down per item written, see the model)."""
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("node", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    with op.batch_alter_table("emission", schema=None) as batch_op:
        batch_op.drop_index("ix_emission_written_at")
        batch_op.create_index(
            "ix_emission_unwritten",
            ["id"],
            unique=False,
            postgresql_where=UNWRITTEN,
            sqlite_where=UNWRITTEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("emission", schema=None) as batch_op:
        batch_op.drop_index("ix_emission_unwritten")
        batch_op.create_index("ix_emission_written_at", ["written_at"], unique=False)
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.drop_column("node")
