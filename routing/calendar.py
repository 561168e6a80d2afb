"""Deadline arithmetic on a 24/7 clock or on the working calendar of the POS.

Pure: every function takes the start instant as an argument and returns a tz-aware UTC datetime.

Definitions (the property tests hold the code to them):
- Working time is made of half-open intervals [opening, closing) per weekday in the calendar's zone;
  Saturdays and Sundays have none unless the POS says so; public holidays (`holidays`, country 'ML') and
  the dates an admin declares have none.
- A duration in hours/minutes on the working clock counts only working time. When it runs out exactly at
  a closing time, the deadline IS that closing time ("by close of business"), not the next opening.
  So a deadline is always inside an interval or exactly on its closing instant.
- A duration in days on the working clock is "the same time of day, N working days later": a start
  outside working hours first moves to the next opening; if the landing time is closed on that day (a
  shorter Friday, a break), the deadline moves to the next opening. One working day after Friday 15:00
  is Monday 15:00.
- On the 24/7 clock a day is 24 hours and the calendar is ignored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays

CLOCK_ALWAYS = "24/7"
CLOCK_WORKING = "working_hours"
CLOCKS = (CLOCK_ALWAYS, CLOCK_WORKING)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# A calendar with no working day at all would loop forever; ten years without one is a broken calendar.
_MAX_DAYS_SEARCHED = 3660

_DURATION_PART = re.compile(r"(\d+)\s*(min|h|d|j)", re.IGNORECASE)
_DURATION_WHOLE = re.compile(r"^\s*(\d+\s*(min|h|d|j)\s*)+$", re.IGNORECASE)


@dataclass(frozen=True)
class Duration:
    """A deadline length as written in the POS: whole days (working days on the working clock) + minutes."""

    days: int = 0
    minutes: int = 0
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> Duration:
        """'1h', '30min', '1h30min', '3d' or '3j' (jours). Raises ValueError on anything else."""
        text = str(text)
        if not _DURATION_WHOLE.match(text):
            raise ValueError(f"durée illisible « {text} » : écrire par exemple 30min, 4h, 1j ou 3j")
        days = minutes = 0
        for amount, unit in _DURATION_PART.findall(text):
            unit = unit.lower()
            if unit in ("d", "j"):
                days += int(amount)
            elif unit == "h":
                minutes += 60 * int(amount)
            else:
                minutes += int(amount)
        return cls(days=days, minutes=minutes, text=text.strip())

    @property
    def is_zero(self) -> bool:
        return self.days == 0 and self.minutes == 0

    def as_timedelta(self) -> timedelta:
        """The 24/7 length."""
        return timedelta(days=self.days, minutes=self.minutes)

    def to_dict(self) -> dict:
        return {"text": self.text, "days": self.days, "minutes": self.minutes}

    @classmethod
    def from_dict(cls, data: dict) -> Duration:
        return cls(days=int(data.get("days", 0)), minutes=int(data.get("minutes", 0)), text=data.get("text", ""))

    def french(self, clock: str) -> str:
        """'1 jour ouvré', '4 h', '1 h 30 min (heures ouvrées)'."""
        working = clock == CLOCK_WORKING
        parts = []
        if self.days:
            plural = "s" if self.days > 1 else ""
            parts.append(f"{self.days} jour{plural}" + (f" ouvré{plural}" if working else ""))
        hours, minutes = divmod(self.minutes, 60)
        if hours:
            parts.append(f"{hours} h")
        if minutes:
            parts.append(f"{minutes} min")
        text = " ".join(parts) or "0"
        if working and self.minutes:
            text += " (heures ouvrées)"
        return text


def _parse_hhmm(text: str) -> time:
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def parse_hours(text: str) -> tuple[tuple[time, time], ...]:
    """'08:00-12:30, 14:30-17:00' -> ((08:00, 12:30), (14:30, 17:00)); '' or 'fermé' -> ()."""
    text = (text or "").strip()
    if text.lower() in ("", "ferme", "fermé", "closed"):
        return ()
    intervals = []
    for chunk in text.split(","):
        start, sep, end = chunk.partition("-")
        if not sep:
            raise ValueError(f"plage horaire illisible « {chunk.strip()} » : écrire 08:00-17:00")
        try:
            opening, closing = _parse_hhmm(start), _parse_hhmm(end)
        except ValueError:
            raise ValueError(f"plage horaire illisible « {chunk.strip()} » : écrire 08:00-17:00") from None
        if closing <= opening:
            raise ValueError(f"plage horaire « {chunk.strip()} » : la fin doit suivre le début")
        intervals.append((opening, closing))
    intervals.sort()
    for (_, previous_end), (next_start, _) in zip(intervals, intervals[1:], strict=False):
        if next_start < previous_end:
            raise ValueError(f"plages horaires qui se chevauchent dans « {text} »")
    return tuple(intervals)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetime: deadlines need a timezone-aware instant")
    return instant


@dataclass(frozen=True)
class WorkingCalendar:
    """Working hours per weekday (0 = Monday), public holidays of a country, and declared dates."""

    timezone: str = "Africa/Bamako"
    hours: tuple[tuple[tuple[time, time], ...], ...] = field(default_factory=lambda: ((),) * 7)
    country: str | None = "ML"
    declared_holidays: tuple[tuple[date, str], ...] = ()
    # 'keep': the package's estimated Islamic dates stay closed until an admin declares the real ones;
    # 'drop': only declared dates count for those feasts (once the year's dates are known).
    estimated_holidays: str = "keep"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _public_holidays(self):
        if not self.country:
            return {}
        return holidays.country_holidays(self.country, language="fr")

    @cached_property
    def _declared(self) -> dict[date, str]:
        return dict(self.declared_holidays)

    @cached_property
    def has_working_time(self) -> bool:
        return any(self.hours)

    def holiday_name(self, day: date) -> str | None:
        if day in self._declared:
            return self._declared[day]
        name = self._public_holidays.get(day) if self.country else None
        if name and self.estimated_holidays == "drop" and "estim" in name.lower():
            return None
        return name

    def is_working_day(self, day: date) -> bool:
        return bool(self.hours[day.weekday()]) and self.holiday_name(day) is None

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as aware datetimes in the calendar's zone (empty when closed)."""
        if not self.is_working_day(day):
            return []
        return [
            (datetime.combine(day, opening, self.zone), datetime.combine(day, closing, self.zone))
            for opening, closing in self.hours[day.weekday()]
        ]

    def is_open(self, now: datetime) -> bool:
        local = _aware(now).astimezone(self.zone)
        return any(start <= local < end for start, end in self.intervals(local.date()))

    def next_opening(self, instant: datetime) -> datetime:
        """`instant` itself when open, else the next opening; in the calendar's zone."""
        local = _aware(instant).astimezone(self.zone)
        day = local.date()
        for _ in range(_MAX_DAYS_SEARCHED):
            for start, end in self.intervals(day):
                if local < end:
                    return max(start, local)
            day += timedelta(days=1)
        raise ValueError("le calendrier n'a aucune heure ouvrée")

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        local = _aware(start).astimezone(self.zone)
        if minutes <= 0:
            return local.astimezone(UTC)
        remaining = timedelta(minutes=minutes)
        day = local.date()
        for _ in range(_MAX_DAYS_SEARCHED):
            for opening, closing in self.intervals(day):
                if closing <= local:
                    continue
                begin = max(opening, local)
                available = closing - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("le calendrier n'a aucune heure ouvrée")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        if days <= 0:
            return _aware(start).astimezone(UTC)
        anchor = self.next_opening(start)
        day = anchor.date()
        for _ in range(days):
            day = self._next_working_day(day)
        landing = datetime.combine(day, anchor.timetz().replace(tzinfo=None), self.zone)
        if any(opening <= landing <= closing for opening, closing in self.intervals(day)):
            return landing.astimezone(UTC)
        return self.next_opening(landing).astimezone(UTC)

    def _next_working_day(self, day: date) -> date:
        for _ in range(_MAX_DAYS_SEARCHED):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("le calendrier n'a aucun jour ouvré")

    def add(self, start: datetime, duration: Duration, clock: str) -> datetime:
        """The deadline `duration` after `start` on `clock`, in UTC."""
        start = _aware(start)
        if clock == CLOCK_ALWAYS:
            return (start + duration.as_timedelta()).astimezone(UTC)
        if clock != CLOCK_WORKING:
            raise ValueError(f"unknown clock {clock!r}")
        after_days = self.add_working_days(start, duration.days) if duration.days else start
        return self.add_working_minutes(after_days, duration.minutes)

    # A referral's escalation snapshot carries its calendar so that later POS edits change nothing.
    def to_dict(self) -> dict:
        return {
            "timezone": self.timezone,
            "hours": {
                WEEKDAYS[index]: [[o.strftime("%H:%M"), c.strftime("%H:%M")] for o, c in intervals]
                for index, intervals in enumerate(self.hours)
            },
            "country": self.country,
            "declared_holidays": [[d.isoformat(), name] for d, name in self.declared_holidays],
            "estimated_holidays": self.estimated_holidays,
        }

    @classmethod
    def from_dict(cls, data: dict) -> WorkingCalendar:
        # The sweep rebuilds a calendar from every due target's frozen snapshot: identical snapshots share
        # one instance, which also keeps its computed holidays.
        return _calendar_from_json(json.dumps(data, sort_keys=True))

    @classmethod
    def _build(cls, data: dict) -> WorkingCalendar:
        hours = tuple(
            tuple((_parse_hhmm(o), _parse_hhmm(c)) for o, c in data.get("hours", {}).get(name, []))
            for name in WEEKDAYS
        )
        return cls(
            timezone=data.get("timezone", "Africa/Bamako"),
            hours=hours,
            country=data.get("country"),
            declared_holidays=tuple((date.fromisoformat(d), n) for d, n in data.get("declared_holidays", [])),
            estimated_holidays=data.get("estimated_holidays", "keep"),
        )


@lru_cache(maxsize=64)
def _calendar_from_json(text: str) -> WorkingCalendar:
    return WorkingCalendar._build(json.loads(text))


def deadline(calendar: WorkingCalendar, start: datetime, duration: Duration, clock: str) -> datetime:
    return calendar.add(start, duration, clock)
