from datetime import UTC, datetime

import pytest

from directory.hours import format_short_hours, is_open, parse_short_hours

OFFICE = "lun-jeu 07:30-16:00; ven 07:30-12:30"


def test_short_hours_read_and_write_back_the_same():
    hours = parse_short_hours(OFFICE)
    assert hours["monday"] == [["07:30", "16:00"]]
    assert hours["friday"] == [["07:30", "12:30"]]
    assert "saturday" not in hours
    assert format_short_hours(hours) == OFFICE


@pytest.mark.parametrize("text", ["lundi 8h", "lun-ven 17:00-08:00", "xyz 08:00-12:00", "lun-ven"])
def test_unreadable_hours_are_refused(text):
    with pytest.raises(ValueError):
        parse_short_hours(text)


def test_open_now_follows_bamako_time_and_mali_holidays():
    hours = parse_short_hours(OFFICE)
    assert is_open(hours, datetime(2026, 3, 25, 10, 0, tzinfo=UTC))        # a Wednesday
    assert not is_open(hours, datetime(2026, 3, 25, 17, 0, tzinfo=UTC))    # after closing
    assert not is_open(hours, datetime(2026, 3, 28, 10, 0, tzinfo=UTC))    # Saturday
    assert not is_open(hours, datetime(2026, 3, 26, 10, 0, tzinfo=UTC))    # 26 March: Martyrs' Day
    assert not is_open({}, datetime(2026, 3, 25, 10, 0, tzinfo=UTC))
