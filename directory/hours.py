"""Weekly opening hours: {"monday": [["08:00", "16:00"]], ...}, the format of routing.calendar.

Reading and writing the short French form admins type in the one-sheet CSV and the web form
("lun-jeu 07:30-16:30; ven 07:30-12:30"), and "open now" on Bamako's calendar with Mali's holidays,
delegated to routing.calendar.WorkingCalendar so that there is one definition of opening.
"""

from __future__ import annotations

from datetime import datetime

from routing.calendar import WEEKDAYS, WorkingCalendar, parse_hours

SHORT_DAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
HSDS_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def validate_hours(hours: dict) -> dict:
    """A clean copy of `hours` (known weekdays, sorted non-overlapping HH:MM intervals); ValueError."""
    if not isinstance(hours, dict):
        raise ValueError("les horaires doivent être un objet jour -> plages")
    clean: dict[str, list[list[str]]] = {}
    for day, intervals in hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"jour inconnu « {day} » (monday … sunday)")
        if not intervals:
            continue
        text = ", ".join(f"{opening}-{closing}" for opening, closing in intervals)
        parsed = parse_hours(text)
        clean[day] = [[o.strftime("%H:%M"), c.strftime("%H:%M")] for o, c in parsed]
    return {day: clean[day] for day in WEEKDAYS if day in clean}


def parse_short_hours(text: str) -> dict:
    """'lun-jeu 07:30-16:30; ven 07:30-12:30' -> hours dict. '' -> {} (no hours given)."""
    hours: dict[str, list[list[str]]] = {}
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        days_text, _, ranges = part.partition(" ")
        days = _parse_days(days_text)
        intervals = parse_hours(ranges)
        if not intervals:
            raise ValueError(f"plage horaire manquante dans « {part} » (ex. lun-ven 08:00-16:00)")
        for day in days:
            hours.setdefault(WEEKDAYS[day], []).extend(
                [o.strftime("%H:%M"), c.strftime("%H:%M")] for o, c in intervals)
    return validate_hours(hours)


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for chunk in text.lower().split(","):
        start, sep, end = chunk.partition("-")
        try:
            first = SHORT_DAYS.index(start.strip()[:3])
            last = SHORT_DAYS.index(end.strip()[:3]) if sep else first
        except ValueError:
            raise ValueError(f"jours illisibles « {text} » (ex. lun-ven, sam)") from None
        if last < first:
            raise ValueError(f"jours à l'envers « {text} »")
        days.extend(range(first, last + 1))
    return days


def format_short_hours(hours: dict) -> str:
    """The inverse of parse_short_hours, grouping consecutive days with identical intervals."""
    parts: list[str] = []
    index = 0
    while index < 7:
        intervals = hours.get(WEEKDAYS[index])
        if not intervals:
            index += 1
            continue
        end = index
        while end + 1 < 7 and hours.get(WEEKDAYS[end + 1]) == intervals:
            end += 1
        days = SHORT_DAYS[index] if end == index else f"{SHORT_DAYS[index]}-{SHORT_DAYS[end]}"
        parts.append(f"{days} " + ", ".join(f"{o}-{c}" for o, c in intervals))
        index = end + 1
    return "; ".join(parts)


def calendar_for(hours: dict, declared_holidays: tuple = ()) -> WorkingCalendar:
    return WorkingCalendar.from_dict({"timezone": "Africa/Bamako", "hours": hours, "country": "ML",
                                      "declared_holidays": list(declared_holidays)})


def is_open(hours: dict, now: datetime) -> bool:
    """Open at `now` in Bamako, public holidays of Mali (estimated Islamic dates included) closed."""
    return bool(hours) and calendar_for(hours).is_open(now)
