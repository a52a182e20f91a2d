"""Leadership cycles (issue 5): a year of daily runs over a small organisation."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import vobject
from sqlmodel import Session, col, select

from nazorg.jobs.daily import run_daily
from nazorg.services import employees
from nazorg.settings import Settings
from nazorg.store.engine import transaction
from nazorg.store.models import FollowUp
from tests.conftest import FIXED_NOW, load_team, register

pytestmark = pytest.mark.slow


@pytest.fixture
def cycle_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, outbox=tmp_path / "outbox")


def items(engine: Any) -> list[tuple[str, str, int | None, str, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(FollowUp)
            .where(col(FollowUp.cycle_year).is_not(None))
            .order_by(col(FollowUp.start_local), col(FollowUp.employee_number))
        ).all()
        return [
            (
                f.employee_number,
                f.kind,
                f.cycle_year,
                f.start_local.strftime("%Y-%m-%d %H:%M"),
                f.status,
            )
            for f in rows
        ]


def test_a_year_of_daily_runs_with_joiners_leavers_a_promotion_and_a_leader_change(
    engine: Any, cycle_settings: Settings
) -> None:
    settings = cycle_settings
    load_team(engine)  # T1 teamchef; L1, L2 leaders; E1, E2 (L1), E3 (L2)
    now = FIXED_NOW
    sent: list[tuple[str, str, int, tuple[str, ...], str]] = []
    agenda_points: dict[str, list[str]] = {}
    escalated: list[tuple[str, str, str]] = []

    def change(number: str, day: date, **kwargs: Any) -> None:
        with transaction(engine) as session:
            employees.update(
                session, number, employees.EmployeeChange(**kwargs), actor="HR", now=now, today=day
            )

    day = date(2026, 1, 5)
    while day <= date(2026, 12, 31):
        now += timedelta(days=1)
        if day == date(2026, 2, 2):
            with transaction(engine) as session:
                employees.add(
                    session,
                    employees.EmployeeIn(
                        "E4", "Eef Nieuw", "eef@politie.example", "BT1", "L2", "medewerker"
                    ),
                    actor="HR",
                    now=now,
                )
        if day == date(2026, 2, 10):
            register(engine, settings, employee="E3", occurred=day, today=day, kind="geweld")
            register(engine, settings, employee="E1", occurred=day, today=day, kind="bedreiging")
        if day == date(2026, 4, 1):
            change("E2", day, role="leidinggevende")
        if day == date(2026, 5, 4):
            change("E1", day, leader="L2")
        if day == date(2026, 6, 1):
            change("L1", day, left_on=date(2026, 6, 30), leader="T1")
        report = run_daily(engine, today=day, clock=lambda at=now: at, settings=settings)
        for e in report.emitted:
            if e.method == "ESCALATION":
                escalated.append((e.kind, e.recipients[0], day.isoformat()))
            elif e.kind in ("feedback_360", "development_plan", "ro"):
                with Session(engine) as session:
                    f = session.get(FollowUp, e.followup_id)
                    assert f is not None
                    who = f.employee_number
                sent.append((who, e.kind, e.sequence, e.recipients, e.method))
                assert e.ics is not None
                event = vobject.readOne(
                    Path(e.ics).read_text(encoding="utf-8"), validate=True
                ).vevent
                description = event.description.value
                agenda_points[f"{who}:{e.kind}:{e.sequence}"] = [
                    line for line in description.splitlines() if "Geweld in het werk" in line
                ]
        day += timedelta(days=1)

    # 360 and development plan for the leaders of 2026; E2, promoted in April, joins in 2027;
    # L1 leaves on 30 June: L1's open items are cancelled (none had been sent). R&O in
    # September: E1 moved to L2 in May and gets a free slot of L2's; E2's leader left, so the
    # teamchef holds it; E4 joined in February and is included.
    # No person has two conversations at once (issue 13): L1 holds E1's R&O at 10:00 on
    # 1 September, so L1's own R&O with the teamchef goes to 11:00; L2's own R&O is at 10:00 on
    # 2 September, so E4's (held by L2) goes to 11:00 and E1's, moved to L2, to 12:00.
    assert items(engine) == [
        ("L1", "feedback_360", 2026, "2026-03-02 10:00", "planned"),
        ("L2", "feedback_360", 2026, "2026-03-02 10:00", "planned"),
        ("T1", "feedback_360", 2026, "2026-03-02 10:00", "planned"),
        ("L1", "development_plan", 2026, "2026-04-13 10:00", "planned"),
        ("L2", "development_plan", 2026, "2026-04-13 10:00", "planned"),
        ("T1", "development_plan", 2026, "2026-04-13 10:00", "planned"),
        ("E3", "ro", 2026, "2026-09-01 10:00", "planned"),
        ("L1", "ro", 2026, "2026-09-01 11:00", "cancelled"),
        ("L2", "ro", 2026, "2026-09-02 10:00", "planned"),
        ("E2", "ro", 2026, "2026-09-02 11:00", "planned"),
        ("E4", "ro", 2026, "2026-09-02 11:00", "planned"),
        ("E1", "ro", 2026, "2026-09-02 12:00", "planned"),
        ("E2", "feedback_360", 2027, "2027-03-01 10:00", "planned"),
        ("L1", "feedback_360", 2027, "2027-03-01 10:00", "cancelled"),
        ("L2", "feedback_360", 2027, "2027-03-01 10:00", "planned"),
        ("T1", "feedback_360", 2027, "2027-03-01 10:00", "planned"),
        ("E2", "development_plan", 2027, "2027-04-12 10:00", "planned"),
        ("L1", "development_plan", 2027, "2027-04-12 10:00", "cancelled"),
        ("L2", "development_plan", 2027, "2027-04-12 10:00", "planned"),
        ("T1", "development_plan", 2027, "2027-04-12 10:00", "planned"),
        ("E1", "ro", 2027, "2027-09-01 10:00", "planned"),
        ("E2", "ro", 2027, "2027-09-01 10:00", "planned"),
        ("E3", "ro", 2027, "2027-09-02 10:00", "planned"),
        ("L2", "ro", 2027, "2027-09-02 11:00", "planned"),
        ("E4", "ro", 2027, "2027-09-03 10:00", "planned"),
    ]
    lea, lars, tineke = "lea@politie.example", "lars@politie.example", "tineke@politie.example"
    assert sent == [
        ("L1", "feedback_360", 0, (lars,), "REQUEST"),
        ("L2", "feedback_360", 0, (lea,), "REQUEST"),
        ("T1", "feedback_360", 0, (tineke,), "REQUEST"),
        ("L1", "development_plan", 0, (lars,), "REQUEST"),
        ("L2", "development_plan", 0, (lea,), "REQUEST"),
        ("T1", "development_plan", 0, (tineke,), "REQUEST"),
        ("E3", "ro", 0, (lea, "els@politie.example"), "REQUEST"),
        ("E1", "ro", 0, (lea, "eva@politie.example"), "REQUEST"),
        ("E2", "ro", 0, (tineke, "jerome@politie.example"), "REQUEST"),
        ("L2", "ro", 0, (tineke, lea), "REQUEST"),
        ("E4", "ro", 0, (lea, "eef@politie.example"), "REQUEST"),
    ]
    # The violence point: E3 had a "geweld" incident in February; E1's was a threat.
    assert {key: lines for key, lines in agenda_points.items() if lines} == {
        "E3:ro:0": [
            "- Geweld in het werk: 1 incident(en) met geweld sinds het vorige R&O-gesprek. "
            "Bespreek het gebruik van geweld en wat ervan te leren valt."
        ]
    }
    # Nothing was ever marked held, so every check-in and R&O conversation is escalated once,
    # 11 working days after its date; the leaders' own 360 and plan items never are.
    assert escalated == [
        ("checkin_1m", tineke, "2026-03-25"),
        ("checkin_1m", tineke, "2026-03-25"),
        ("checkin_3m", tineke, "2026-05-28"),
        ("checkin_3m", tineke, "2026-05-28"),
        ("checkin_6m", tineke, "2026-08-25"),
        ("checkin_6m", tineke, "2026-08-25"),
        ("ro", tineke, "2026-09-16"),
        ("ro", tineke, "2026-09-17"),
        ("ro", tineke, "2026-09-17"),
        ("ro", tineke, "2026-09-17"),
        ("ro", tineke, "2026-09-17"),
    ]


def test_a_plan_per_incident_kind_adds_an_early_contact_and_stays_with_existing_followups(
    engine: Any, tmp_path: Path, database_url: str
) -> None:
    from nazorg.settings import PlanSettings

    load_team(engine)
    before = Settings(database_url=database_url, outbox=tmp_path / "o", cycle_kinds=())
    old = register(
        engine,
        before,
        employee="E1",
        occurred=date(2026, 3, 2),
        today=date(2026, 3, 2),
        kind="geweld",
    )
    after = Settings(
        database_url=database_url,
        outbox=tmp_path / "o",
        cycle_kinds=(),
        plans={"geweld": PlanSettings(days=(3,), months=(1, 6), lead_days=2)},
    )
    new = register(
        engine,
        after,
        employee="E2",
        occurred=date(2026, 3, 6),
        today=date(2026, 3, 6),
        kind="geweld",
    )
    other = register(
        engine,
        after,
        employee="E3",
        occurred=date(2026, 3, 6),
        today=date(2026, 3, 6),
        kind="ongeval",
    )
    assert [(f.kind, f.due_on.isoformat()) for f in old.followups] == [
        ("checkin_1m", "2026-04-02"),
        ("checkin_3m", "2026-06-02"),
        ("checkin_6m", "2026-09-02"),
    ]
    # Friday 6 March + 3 days = Monday 9 March... but that is before the second working day
    # after registration (Tuesday 10 March): the late-registration rule applies to days too.
    assert [
        (f.kind, f.due_on.isoformat(), f.late_registration, f.invite_on.isoformat())
        for f in new.followups
    ] == [
        ("checkin_3d", "2026-03-10", True, "2026-03-08"),
        ("checkin_1m", "2026-04-07", False, "2026-04-05"),  # 6 April is Easter Monday
        ("checkin_6m", "2026-09-07", False, "2026-09-05"),
    ]
    assert [f.kind for f in other.followups] == ["checkin_1m", "checkin_3m", "checkin_6m"]


def test_an_invalid_plan_is_refused_naming_the_entry(tmp_path: Path) -> None:
    from nazorg.core.errors import ConfigError
    from nazorg.settings import load_settings

    config = tmp_path / "plans.toml"
    config.write_text("[plans.brand]\nmonths = [1]\n")
    with pytest.raises(ConfigError, match=r"ongeldige instelling 'plans\.brand'.*onbekende soort"):
        load_settings(config)
    config.write_text("[plans.geweld]\ndays = [0]\n")
    with pytest.raises(ConfigError, match=r"ongeldige instelling 'plans\.geweld\.days'"):
        load_settings(config)
