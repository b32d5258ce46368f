"""Time and weeks: every engine call gets ``now`` from an injected clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def day_before(day: date) -> date:
    return day - timedelta(days=1)
