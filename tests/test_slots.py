"""The slot finder (nazorg.core.slots): conversations of one holder never overlap.

Hand-written expectations for small cases (2 and 5 conversations, a Friday before King's Day,
the daylight-saving weekends of 2026), then a hypothesis property over random holders and
requests, checked with an overlap test written here rather than with the module's own
`collision`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nazorg.core.slots import (
    Slot,
    SlotError,
    SlotRequest,
    WorkingHours,
    collision,
    find_slot,
    outside_working_time,
    place_all,
    start_times,
)
from nazorg.core.workdays import WorkCalendar

AMS = ZoneInfo("Europe/Amsterdam")
CAL = WorkCalendar()
MIN45 = timedelta(minutes=45)
MIN60 = timedelta(minutes=60)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMS)


def wall(slot: Slot) -> tuple[str, str, str]:
    """A slot as (date, start, end) on the Amsterdam wall clock, for readable expectations."""
    start, end = slot.start.astimezone(AMS), slot.end.astimezone(AMS)
    return (start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}")


def apart(a: Slot, b: Slot, gap: timedelta) -> bool:
    """At least `gap` between the two intervals, compared as UTC instants."""
    a0, a1 = a.start.astimezone(UTC), a.end.astimezone(UTC)
    b0, b1 = b.start.astimezone(UTC), b.end.astimezone(UTC)
    return a1 + gap <= b0 or b1 + gap <= a0


# --- small cases, expected times written out -------------------------------------------------


def test_two_conversations_fill_the_day_and_spill_to_the_next_working_day() -> None:
    wed = date(2026, 3, 4)
    taken = [Slot(at(wed, 10), at(wed, 10, 45), "R&O E7"), Slot(at(wed, 11), at(wed, 16), "MT")]
    requests = [SlotRequest(wed, MIN45, "E1"), SlotRequest(wed, MIN45, "E2")]
    placed = place_all(requests, taken, calendar=CAL)
    # 10:00 is taken, every later time collides with the MT; 09:00-09:45 leaves exactly the
    # 15-minute gap before the R&O; the second conversation goes to Thursday at 10:00.
    assert [wall(s) for s in placed] == [
        ("2026-03-04", "09:00", "09:45"),
        ("2026-03-05", "10:00", "10:45"),
    ]
    assert [s.label for s in placed] == ["E1", "E2"]


def test_five_conversations_on_a_friday_before_kings_day() -> None:
    fri = date(2026, 4, 24)  # Monday 27 April 2026 is King's Day
    assert CAL.holiday_name(date(2026, 4, 27))
    taken = [Slot(at(fri, 13), at(fri, 16), "agenda")]
    requests = [SlotRequest(fri, MIN60, f"E{i}") for i in range(1, 6)]
    placed = place_all(requests, taken, calendar=CAL)
    assert [wall(s) for s in placed] == [
        ("2026-04-24", "10:00", "11:00"),
        ("2026-04-24", "11:15", "12:15"),  # ends 12:15, 15 minutes later the 13:00 agenda item
        ("2026-04-28", "10:00", "11:00"),  # 12:30-13:30 would touch the agenda item; 09:00 too
        ("2026-04-28", "11:15", "12:15"),
        ("2026-04-28", "12:30", "13:30"),
    ]


def test_twenty_conversations_of_one_leader_spill_over_three_days() -> None:
    mon = date(2026, 3, 2)
    requests = [SlotRequest(mon, MIN45, f"E{i}") for i in range(20)]
    placed = place_all(requests, [], calendar=CAL)
    # Seven a day: 10, 11, 12, 13, 14, 15 (ends 15:45) and then the earlier 09:00.
    day_one = [wall(s)[1] for s in placed[:7]]
    assert day_one == ["10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "09:00"]
    days = [wall(s)[0] for s in placed]
    assert days == ["2026-03-02"] * 7 + ["2026-03-03"] * 7 + ["2026-03-04"] * 6
    for i, a in enumerate(placed):
        assert outside_working_time(a, WorkingHours(), CAL) is None
        for b in placed[i + 1 :]:
            assert apart(a, b, timedelta(minutes=15))


def test_a_full_friday_before_a_holiday_moves_to_tuesday() -> None:
    fri = date(2026, 4, 24)
    slot = find_slot(fri, MIN45, [Slot(at(fri, 9), at(fri, 16), "cursus")], calendar=CAL)
    assert wall(slot) == ("2026-04-28", "10:00", "10:45")


def test_a_planned_day_off_starts_the_search_at_the_next_working_day() -> None:
    slot = find_slot(date(2026, 3, 7), MIN45, [], calendar=CAL)  # a Saturday
    assert wall(slot) == ("2026-03-09", "10:00", "10:45")


@pytest.mark.parametrize(
    ("friday", "monday", "before", "after"),
    [
        (date(2026, 3, 27), date(2026, 3, 30), timedelta(hours=1), timedelta(hours=2)),
        (date(2026, 10, 23), date(2026, 10, 26), timedelta(hours=2), timedelta(hours=1)),
    ],
)
def test_daylight_saving_weekends_keep_the_wall_clock(
    friday: date, monday: date, before: timedelta, after: timedelta
) -> None:
    full = [Slot(at(friday, 9), at(friday, 16), "cursus")]
    slots = place_all(
        [SlotRequest(friday, MIN45, "E1"), SlotRequest(friday, MIN45, "E2")],
        [Slot(at(friday, 10), at(friday, 10, 45), "vooraf")],
        calendar=CAL,
    )
    assert [wall(s) for s in slots] == [
        (friday.isoformat(), "11:00", "11:45"),
        (friday.isoformat(), "12:00", "12:45"),
    ]
    spilled = find_slot(friday, MIN45, full, calendar=CAL)
    assert wall(spilled) == (monday.isoformat(), "10:00", "10:45")
    assert spilled.start.utcoffset() == after
    assert slots[0].start.utcoffset() == before
    assert spilled.end - spilled.start == MIN45


@pytest.mark.parametrize(
    ("gap", "expected"),
    [(0, ("10:45", "11:30")), (15, ("11:00", "11:45")), (30, ("11:15", "12:00"))],
)
def test_the_gap_is_respected(gap: int, expected: tuple[str, str]) -> None:
    day = date(2026, 3, 4)
    taken = [Slot(at(day, 10), at(day, 10, 45), "360 OE")]
    slot = find_slot(day, MIN45, taken, calendar=CAL, gap=timedelta(minutes=gap))
    assert wall(slot)[1:] == expected


def test_order_preferred_then_later_then_earlier() -> None:
    hours = WorkingHours()
    times = start_times(MIN45, time(14, 0), hours)
    assert times[:6] == [time(14), time(14, 15), time(14, 30), time(14, 45), time(15), time(15, 15)]
    assert times[6:8] == [time(9), time(9, 15)]
    assert times[-1] == time(13, 45)
    assert start_times(MIN45, time(7, 0), hours)[0] == time(9)  # before the hours: their start
    assert start_times(MIN45, None, hours)[0] == time(9)
    assert start_times(MIN45, time(15, 30), hours)[0] == time(9)  # 15:30 would end after 16:00


def test_a_longer_gap_before_a_busy_morning_moves_to_the_next_day() -> None:
    day = date(2026, 3, 4)
    taken = [Slot(at(day, 10), at(day, 16), "training")]
    assert wall(find_slot(day, MIN45, taken, calendar=CAL))[:2] == ("2026-03-04", "09:00")
    later = find_slot(day, MIN45, taken, calendar=CAL, gap=timedelta(minutes=30))
    assert wall(later)[:2] == ("2026-03-05", "10:00")


def test_a_conversation_longer_than_the_working_day_is_refused() -> None:
    with pytest.raises(SlotError, match=r"480 minuten past niet binnen de werktijd 09:00-16:00"):
        find_slot(date(2026, 3, 4), timedelta(hours=8), [], calendar=CAL, label="R&O E1")
    with pytest.raises(SlotError, match="positieve duur"):
        find_slot(date(2026, 3, 4), timedelta(0), [], calendar=CAL)
    exact = find_slot(date(2026, 3, 4), timedelta(hours=7), [], calendar=CAL)
    assert wall(exact) == ("2026-03-04", "09:00", "16:00")


def test_no_free_time_within_the_horizon_is_a_clear_error() -> None:
    start = date(2026, 3, 2)
    busy = [Slot(at(start, 0), at(start + timedelta(days=30), 0), "verlof")]
    with pytest.raises(SlotError, match="geen vrij moment voor E1 binnen 10 werkdagen"):
        find_slot(start, MIN45, busy, calendar=CAL, label="E1", max_workdays=10)


def test_collision_names_the_conversation_a_reschedule_would_hit() -> None:
    day = date(2026, 3, 4)
    taken = [
        Slot(at(day, 13), at(day, 13, 45), "checkin_3m E4"),
        Slot(at(day, 10), at(day, 10, 45), "R&O E7"),
        Slot(at(day, 9), at(day, 9, 30).astimezone(UTC), "agenda"),  # any zone: instants count
    ]
    wanted = Slot(at(day, 10, 30), at(day, 11, 15))
    hit = collision(wanted, taken)
    assert hit is not None and hit.label == "R&O E7"
    touching = Slot(at(day, 10, 45), at(day, 11, 30))
    assert collision(touching, taken) is not None  # inside the 15-minute gap
    assert collision(touching, taken, gap=timedelta(0)) is None
    assert collision(Slot(at(day, 11), at(day, 11, 45)), taken) is None
    overlapping_two = Slot(at(day, 9), at(day, 14))
    hit = collision(overlapping_two, taken)
    assert hit is not None and hit.label == "agenda"  # the earliest one


def test_working_time_reasons() -> None:
    hours = WorkingHours()
    sunday = date(2026, 3, 29)
    why = outside_working_time(Slot(at(sunday, 10), at(sunday, 10, 45)), hours, CAL)
    assert why == "zondag 2026-03-29 is geen werkdag: weekend"
    kings = date(2026, 4, 27)
    why = outside_working_time(Slot(at(kings, 10), at(kings, 10, 45)), hours, CAL)
    assert why is not None and why.startswith("maandag 2026-04-27 is geen werkdag: feestdag")
    day = date(2026, 3, 4)
    why = outside_working_time(Slot(at(day, 15, 30), at(day, 16, 15)), hours, CAL)
    assert why == "woensdag 2026-03-04 15:30-16:15 valt buiten de werktijd 09:00-16:00"


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="zonder tijdzone"):
        Slot(datetime(2026, 3, 4, 10, 0), datetime(2026, 3, 4, 11, 0))
    with pytest.raises(ValueError, match="eindigt voor"):
        Slot(at(date(2026, 3, 4), 11), at(date(2026, 3, 4), 10))
    with pytest.raises(ValueError, match="einde ligt niet na het begin"):
        WorkingHours(time(16), time(9))


# --- property: no holder ever has two overlapping conversations --------------------------------

BASE = date(2026, 3, 23)  # the window covers the DST change of 29 March and Easter 2026
HOURS = [
    WorkingHours(),
    WorkingHours(time(8, 30), time(17, 0)),
    WorkingHours(time(9, 0), time(12, 0)),
]


PREFERRED_TIMES = st.times(time(6), time(18)).map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def busy_slot(draw: st.DrawFn, label: str) -> Slot:
    day = BASE + timedelta(days=draw(st.integers(0, 24)))
    zone = draw(st.sampled_from([AMS, UTC, ZoneInfo("America/New_York")]))
    start = datetime.combine(day, time(draw(st.integers(5, 20)), draw(st.integers(0, 59))), zone)
    length = timedelta(minutes=draw(st.integers(0, 8 * 60)))
    return Slot(start, (start.astimezone(UTC) + length).astimezone(zone), label)


@st.composite
def holder(draw: st.DrawFn, hours: WorkingHours) -> tuple[list[Slot], list[SlotRequest]]:
    name = draw(st.sampled_from(["OE1", "OE2", "TC"]))
    busy = draw(st.lists(busy_slot(f"{name}-agenda"), max_size=6))
    span = int(hours.span.total_seconds() // 60)
    requests = draw(
        st.lists(
            st.builds(
                SlotRequest,
                day=st.integers(0, 20).map(lambda d: BASE + timedelta(days=d)),
                length=st.integers(5, span).map(lambda m: timedelta(minutes=m)),
                label=st.uuids().map(str),
                preferred=st.none() | PREFERRED_TIMES,
            ),
            min_size=1,
            max_size=12,
        )
    )
    return busy, requests


@st.composite
def scenario(
    draw: st.DrawFn,
) -> tuple[WorkingHours, timedelta, list[tuple[list[Slot], list[SlotRequest]]]]:
    hours = draw(st.sampled_from(HOURS))
    gap = timedelta(minutes=draw(st.sampled_from([0, 5, 15, 30])))
    holders = draw(st.lists(holder(hours), min_size=1, max_size=3))
    return hours, gap, holders


@settings(max_examples=120, deadline=None)
@given(scenario())
def test_no_holder_ever_has_two_overlapping_conversations(
    case: tuple[WorkingHours, timedelta, list[tuple[list[Slot], list[SlotRequest]]]],
) -> None:
    hours, gap, holders = case
    for busy, requests in holders:
        placed = place_all(requests, busy, calendar=CAL, hours=hours, gap=gap)
        assert [s.label for s in placed] == [r.label for r in requests]
        for request, slot in zip(requests, placed, strict=True):
            start, end = slot.start.astimezone(AMS), slot.end.astimezone(AMS)
            assert CAL.is_workday(start.date())
            assert start.date() >= CAL.on_or_after(request.day)
            assert end.date() == start.date()
            assert hours.start <= start.time() and end.time() <= hours.end
            assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == request.length
            assert all(apart(slot, b, gap) for b in busy)
        for i, a in enumerate(placed):
            assert all(apart(a, b, gap) for b in placed[i + 1 :])
