"""Deadline arithmetic on the Bamako working calendar: examples, then properties (hypothesis)."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.calendar import CLOCK_ALWAYS, CLOCK_WORKING, Duration, WorkingCalendar, parse_hours

WEEKDAY = parse_hours("08:00-17:00")
FRIDAY = parse_hours("08:00-12:30, 14:30-17:00")
BAMAKO = WorkingCalendar(
    timezone="Africa/Bamako",
    hours=(WEEKDAY, WEEKDAY, WEEKDAY, WEEKDAY, FRIDAY, (), ()),
    country="ML",
    declared_holidays=((date(2026, 5, 27), "Tabaski"),),
)


def at(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)   # Bamako is UTC+0 all year


@pytest.mark.parametrize("text, days, minutes", [
    ("1h", 0, 60), ("30min", 0, 30), ("1h30min", 0, 90), ("1j", 1, 0), ("3d", 3, 0), ("1j 2h", 1, 120),
])
def test_durations_parse(text, days, minutes):
    duration = Duration.parse(text)
    assert (duration.days, duration.minutes) == (days, minutes)


@pytest.mark.parametrize("text", ["", "1 heure", "h", "-1h", "1.5h"])
def test_unreadable_durations_are_refused(text):
    with pytest.raises(ValueError):
        Duration.parse(text)


@pytest.mark.parametrize("start, duration, expected", [
    # One working day after Friday 15:00 lands on Monday, same time.
    (at(2026, 5, 15, 15), "1j", at(2026, 5, 18, 15)),
    # Three working days from Wednesday: Thu, Fri, Mon.
    (at(2026, 5, 13, 10), "3j", at(2026, 5, 18, 10)),
    # Saturday: first move to Monday's opening.
    (at(2026, 5, 16, 11), "1j", at(2026, 5, 19, 8)),
    # Tabaski (declared Wednesday 27 May 2026) is skipped.
    (at(2026, 5, 26, 9), "1j", at(2026, 5, 28, 9)),
    # 1 May (Fête du Travail, from `holidays`) is skipped: Thursday 30 April -> Monday 4 May.
    (at(2026, 4, 30, 9), "1j", at(2026, 5, 4, 9)),
    # Landing inside Friday's prayer break: moved to the reopening.
    (at(2026, 5, 14, 13), "1j", at(2026, 5, 15, 14, 30)),
    # Working hours pause overnight: Monday 16:00 + 4 h = Tuesday 11:00.
    (at(2026, 5, 11, 16), "4h", at(2026, 5, 12, 11)),
    # Friday 11:00 + 4 h: 1.5 h before the break, 2.5 h after it = 17:00, the closing boundary itself.
    (at(2026, 5, 15, 11), "4h", at(2026, 5, 15, 17)),
    # Friday 16:00 + 2 h: 1 h on Friday, 1 h on Monday.
    (at(2026, 5, 15, 16), "2h", at(2026, 5, 18, 9)),
    # Night start: counts from the next opening.
    (at(2026, 5, 12, 22), "1h", at(2026, 5, 13, 9)),
])
def test_working_clock_examples(start, duration, expected):
    assert BAMAKO.add(start, Duration.parse(duration), CLOCK_WORKING) == expected


def test_the_24_7_clock_ignores_the_calendar():
    assert BAMAKO.add(at(2026, 5, 16, 23, 30), Duration.parse("1h"), CLOCK_ALWAYS) == at(2026, 5, 17, 0, 30)


def test_results_are_utc_and_other_zones_are_accepted():
    start = datetime(2026, 5, 15, 17, 0, tzinfo=timezone(timedelta(hours=2)))  # 15:00 in Bamako
    result = BAMAKO.add(start, Duration.parse("1j"), CLOCK_WORKING)
    assert result == at(2026, 5, 18, 15) and result.tzinfo is UTC


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        BAMAKO.add(datetime(2026, 5, 15, 15), Duration.parse("1h"), CLOCK_ALWAYS)


def test_is_open():
    assert BAMAKO.is_open(at(2026, 5, 15, 8))
    assert not BAMAKO.is_open(at(2026, 5, 15, 13))          # Friday prayer break
    assert not BAMAKO.is_open(at(2026, 5, 15, 17))          # closing time is closed
    assert not BAMAKO.is_open(at(2026, 5, 16, 10))          # Saturday
    assert not BAMAKO.is_open(at(2026, 5, 27, 10))          # declared Tabaski
    assert not BAMAKO.is_open(at(2026, 9, 22, 10))          # Fête nationale


def test_estimated_feasts_can_be_dropped_once_real_dates_are_declared():
    estimated = date(2026, 8, 25)       # Maouloud, estimated by `holidays`
    assert BAMAKO.holiday_name(estimated)
    dropping = WorkingCalendar(hours=BAMAKO.hours, estimated_holidays="drop")
    assert dropping.holiday_name(estimated) is None
    assert dropping.holiday_name(date(2026, 9, 22))          # fixed holidays stay


def test_calendar_survives_its_snapshot():
    assert WorkingCalendar.from_dict(BAMAKO.to_dict()) == BAMAKO


# --- Properties -------------------------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                      timezones=st.just(UTC))
durations = st.one_of(
    st.builds(Duration, days=st.integers(1, 6)),
    st.builds(Duration, minutes=st.integers(1, 40 * 60)),
    st.builds(Duration, days=st.integers(1, 3), minutes=st.integers(1, 600)),
)


def _inside_or_closing(instant: datetime) -> bool:
    """Inside a working interval, or exactly on a closing time (see routing/calendar.py)."""
    local = instant.astimezone(BAMAKO.zone)
    return any(opening <= local <= closing for opening, closing in BAMAKO.intervals(local.date()))


@settings(max_examples=300, deadline=None)
@given(start=starts, later_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9)),
       duration=durations)
def test_deadlines_are_monotonic_in_the_start(start, later_by, duration):
    assert BAMAKO.add(start, duration, CLOCK_WORKING) <= BAMAKO.add(start + later_by, duration, CLOCK_WORKING)


@settings(max_examples=300, deadline=None)
@given(start=starts, duration=durations)
def test_deadlines_never_fall_in_closed_hours(start, duration):
    assert _inside_or_closing(BAMAKO.add(start, duration, CLOCK_WORKING))


@settings(max_examples=300, deadline=None)
@given(start=starts, duration=durations)
def test_deadlines_are_never_earlier_than_on_the_24_7_clock(start, duration):
    assert BAMAKO.add(start, duration, CLOCK_WORKING) >= BAMAKO.add(start, duration, CLOCK_ALWAYS)


@settings(max_examples=200, deadline=None)
@given(start=starts)
def test_next_opening_is_open_and_not_before(start):
    opening = BAMAKO.next_opening(start)
    assert opening >= start and BAMAKO.is_open(opening)
    assert opening.timetz().replace(tzinfo=None) >= time(8, 0)
