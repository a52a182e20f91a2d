"""Who may see and do what (DOMAIN.md, "Who may see what"), as pure rules.

A `Principal` is the person behind a request: their name (as the audit trail records it), their
roles and, for a leader, their own employee record. Roles:

- `staff` (TCO/VGW): incidents, notes, every conversation and outcome of their teams (all teams
  unless limited), the audit trail, exports and erasure;
- `reports` (a vertrouwenspersoon, the UDR contact): reports of exclusion and discrimination
  (meldingen), investigations, buddies and recovery plans; held next to `staff` or alone;
- `leader`: only the conversations they hold, with the employee's name and the date; never an
  incident's kind or note;
- `management` (sector leadership): the aggregated report only; no names, numbers or notes.

Services check a principal before they read or change anything (`require`), so every entry point
(CLI, web, jobs) gets the same refusals.
"""

from __future__ import annotations

from dataclasses import dataclass

from nazorg.core.errors import AccessDenied

STAFF = "staff"
REPORTS = "reports"
LEADER = "leader"
MANAGEMENT = "management"
ROLES = (STAFF, REPORTS, LEADER, MANAGEMENT)

ROLE_NL = {
    STAFF: "TCO/VGW",
    REPORTS: "meldingen",
    LEADER: "leidinggevende",
    MANAGEMENT: "sectorleiding",
}


@dataclass(frozen=True)
class Principal:
    """The person behind a request, as far as access goes."""

    name: str
    roles: frozenset[str]
    employee_number: str | None = None  # a leader's own employee record
    teams: frozenset[str] | None = None  # staff limited to these basic teams; None: all

    def has(self, role: str) -> bool:
        return role in self.roles

    def require(self, *roles: str) -> None:
        """Refuse unless the principal has one of `roles`; the message names what is needed."""
        if not any(role in self.roles for role in roles):
            needed = " of ".join(ROLE_NL.get(r, r) for r in roles)
            raise AccessDenied(f"geen toegang: hiervoor is de rol {needed} nodig")

    def sees_team(self, team_code: str) -> bool:
        """Staff limited to some teams see only those; everyone else is checked otherwise."""
        return self.teams is None or team_code in self.teams


def operator(name: str) -> Principal:
    """The person at the terminal without an account of their own: staff for every team, as the
    command line always was. The reports role needs an account (`nazorg user add`)."""
    return Principal(name=name, roles=frozenset({STAFF}))


#: The daily run and the scheduler: they act on everything, as the system.
def system(name: str = "nazorg run") -> Principal:
    return Principal(name=name, roles=frozenset(ROLES))
