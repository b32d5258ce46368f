"""Time, days, weeks and time zones. Every engine call gets ``now`` from an injected clock.

A user's or a group's zone is stored as text: a ``zoneinfo`` name (``Europe/Kyiv``) or a fixed
UTC offset (``+02:00``); ``None`` means UTC.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache

Clock = Callable[[], datetime]

_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?([0-5]\d))?")
_CLOCK_TIME = re.compile(r"(\d{1,2})(?:([:.h])(\d{2})?)?\s*(am|pm)?")


def system_clock() -> datetime:
    return datetime.now(UTC)


def iso_week(moment: datetime, tz: tzinfo = UTC) -> str:
    year, week, _ = moment.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def day_before(day: date) -> date:
    return day - timedelta(days=1)


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_zone(text: str) -> str | None:
    """A canonical zone string for user input (``europe/kyiv``, ``UTC+2``, ``-05:30``,
    ``UTC``), or None if it is not one."""
    cleaned = text.strip()
    if cleaned.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    match = _OFFSET.fullmatch(cleaned.upper())
    if match:
        hours, minutes = int(match[2]), int(match[3] or 0)
        if hours > 14 or (hours == 14 and minutes):
            return None
        if hours == minutes == 0:
            return "UTC"
        return f"{match[1]}{hours:02d}:{minutes:02d}"
    return _zone_names().get(cleaned.lower())


# One-tap choices where a reminder is set (Telegram does not tell a bot anyone's zone); the
# article's readers are mostly in these. Any other zone: /remind 8am ZONE.
COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("Kyiv", "Europe/Kyiv"),
    ("Minsk", "Europe/Minsk"),
    ("Warsaw", "Europe/Warsaw"),
    ("Berlin", "Europe/Berlin"),
    ("London", "Europe/London"),
    ("New York", "America/New_York"),
)


def zone(name: str | None) -> tzinfo:
    """The tzinfo of a stored zone string (unknown or empty: UTC)."""
    if not name or name == "UTC":
        return UTC
    match = _OFFSET.fullmatch(name)
    if match:
        minutes = int(match[2]) * 60 + int(match[3] or 0)
        return timezone(timedelta(minutes=minutes if match[1] == "+" else -minutes))
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_label(name: str | None) -> str:
    """How a zone reads in a message: ``Europe/Kyiv``, ``UTC+02:00`` or ``UTC``."""
    if not name or name == "UTC":
        return "UTC"
    return f"UTC{name}" if name[0] in "+-" else name


def local_day(moment: datetime, tz_name: str | None) -> date:
    return moment.astimezone(zone(tz_name)).date()


def parse_clock_time(text: str) -> int | None:
    """Minutes after midnight for ``8am``, ``8:30pm``, ``20:30``, ``20.30``, ``20h``; else
    None (a bare number is a count, not a time)."""
    match = _CLOCK_TIME.fullmatch(text.strip().lower())
    if not match:
        return None
    hour, separator, minutes, half = int(match[1]), match[2], match[3], match[4]
    if separator is None and half is None:
        return None
    if separator in (":", ".") and minutes is None:
        return None
    minute = int(minutes or 0)
    if minute > 59:
        return None
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif hour > 23:
        return None
    return hour * 60 + minute


def next_local_time(now: datetime, minute_of_day: int, tz_name: str | None) -> datetime:
    """The next moment (after ``now``) when the wall clock in the zone shows that minute."""
    tz = zone(tz_name)
    local_now = now.astimezone(tz)
    wanted = time(minute_of_day // 60, minute_of_day % 60)
    day = local_now.date()
    for _ in range(3):
        candidate = datetime.combine(day, wanted, tz)
        # A wall time skipped by a DST change resolves forward; compare in UTC.
        if candidate.astimezone(UTC) > now.astimezone(UTC):
            return candidate.astimezone(UTC)
        day += timedelta(days=1)
    raise AssertionError("unreachable")  # pragma: no cover


def format_minute(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"
