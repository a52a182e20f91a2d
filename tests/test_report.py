"""The monthly report (issue 14): figures on a hand-built history against a hand-written table,
the same figures after the retention purge, suppression through the report, and the formats."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlmodel import select

from nazorg.core.disclosure import Bounds, ReaderModel
from nazorg.core.suppression import Hidden
from nazorg.core.workdays import WorkCalendar
from nazorg.services.report import Options, Period, build
from nazorg.services.report.build import _publish, median, raw_counts
from nazorg.services.report.figures import organisation
from nazorg.services.report.render import as_json, to_csv, to_html, to_pdf
from nazorg.store.engine import transaction
from nazorg.store.models import Employee, FollowUp, Incident, IncidentEmployee, Team

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
OPTIONS = Options(k=3, kinds=("geweld", "bedreiging", "ongeval"), overdue_workdays=2)
TEAMS = {"A": 8, "B": 8, "C": 2, "D": 1}

# Hand-computed from the history below (see the comments there), before suppression.
COLUMNS = [
    "incidents",
    "incidents:geweld",
    "incidents:bedreiging",
    "incidents:ongeval",
    "employees_affected",
    "checkins_due",
    "held_on_time",
    "held_late",
    "overdue",
    "open",
    "declined",
    "cancelled",
    "referred",
    "feedback_360_due",
    "feedback_360_done",
    "development_plan_due",
    "development_plan_done",
    "ro_due",
    "ro_held",
    "ro_with_violence_point",
]
EXPECTED = {
    #                inc ge be on emp due ot la ov op de ca re f3 f3d dp dpd ro roh rov
    "A":             (4, 3, 1, 0, 5, 8, 2, 1, 2, 1, 1, 1, 1, 2, 1, 1, 0, 1, 0, 1),
    "B":             (2, 1, 0, 1, 4, 3, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 1),
    "overige teams": (1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0),
    "totaal":        (6, 4, 1, 1, 10, 12, 4, 2, 3, 1, 1, 1, 2, 2, 1, 1, 0, 3, 1, 2),
}  # fmt: skip
#: Registration days: A 0,2,0,1; B 2,3; C 0; total 0,2,0,3,0,1.
MEDIANS = {"A": 0.5, "B": 2.5, "C": 0.0, "D": None, "": 0.5}


def history(session: Any, year: int) -> None:
    """Teams A (8), B (8), C (2), D (1): C and D go into "overige teams" at k = 3. February of
    `year` is the period; dates relative to it (2026: February 1st is a Sunday)."""

    def d(month: int, day: int) -> date:
        return date(year, month, day)

    def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
        return datetime(year, month, day, hour, minute, tzinfo=UTC)

    for code in TEAMS:
        session.add(Team(code=code, name=f"Team {code}"))
    session.flush()
    for code, size in TEAMS.items():
        for n in range(1, size + 1):
            session.add(
                Employee(
                    personnel_number=f"{code}{n}",
                    name=f"Persoon {code}{n}",
                    email=f"{code.lower()}{n}@politie.example",
                    team_code=code,
                    role="medewerker",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    session.flush()
    incidents = {
        # id: (date, kind, employees, registered) -> registration days
        1: (d(2, 2), "geweld", ("A1", "A2"), at(2, 2, 10)),  # 0
        2: (d(2, 3), "geweld", ("A3", "B1"), at(2, 5)),  # 2
        3: (d(2, 10), "bedreiging", ("A4",), at(2, 10)),  # 0
        4: (d(2, 11), "ongeval", ("B2", "B3", "B4"), at(2, 14)),  # 3
        5: (d(2, 12), "geweld", ("C1",), at(2, 12)),  # 0
        6: (d(2, 20), "geweld", ("A5",), at(2, 20, 23, 30)),  # 23:30 UTC is the 21st: 1
        7: (d(1, 15), "geweld", ("A1",), at(1, 15)),  # January: not in the period
    }
    for number, (day, kind, people, registered) in incidents.items():
        session.add(
            Incident(
                id=number + year * 100,
                occurred_on=day,
                kind=kind,
                note="geheim",
                registered_by="tester",
                registered_at=registered,
            )
        )
        session.flush()
        for person in people:
            session.add(IncidentEmployee(incident_id=number + year * 100, employee_number=person))
    session.flush()
    # Check-ins, overdue after 2 working days: the escalation day is the 3rd working day after.
    checkins = [
        # (employee, incident, due, status, closed, outcome)
        ("A1", 1, d(2, 2), "held", at(2, 3), "goed"),  # escalation 5 Feb: on time
        ("A2", 1, d(2, 2), "held", at(2, 5), "verwezen"),  # closed on the 5th: late, referred
        ("A3", 2, d(2, 3), "planned", None, None),  # escalation 6 Feb: overdue
        ("A4", 3, d(2, 26), "planned", None, None),  # escalation 3 March: open
        ("A5", 6, d(2, 10), "declined", at(2, 9), None),
        ("A5", 6, d(2, 11), "cancelled", at(2, 11), None),
        ("A6", 1, d(2, 12), "skipped", None, None),  # not counted
        ("A7", 1, d(2, 16), "held", at(3, 2), "goed"),  # held after the period: overdue then
        ("A8", 1, d(2, 25), "held", at(2, 27), "goed"),  # escalation 3 March: on time
        ("B1", 2, d(2, 4), "held", at(2, 4), "goed"),  # on time
        ("B2", 4, d(2, 5), "held", at(2, 20), "aandacht"),  # late
        ("B3", 4, d(2, 18), "planned", None, None),  # escalation 23 Feb: overdue
        ("C1", 5, d(2, 13), "held", at(2, 13), "verwezen"),  # on time, referred
        ("A1", 7, d(1, 30), "held", at(1, 30), "goed"),  # January: not in the period
    ]
    cycles = [
        # (employee, kind, cycle year, due, status, closed)
        ("A1", "feedback_360", year, d(2, 10), "held", at(2, 10)),
        ("A2", "feedback_360", year, d(2, 11), "planned", None),
        ("A3", "development_plan", year, d(2, 12), "held", at(3, 5)),  # done after the period
        ("B1", "ro", year, d(2, 16), "held", at(2, 16)),  # geweld on 3 Feb: violence point
        ("B2", "ro", year, d(2, 17), "planned", None),  # an accident is no violence
        ("A4", "ro", year, d(2, 18), "cancelled", at(2, 1)),  # not counted
        ("A5", "ro", year, d(2, 19), "skipped", None),  # not counted
        ("A1", "ro", year, d(2, 20), "planned", None),  # geweld on 2 Feb, after the last R&O
        ("A1", "ro", year - 1, d(1, 20), "held", at(1, 20)),  # the last R&O (January)
    ]
    rows = [(e, year * 100 + i, due, s, c, o, None, None) for e, i, due, s, c, o in checkins]
    rows += [(e, None, due, s, c, None, k, y) for e, k, y, due, s, c in cycles]
    for n, (person, incident, due, status, closed, outcome, kind, cycle_year) in enumerate(rows):
        start = datetime.combine(due, time(10))
        session.add(
            FollowUp(
                uid=f"u{year}-{n}",
                incident_id=incident,
                employee_number=person,
                kind=kind or "checkin_1m",
                cycle_year=cycle_year,
                due_on=due,
                start_local=start,
                end_local=start,
                status=status,
                invite_on=due,
                outcome=outcome,
                outcome_note="geheim" if outcome else None,
                closed_at=closed,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    session.flush()


def raw_table(report: Any) -> dict[str, tuple[Any, ...]]:
    return {row.team: tuple(row.cells[c] for c in COLUMNS) for row in (*report.teams, report.total)}


def test_figures_match_the_hand_written_table(engine: Any) -> None:
    with transaction(engine) as session:
        history(session, 2026)
    with transaction(engine) as session:
        report = build(session, Period(date(2026, 2, 1)), OPTIONS, calendar=WorkCalendar())
        unsuppressed = _unsuppressed(session)
        counts = raw_counts(session, Period(date(2026, 2, 1)), OPTIONS, WorkCalendar())
    assert unsuppressed == EXPECTED
    medians = {t: median(counts.registration[t]) for t in TEAMS}
    assert medians | {"": median(counts.total_registration)} == MEDIANS
    # Published at k = 3: C and D are merged for their size; then the labels alone would give
    # A's and B's late check-ins away (exposure), so A and B go into "overige teams" too.
    assert [row.team for row in report.teams] == ["overige teams"]
    total = dict(zip(COLUMNS, EXPECTED["totaal"], strict=True))
    for column, value in total.items():
        cell = report.total.cells[column]
        if 0 < value < 3:
            assert cell == Hidden("primary", 3), column
        elif value == 0:
            assert cell == 0, column
    assert report.total.cells["checkins_due"] == 12 and report.total.cells["incidents"] == 6
    assert report.total.registration_days_median == 0.5


def _unsuppressed(session: Any) -> dict[str, tuple[int, ...]]:
    """The counts before suppression, merged as the report merges them."""
    from nazorg.core.suppression import add_total_row, merge_small_teams

    period = Period(date(2026, 2, 1))
    counts = raw_counts(session, period, OPTIONS, WorkCalendar())
    org = organisation(session, period.last)
    teams = {c: {col: counts.teams[c][col] for col in COLUMNS} for c in org.names}
    rows = add_total_row(merge_small_teams(teams, org.sizes, k=3), COLUMNS)
    for column in COLUMNS[:4]:
        rows["totaal"][column] = counts.total[column]
    return {team: tuple(row[c] for c in COLUMNS) for team, row in rows.items()}


def test_the_same_report_after_the_retention_purge(engine: Any, tmp_path: Any) -> None:
    """A month long past gives the same report, in every format, before and after the purge."""
    from nazorg.services.privacy.retention import purge
    from nazorg.store.models import ReportRetained

    with transaction(engine) as session:
        history(session, 2023)
    period = Period(date(2023, 2, 1))
    options = Options(k=3, kinds=OPTIONS.kinds, overdue_workdays=2)

    def outputs() -> tuple[str, str, str]:
        with transaction(engine) as session:
            report = build(session, period, options)
            return json.dumps(as_json(report)), to_csv(report), to_html(report)

    def counts() -> dict[str, tuple[int, ...]]:
        with transaction(engine) as session:
            c = raw_counts(session, period, options, WorkCalendar())
            return {t: tuple(c.teams[t][x] for x in COLUMNS) for t in sorted(c.teams)} | {
                "": tuple(c.total[x] for x in COLUMNS[:4])
            }

    before, raw_before = outputs(), counts()
    with transaction(engine) as session:
        purged = purge(
            session,
            today=date(2026, 3, 2),
            now=NOW,
            retention_months=24,
            outbox=tmp_path,
            actor="tester",
            overdue_workdays=2,
        )
    assert purged.incidents >= 3 and purged.followups >= 8  # most of the history went
    with transaction(engine) as session:
        assert session.exec(select(ReportRetained)).first() is not None
        assert session.get(Incident, 2023 * 100 + 5) is None  # purged
        assert session.get(Incident, 2023 * 100 + 4) is not None  # an open check-in
    after = counts()
    for team in raw_before:
        assert dict(zip(COLUMNS, after[team], strict=False)) == dict(
            zip(COLUMNS, raw_before[team], strict=False)
        ), team
    assert outputs() == before


@pytest.mark.parametrize("k", [3, 5])
def test_the_published_table_gives_no_hidden_figure_away(engine: Any, k: int) -> None:
    """Through the report: every hidden figure keeps another possible value for a reader who
    knows the shown figures, the labels' bounds and the table's equations."""
    with transaction(engine) as session:
        history(session, 2026)
    with transaction(engine) as session:
        options = Options(k=k, kinds=OPTIONS.kinds, overdue_workdays=2)
        period = Period(date(2026, 2, 1))
        report = build(session, period, options)
        counts = raw_counts(session, period, options, WorkCalendar())
        org = organisation(session, period.last)
    columns = counts.columns()
    per_team = {c: {x: counts.teams[c][x] for x in columns} for c in org.names}
    merged, published = _publish(per_team, org.sizes, counts, columns, k)
    assert [row.team for row in report.teams] == list(merged)
    for row in (*report.teams, report.total):
        assert dict(row.cells) == {c: published.cell(row.team, c) for c in columns}
    _assert_safe(published)


def _assert_safe(published: Any) -> None:
    """No hidden figure is pinned, unless it is exposed with only one team row left."""
    table, k = published.table, published.k
    bounds = {
        cell: Bounds(1, k - 1) if reason.kind == "primary" else Bounds(k, None)
        for cell, reason in published.hidden.items()
    }
    values = {cell: table.value(cell) for cell in table.cells()}
    model = ReaderModel(table.equations())
    for cell in bounds:
        if model.pinned(cell, values, bounds):
            assert cell in published.exposed and len(table.teams) == 1, f"{cell} is given away"


@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 3)), min_size=3, max_size=12))
def test_property_random_histories_through_the_report(tmp_path_factory: Any, draws: Any) -> None:
    """Random check-in histories: the report's suppressed partition never pins a hidden figure."""
    from nazorg.store.engine import make_engine
    from nazorg.store.migrate import upgrade

    path = tmp_path_factory.mktemp("prop") / "p.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    statuses = [("held", 2), ("held", 20), ("declined", 2), ("cancelled", 2)]
    try:
        with transaction(eng) as session:
            for code in ("A", "B", "C"):
                session.add(Team(code=code, name=code))
            session.flush()
            for code in ("A", "B", "C"):
                for n in range(6):
                    session.add(
                        Employee(
                            personnel_number=f"{code}{n}",
                            name="x",
                            email=f"{code}{n}@x.example",
                            team_code=code,
                            role="medewerker",
                            created_at=NOW,
                            updated_at=NOW,
                        )
                    )
            session.add(
                Incident(
                    id=1,
                    occurred_on=date(2026, 1, 5),
                    kind="geweld",
                    registered_by="t",
                    registered_at=NOW,
                )
            )
            session.flush()
            for n, (who, what) in enumerate(draws):
                status, day = statuses[what]
                due = date(2026, 2, 2)
                session.add(
                    FollowUp(
                        uid=f"p{n}",
                        incident_id=1,
                        employee_number=f"{'ABC'[who % 3]}{who % 6}",
                        kind="checkin_1m",
                        due_on=due,
                        start_local=datetime.combine(due, time(10)),
                        end_local=datetime.combine(due, time(10)),
                        status=status,
                        invite_on=due,
                        closed_at=datetime(2026, 2, day, 9, tzinfo=UTC),
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
        with transaction(eng) as session:
            options = Options(k=5, kinds=("geweld",))
            period = Period(date(2026, 2, 1))
            report = build(session, period, options)
            counts = raw_counts(session, period, options, WorkCalendar())
            org = organisation(session, period.last)
    finally:
        eng.dispose()
    columns = counts.columns()
    per_team = {c: {x: counts.teams[c][x] for x in columns} for c in org.names}
    merged, published = _publish(per_team, org.sizes, counts, columns, 5)
    assert [row.team for row in report.teams] == list(merged)
    _assert_safe(published)


def test_no_person_and_no_note_in_any_format(engine: Any) -> None:
    with transaction(engine) as session:
        history(session, 2026)
    with transaction(engine) as session:
        report = build(session, Period(date(2026, 2, 1)), OPTIONS)
    texts = [json.dumps(as_json(report)), to_csv(report), to_html(report)]
    for text in texts:
        for forbidden in ("Persoon", "geheim", "A1", "politie.example", "2026-02-02", "2026-02-03"):
            assert forbidden not in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_the_pdf_opens_and_is_deterministic(engine: Any, tmp_path: Any) -> None:
    with transaction(engine) as session:
        history(session, 2026)
    with transaction(engine) as session:
        report = build(session, Period(date(2026, 2, 1)), OPTIONS)
    pdf = to_pdf(report)
    assert pdf.startswith(b"%PDF-") and pdf == to_pdf(report)
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Nazorg na incidenten: februari 2026" in text
    assert "Overige teams" in text and "Totaal" in text and "Persoon" not in text
    assert "<3" in text


def test_the_trend_read_beside_gives_the_same_report_on_another_thread(
    engine: Any, monkeypatch: Any
) -> None:
    """`beside=True` reads the trend's months and the R&O's violence point on connections of
    their own while the period is counted: the same report as reading them in the session, and
    not on the caller's thread (a file database and PostgreSQL share their data between
    connections)."""
    import threading

    from nazorg.services.report import figures

    with transaction(engine) as session:
        history(session, 2026)
    seen: dict[str, int] = {}

    def watched(name: str) -> Any:
        real = getattr(figures, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            seen[name] = threading.get_ident()
            return real(*args, **kwargs)

        return call

    period = Period(date(2026, 2, 1))
    with transaction(engine) as session:
        alone = build(session, period, OPTIONS, calendar=WorkCalendar())
    monkeypatch.setattr(figures, "trend", watched("trend"))
    monkeypatch.setattr(figures, "violence_points", watched("violence_points"))
    with transaction(engine) as session:
        beside = build(session, period, OPTIONS, calendar=WorkCalendar(), beside=True)
    assert beside == alone and len(beside.trend) == 12
    assert set(seen) == {"trend", "violence_points"}
    assert threading.get_ident() not in seen.values()
    assert (
        beside.total.cells["ro_with_violence_point"] == alone.total.cells["ro_with_violence_point"]
    )
