"""Reports, buddies and recovery plans (issue 15)

Revision ID: 0009_cases
Revises: 0008_replies
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nazorg.store.models.types import UTCDateTime

revision: str = "0009_cases"
down_revision: str | None = "0008_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Reports, recovery plans and their measures; follow-ups learn their case, plan, measure
    and holder."""
    op.create_table(
        "report_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_number", sa.String(length=32), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=4000), nullable=True),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("investigation_from", sa.Date(), nullable=True),
        sa.Column("buddy_number", sa.String(length=32), nullable=True),
        sa.Column("contacts_planned", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=4000), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["reporter_number"], ["employee.personnel_number"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_case_reporter_number"), ["reporter_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_report_case_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_report_case_buddy_number"), ["buddy_number"], unique=False
        )
    op.create_table(
        "recovery_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_number", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("holder_number", sa.String(length=32), nullable=True),
        sa.Column("review_planned", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["report_case.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.ForeignKeyConstraint(["person_number"], ["employee.personnel_number"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recovery_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recovery_plan_person_number"), ["person_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recovery_plan_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_recovery_plan_incident_id"), ["incident_id"], unique=False
        )
    op.create_table(
        "plan_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("owner_number", sa.String(length=32), nullable=False),
        sa.Column("target_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["recovery_plan.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_measure_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_measure_owner_number"), ["owner_number"], unique=False
        )
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("measure_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("holder_number", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_followup_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_measure_id"), ["measure_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_followup_holder_number"), ["holder_number"], unique=False
        )
        batch_op.create_foreign_key("fk_followup_case_id", "report_case", ["case_id"], ["id"])
        batch_op.create_foreign_key("fk_followup_plan_id", "recovery_plan", ["plan_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_followup_measure_id", "plan_measure", ["measure_id"], ["id"]
        )


def downgrade() -> None:
    """Back to the follow-ups of incidents and cycles only."""
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_constraint("fk_followup_measure_id", type_="foreignkey")
        batch_op.drop_constraint("fk_followup_plan_id", type_="foreignkey")
        batch_op.drop_constraint("fk_followup_case_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_followup_holder_number"))
        batch_op.drop_index(batch_op.f("ix_followup_measure_id"))
        batch_op.drop_index(batch_op.f("ix_followup_plan_id"))
        batch_op.drop_index(batch_op.f("ix_followup_case_id"))
        batch_op.drop_column("holder_number")
        batch_op.drop_column("measure_id")
        batch_op.drop_column("plan_id")
        batch_op.drop_column("case_id")
    op.drop_table("plan_measure")
    op.drop_table("recovery_plan")
    op.drop_table("report_case")
