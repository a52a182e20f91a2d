"""The monthly report's investigations, buddy contacts and recovery plans (issue 15): counts on a
hand-built history against a hand-written table, the suppression of small counts, every format."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

from nazorg.core.suppression import Hidden
from nazorg.core.workdays import WorkCalendar
from nazorg.services.cases.figures import case_figures
from nazorg.services.report import Options, Period, build
from nazorg.services.report.render import as_json, to_csv, to_html
from nazorg.store.engine import transaction
from nazorg.store.models import Employee, FollowUp, PlanMeasure, RecoveryPlan, ReportCase, Team

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
TEAMS = {"A": 10, "B": 10, "C": 2, "D": 2}  # at k = 3, C and D are "overige teams"
OPTIONS = Options(k=3, kinds=("geweld",), overdue_workdays=2)
PERIOD = Period(date(2026, 2, 1))

# Hand-computed from `history` (see its comments), per team before merging and suppression.
EXPECTED_RAW = {
    #    open due on-time started completed
    "A": (3, 4, 3, 3, 4),
    "B": (4, 5, 3, 0, 0),
    "C": (1, 0, 0, 1, 0),
    "D": (0, 0, 0, 0, 0),
}  # fmt: skip
FIELDS = (
    "open_investigations",
    "buddy_contacts_due",
    "buddy_contacts_held_on_time",
    "plans_started",
    "plans_completed",
)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=UTC)


def history(session: Any) -> None:
    for code, size in TEAMS.items():
        session.add(Team(code=code, name=f"Team {code}"))
        session.flush()
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
    reports = [
        # (reporter, investigation from, closed on)
        ("A1", d(1, 20), None),  # running since January: counts
        ("A2", d(2, 3), None),
        ("A3", d(2, 27), d(3, 1)),  # closed after the period: counts
        ("A4", d(1, 5), d(1, 30)),  # closed before the period: not counted
        ("A5", None, None),  # no investigation: not counted
        ("B1", d(2, 10), None),
        ("B2", d(2, 10), None),
        ("B3", d(2, 10), None),
        ("B4", d(2, 10), None),
        ("B5", d(3, 2), None),  # starts after the period: not counted
        ("C1", d(1, 10), d(2, 1)),  # closed on the period's first day: counts
    ]
    for n, (reporter, since, closed) in enumerate(reports, start=1):
        session.add(
            ReportCase(
                id=n,
                reporter_number=reporter,
                reported_on=d(1, 2),
                category="uitsluiting",
                note="geheim",
                registered_by="tester",
                registered_at=NOW,
                status="closed" if closed else ("investigating" if since else "open"),
                investigation_from=since,
                closed_on=closed,
                updated_at=NOW,
            )
        )
    session.flush()
    # Buddy contacts, overdue after 2 working days.
    contacts = [
        # (person, due, status, closed)
        ("A1", d(2, 2), "held", at(2, 2)),  # on time
        ("A2", d(2, 3), "held", at(2, 5)),  # 2 working days later: on time
        ("A3", d(2, 4), "held", at(2, 4)),  # on time
        ("A4", d(2, 16), "held", at(2, 19)),  # 3 working days later: late
        ("A5", d(2, 17), "cancelled", at(2, 1)),  # called off: not counted
        ("A6", d(1, 30), "held", at(1, 30)),  # January: not counted
        ("B1", d(2, 9), "held", at(2, 9)),
        ("B2", d(2, 9), "held", at(2, 10)),
        ("B3", d(2, 9), "held", at(2, 11)),
        ("B4", d(2, 20), "planned", None),  # still open: due, not held on time
        ("B5", d(2, 25), "planned", None),
    ]
    for n, (person, due, status, closed) in enumerate(contacts):
        start = datetime.combine(due, time(10))
        session.add(
            FollowUp(
                uid=f"buddy-{n}",
                employee_number=person,
                kind="buddy_contact",
                due_on=due,
                start_local=start,
                end_local=start,
                status=status,
                invite_on=due,
                closed_at=closed,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    plans: list[tuple[str, date, list[tuple[str, date | None]]]] = [
        # (person, started, measures: (status, on))
        ("A1", d(2, 2), [("done", d(2, 10)), ("dropped", d(2, 11))]),  # started, completed
        ("A2", d(2, 3), [("done", d(2, 12))]),  # started, completed
        ("A3", d(2, 4), [("done", d(2, 13)), ("done", d(2, 28))]),  # started, completed
        ("A4", d(1, 5), [("done", d(2, 20))]),  # completed only
        ("A5", d(1, 6), [("done", d(1, 20)), ("open", None)]),  # neither
        ("A6", d(1, 7), [("dropped", d(2, 5))]),  # nothing done: not completed
        ("A7", d(1, 8), [("done", d(3, 1))]),  # completed after the period
        ("C1", d(2, 20), [("open", None)]),  # started
    ]
    for n, (person, started, measures) in enumerate(plans, start=1):
        session.add(
            RecoveryPlan(
                id=n,
                person_number=person,
                started_on=started,
                created_by="tester",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.flush()
        for status, on in measures:
            session.add(
                PlanMeasure(
                    plan_id=n,
                    description="geheim",
                    owner_number="A10",
                    target_on=d(3, 31),
                    status=status,
                    status_on=on,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    session.flush()


def test_case_figures_match_the_hand_written_table(engine: Any) -> None:
    with transaction(engine) as session:
        history(session)
    with transaction(engine) as session:
        raw = case_figures(session, PERIOD.first, PERIOD.last, overdue_workdays=2)
    assert {t: tuple(row[f] for f in FIELDS) for t, row in raw.items()} == EXPECTED_RAW


def test_the_report_publishes_them_suppressed(engine: Any) -> None:
    """At k = 3, C and D are "overige teams". open_investigations: A 3, B 4, overige 1, total 8:
    the 1 reads <3; hiding A's 3 would pin it (a reader knows x >= 3, so A = 3 and overige = 1),
    so B's 4 is hidden instead (B + overige = 5 leaves 4+1 and 3+2). The buddy contacts add up
    in each row (due = on time + not on time) and down each column."""
    with transaction(engine) as session:
        history(session)
    with transaction(engine) as session:
        report = build(session, PERIOD, OPTIONS, calendar=WorkCalendar())
    rows = {row.team: row.cells for row in report.cases}
    assert list(rows) == ["A", "B", "overige teams", "totaal"]
    x, small = Hidden("secondary", 3), Hidden("primary", 3)
    assert [rows[t]["open_investigations"] for t in rows] == [3, x, small, 8]
    # Not on time: A 1 (late), B 2 (open): both small, so each row's partition and the
    # column hide more; whatever is hidden, no shown figure gives a hidden one away.
    assert rows["A"]["buddy_contacts_not_on_time"] == small
    assert rows["B"]["buddy_contacts_not_on_time"] == small
    assert rows["overige teams"]["buddy_contacts_due"] == 0
    assert rows["totaal"]["plans_completed"] == 4 and rows["A"]["plans_completed"] == 4
    assert rows["overige teams"]["plans_started"] == small
    _assert_not_pinned(report)
    data = as_json(report)
    assert data["cases"]["total"]["open_investigations"] == 8
    assert data["cases"]["teams"][2]["open_investigations"] == "<3"
    assert data["cases"]["teams"][1]["open_investigations"] == "x"
    csv_text = to_csv(report)
    assert "open_investigations" in csv_text.splitlines()[0]
    html = to_html(report)
    assert "Lopende onderzoeken" in html and "Herstelplannen afgerond" in html
    for text in (json.dumps(data), csv_text, html):
        assert "Persoon" not in text and "geheim" not in text and "uitsluiting" not in text
        assert "2026-02-1" not in text and "A1" not in text


def test_one_team_gets_its_row_and_the_total(engine: Any) -> None:
    with transaction(engine) as session:
        history(session)
    with transaction(engine) as session:
        report = build(session, PERIOD, OPTIONS, team="A")
    assert [row.team for row in report.cases] == ["A", "totaal"]
    assert report.cases[0].cells["open_investigations"] == 3


def _assert_not_pinned(report: Any) -> None:
    """Rebuild the table from the raw counts: no hidden figure has only one possible value."""
    from nazorg.core.disclosure import Bounds, ReaderModel
    from nazorg.core.suppression import Table
    from nazorg.services.report.cases import BUDDY, COLUMNS

    raw = {t: dict(zip(FIELDS, v, strict=True)) for t, v in EXPECTED_RAW.items()}
    merged = {"A": raw["A"], "B": raw["B"], "overige teams": raw["C"]}  # D has only zeros
    rows: dict[str, dict[str, int]] = {}
    for team, row in merged.items():
        late = row["buddy_contacts_due"] - row["buddy_contacts_held_on_time"]
        rows[team] = {**row, "buddy_contacts_not_on_time": late}
    rows["totaal"] = {c: sum(r[c] for r in rows.values()) for c in COLUMNS}
    table = Table(rows, COLUMNS, partitions=(BUDDY,))
    bounds = {}
    for row in report.cases:
        for column, cell in row.cells.items():
            if isinstance(cell, Hidden):
                low, high = (1, 2) if cell.kind == "primary" else (3, None)
                bounds[(row.team, column)] = Bounds(low, high)
            else:
                assert cell == rows[row.team][column]
    values = {cell: table.value(cell) for cell in table.cells()}
    model = ReaderModel(table.equations())
    for cell in bounds:
        assert not model.pinned(cell, values, bounds), f"{cell} is given away"


def test_the_english_report_reads_english(engine: Any) -> None:
    with transaction(engine) as session:
        history(session)
    with transaction(engine) as session:
        report = build(session, PERIOD, OPTIONS)
    html = to_html(report, language="en")
    assert '<html lang="en">' in html and "Aftercare following incidents" in html
    assert "Open investigations" in html and "Held on time" in html
    assert "Lopende onderzoeken" not in html and "Leiderschapscycli" not in html


def test_the_pdf_rows_are_lines_and_the_html_keeps_its_cells(engine: Any) -> None:
    """The PDF's rows are one monospaced line each (columns of fixed width, a long team name
    wrapped onto a line of its own), the teams in one text with a blank line after every fifth,
    the total alone; the HTML file keeps a cell per figure."""
    from nazorg.services.report.render import FIGURE_WIDTH, NAME_WIDTH, _line, print_lines

    line = _line(
        "Basisteam Amsterdam-Centrum Burgwallen en Wallen-Oost", [12, Hidden("primary", 5)]
    )
    first, second = line.split("\n")
    assert first == "Basisteam Amsterdam-Centrum Burgwallen".ljust(NAME_WIDTH) + (
        "12".rjust(FIGURE_WIDTH - 1) + " " + "<5".rjust(FIGURE_WIDTH - 1) + " "
    )
    assert second == "en Wallen-Oost"
    with transaction(engine) as session:
        history(session)
    with transaction(engine) as session:
        report = build(session, PERIOD, OPTIONS)
    lines = print_lines(report)
    assert [total for total, _ in lines["cases"]] == [False, True]  # three teams, then the total
    team_b = lines["cases"][0][1].split("\n")[1]
    assert team_b.startswith("Team B".ljust(NAME_WIDTH)) and len(team_b.split()) == 2 + 6
    assert team_b[NAME_WIDTH : NAME_WIDTH + FIGURE_WIDTH] == "x".rjust(FIGURE_WIDTH - 1) + " "
    assert lines["cases_columns"] == 7
    assert 'class="line"' not in to_html(report) and 'class="line"' in to_html(report, compact=True)


def test_the_pdf_groups_team_rows_by_five_and_prints_every_team_once() -> None:
    """Twelve teams: one text of 5 + 5 + 2 lines with a blank line between the groups, in the
    teams' order, and the total on its own; the PDF (read back with pdftotext) has every team."""
    import shutil
    import subprocess

    import pytest
    from bench.report_pdf import synthetic

    from nazorg.services.report.render import print_lines, to_pdf

    report = synthetic(12)
    lines = print_lines(report)
    ((first_total, teams), (last_total, total)) = lines["incidents"]
    assert (first_total, last_total) == (False, True)
    names = [row.name for row in report.teams]
    blocks = teams.split("\n\n")
    assert [len(block.split("\n")) for block in blocks] == [5, 5, 2]
    assert [line.split("  ")[0] for line in teams.split("\n") if line] == names
    assert total.startswith(report.total.name)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: `make servers`")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=to_pdf(report), capture_output=True, check=True
    ).stdout.decode()
    for name in names:
        assert text.count(name) == 4, name  # four tables
