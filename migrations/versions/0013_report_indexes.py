"""Indexes for the monthly report (issue 14's speed at national scale)

Revision ID: 0013_report_indexes
Revises: 0012_agenda_indexes
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_report_indexes"
down_revision: str | None = "0012_agenda_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKIN_FIGURES = ["due_on", "status", "closed_at", "outcome", "employee_number"]


def upgrade() -> None:
    """A month's leadership cycles (no incident) as a range of (incident, day) instead of every
    cycle item; a person's incidents without reading the link table, and their previous R&O from
    an index alone (the violence point of every R&O of a month); a month's check-ins counted
    from an index of what the report reads of them (national scale: the trend of twelve months
    counts some 200,000 check-ins)."""
    op.create_index("ix_followup_incident_due", "followup", ["incident_id", "due_on"])
    op.create_index(
        "ix_incident_employee_person", "incident_employee", ["employee_number", "incident_id"]
    )
    op.create_index(
        "ix_followup_employee_kind_due",
        "followup",
        ["employee_number", "kind", "due_on", "status"],
    )
    op.create_index(
        "ix_followup_checkin_figures",
        "followup",
        CHECKIN_FIGURES,
        postgresql_where=sa.text("incident_id IS NOT NULL"),
        sqlite_where=sa.text("incident_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_followup_checkin_figures", table_name="followup")
    op.drop_index("ix_followup_employee_kind_due", table_name="followup")
    op.drop_index("ix_incident_employee_person", table_name="incident_employee")
    op.drop_index("ix_followup_incident_due", table_name="followup")
