"""The planning rules of issue 2, each tested so that dropping it fails a test."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nazorg.core.planning import PLANNED, SKIPPED, Plan, invite_date, overdue_cutoff, plan_checkins
from nazorg.core.workdays import WorkCalendar, add_months

CAL = WorkCalendar()
PLAN = Plan()


def planned(incident: date, registered: date | None = None) -> dict[str, tuple[date, str, bool]]:
    result = plan_checkins(incident, registered or incident, PLAN, CAL)
    return {c.kind: (c.due, c.status, c.late_registration) for c in result}


# --- calendar months -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2026, 1, 31), 3, date(2026, 4, 30)),  # counted from the incident, not chained
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day, next year
        (date(2024, 2, 29), 1, date(2024, 3, 29)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # year boundary
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
    ],
)
def test_a_month_is_a_calendar_month_clamped_to_the_last_day(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_31_january_plus_one_month_is_the_end_of_february_moved_off_the_weekend() -> None:
    # 2026-02-28 is a Saturday: the conversation moves to Monday 2 March.
    assert planned(date(2026, 1, 31))["checkin_1m"][0] == date(2026, 3, 2)
    # 2024-02-29 is a Thursday (leap year): it stays.
    assert planned(date(2024, 1, 31))["checkin_1m"][0] == date(2024, 2, 29)


# --- working days ------------------------------------------------------------------------------


def test_a_due_date_on_a_sunday_moves_to_monday() -> None:
    # 2026-02-17 + 3 months = Sunday 17 May -> Monday 18 May.
    plan = planned(date(2026, 2, 17))
    assert plan["checkin_3m"][0] == date(2026, 5, 18)


def test_a_due_date_on_kings_day_moves_to_the_next_working_day() -> None:
    # Koningsdag: Monday 27 April 2026.
    assert CAL.holiday_name(date(2026, 4, 27))
    assert planned(date(2026, 3, 27))["checkin_1m"][0] == date(2026, 4, 28)


@pytest.mark.parametrize(
    ("holiday", "next_workday"),
    [
        (date(2026, 12, 25), date(2026, 12, 28)),  # Christmas (Fri) + Boxing Day (Sat)
        (date(2026, 4, 6), date(2026, 4, 7)),  # Easter Monday
        (date(2026, 5, 14), date(2026, 5, 15)),  # Ascension Day
        (date(2026, 5, 25), date(2026, 5, 26)),  # Whit Monday
        (date(2027, 1, 1), date(2027, 1, 4)),  # New Year (Fri) -> Monday
    ],
)
def test_dutch_public_holidays_are_not_working_days(holiday: date, next_workday: date) -> None:
    assert not CAL.is_workday(holiday)
    assert CAL.on_or_after(holiday) == next_workday


def test_extra_closed_days_are_skipped_too() -> None:
    cal = WorkCalendar(extra_closed=frozenset({date(2026, 3, 2)}))
    assert cal.on_or_after(date(2026, 2, 28)) == date(2026, 3, 3)


def test_add_workdays_skips_weekends_and_holidays() -> None:
    assert CAL.add_workdays(date(2026, 4, 24), 1) == date(2026, 4, 28)  # Fri -> (Koningsdag) Tue
    assert CAL.add_workdays(date(2026, 3, 6), 2) == date(2026, 3, 10)
    assert CAL.workdays_between(date(2026, 3, 6), date(2026, 3, 10)) == 2


# --- late registration ----------------------------------------------------------------------


def test_a_timely_registration_plans_one_three_and_six_months() -> None:
    assert planned(date(2026, 3, 2)) == {
        "checkin_1m": (date(2026, 4, 2), PLANNED, False),
        "checkin_3m": (date(2026, 6, 2), PLANNED, False),
        "checkin_6m": (date(2026, 9, 2), PLANNED, False),
    }


def test_a_late_registration_moves_the_missed_checkin_to_the_second_working_day() -> None:
    # Incident 2 Feb, registered Thursday 5 March: 1 month (2 March) is already past.
    # Second working day after Thu 5 March is Mon 9 March; the later check-ins keep their dates.
    assert planned(date(2026, 2, 2), date(2026, 3, 5)) == {
        "checkin_1m": (date(2026, 3, 9), PLANNED, True),
        "checkin_3m": (date(2026, 5, 4), PLANNED, False),
        "checkin_6m": (date(2026, 8, 3), PLANNED, False),
    }


def test_a_checkin_tomorrow_is_too_soon_and_moves_to_the_second_working_day() -> None:
    # 1 month falls on Tue 3 March; registered Mon 2 March: earliest is Wed 4 March.
    assert planned(date(2026, 2, 3), date(2026, 3, 2))["checkin_1m"] == (
        date(2026, 3, 4),
        PLANNED,
        True,
    )
    # On the second working day itself it is not moved.
    assert planned(date(2026, 2, 4), date(2026, 3, 2))["checkin_1m"] == (
        date(2026, 3, 4),
        PLANNED,
        False,
    )


def test_several_missed_checkins_become_one_catch_up_conversation() -> None:
    # Incident 2025-11-27 registered 2026-02-26: 1 and 3 months both missed.
    assert planned(date(2025, 11, 27), date(2026, 2, 26)) == {
        "checkin_1m": (date(2025, 12, 29), SKIPPED, True),
        "checkin_3m": (date(2026, 3, 2), PLANNED, True),
        "checkin_6m": (date(2026, 5, 27), PLANNED, False),
    }


def test_the_invite_goes_out_the_lead_time_before_the_conversation() -> None:
    assert invite_date(date(2026, 3, 16), PLAN) == date(2026, 3, 2)


# --- time of day ------------------------------------------------------------------------------


def test_a_ten_oclock_conversation_stays_at_ten_across_the_dst_change() -> None:
    before = plan_checkins(date(2026, 2, 27), date(2026, 2, 27), PLAN, CAL)[0]  # Fri 27 March
    after = plan_checkins(date(2026, 2, 28), date(2026, 2, 28), PLAN, CAL)[0]  # Mon 30 March
    assert (before.due, after.due) == (date(2026, 3, 27), date(2026, 3, 30))
    assert before.start.time() == after.start.time() == time(10, 0)
    assert before.start.utcoffset() == timedelta(hours=1)
    assert after.start.utcoffset() == timedelta(hours=2)
    assert before.end - before.start == after.end - after.start == timedelta(minutes=45)


# --- properties -----------------------------------------------------------------------------

incident_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))


@settings(max_examples=300, deadline=None)
@given(incident=incident_dates, delay=st.integers(min_value=0, max_value=400))
def test_planning_properties(incident: date, delay: int) -> None:
    registered = incident + timedelta(days=delay)
    result = plan_checkins(incident, registered, PLAN, CAL)
    earliest = CAL.add_workdays(registered, 2)
    assert [c.kind for c in result] == ["checkin_1m", "checkin_3m", "checkin_6m"]
    active = [c for c in result if c.status == PLANNED]
    assert active, "at least the last check-in is always held"
    days = [c.due for c in active]
    assert days == sorted(set(days)), "no two conversations on one day, in order"
    assert sum(c.late_registration for c in active) <= 1
    for months, c in zip((1, 3, 6), result, strict=True):
        assert c.start.time() == time(10, 0)
        assert c.end - c.start == timedelta(minutes=45)
        nominal = add_months(incident, months)
        if c.status == PLANNED:
            assert CAL.is_workday(c.due)
            assert c.due >= earliest
            if not c.late_registration:
                assert c.due == CAL.on_or_after(nominal)
            else:
                assert c.due == earliest
        else:
            assert c.late_registration and CAL.on_or_after(nominal) < earliest


@settings(max_examples=200, deadline=None)
@given(incident=incident_dates)
def test_a_timely_registration_follows_the_nominal_rule_exactly(incident: date) -> None:
    registered = incident
    result = plan_checkins(incident, registered, PLAN, CAL)
    earliest = CAL.add_workdays(registered, 2)
    for months, c in zip((1, 3, 6), result, strict=True):
        expected = CAL.on_or_after(add_months(incident, months))
        assert expected >= earliest  # a month is always more than two working days
        assert (c.due, c.status, c.late_registration) == (expected, PLANNED, False)


@given(
    today=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    due=st.dates(min_value=date(2023, 6, 1), max_value=date(2030, 12, 31)),
    limit=st.integers(min_value=0, max_value=30),
)
def test_overdue_cutoff_agrees_with_counting_working_days(
    today: date, due: date, limit: int
) -> None:
    """`due < overdue_cutoff(...)` says the same as counting the working days one by one."""
    calendar = WorkCalendar()
    by_counting = calendar.workdays_between(due, today) > limit
    assert (due < overdue_cutoff(today, limit, calendar)) == by_counting
