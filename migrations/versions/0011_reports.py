"""Monthly report versions (issue 14)

Revision ID: 0011_reports
Revises: 0010_nodes
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nazorg.store.models.types

revision: str = "0011_reports"
down_revision: str | None = "0010_nodes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The retained report counts, the report versions the daily run wrote, and an index on the
    incident date (the report reads a period's incidents)."""
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_occurred_on"), ["occurred_on"], unique=False)
    op.create_table(
        "report_retained",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("team_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("figure", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("closed_month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("overdue_month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "month",
            "team_code",
            "figure",
            "closed_month",
            "overdue_month",
            name="uq_report_retained",
        ),
    )
    with op.batch_alter_table("report_retained", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_retained_month"), ["month"], unique=False)
    op.create_table(
        "report_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("period_from", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("period_to", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("recipients", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("eml_path", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("written_at", nazorg.store.models.types.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", nazorg.store.models.types.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "period_to", name="uq_report_version"),
    )


def downgrade() -> None:
    """Drop the report tables and the index."""
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_occurred_on"))
    op.drop_table("report_version")
    with op.batch_alter_table("report_retained", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_retained_month"))
    op.drop_table("report_retained")
