"""The database tables (SQLModel), the single source of the schema that Alembic migrates.

One module per subject; this package hands every table on, so that importing it makes the
metadata (and Alembic's view of it) complete. Times: calendar dates are `date`; instants are
aware UTC (`UTCDateTime`); conversation times are wall-clock times in a named zone.
"""

from nazorg.store.models.audit import AuditEvent
from nazorg.store.models.cases import PlanMeasure, RecoveryPlan, ReportCase
from nazorg.store.models.delivery import Delivery, DeliveryCursor
from nazorg.store.models.emissions import Emission, Run
from nazorg.store.models.followups import FollowUp
from nazorg.store.models.incidents import Incident, IncidentEmployee
from nazorg.store.models.organisation import LEADER_ROLES, ROLES, Employee, Team
from nazorg.store.models.privacy import Erasure, RetentionCount
from nazorg.store.models.replies import AttendeeReply, CounterProposal
from nazorg.store.models.types import UTCDateTime
from nazorg.store.models.users import InstanceSecret, UserAccount, WebSession

__all__ = [
    "LEADER_ROLES",
    "ROLES",
    "AttendeeReply",
    "AuditEvent",
    "CounterProposal",
    "Delivery",
    "DeliveryCursor",
    "Emission",
    "Employee",
    "Erasure",
    "FollowUp",
    "Incident",
    "IncidentEmployee",
    "InstanceSecret",
    "PlanMeasure",
    "RecoveryPlan",
    "ReportCase",
    "RetentionCount",
    "Run",
    "Team",
    "UTCDateTime",
    "UserAccount",
    "WebSession",
]
