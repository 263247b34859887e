"""Time for the study layer: UTC instants, and the learner's study day.

Every stored time is a UTC instant written by `format_ts`, so SQL can compare them as text. A
*study day* starts at 04:00 local time (as in Anki), so a late-night session still counts toward
the day the learner thinks of as "today". Callers pass `now` in; only `utc_now` reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

DAY_ROLLOVER_HOUR = 4  # local hour at which a new study day begins

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_clock(now: datetime | Clock | None) -> Clock:
    """A fixed instant, a clock function, or None (the wall clock) as a clock function."""
    if now is None:
        return utc_now
    if isinstance(now, datetime):
        fixed = to_utc(now)
        return lambda: fixed
    return lambda: to_utc(now())


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no timezone; pass an aware datetime (UTC)")
    return moment.astimezone(UTC)


def format_ts(moment: datetime) -> str:
    """Fixed-width ISO 8601 in UTC: text order equals time order."""
    return to_utc(moment).isoformat(timespec="microseconds")


def parse_ts(text: str) -> datetime:
    return to_utc(datetime.fromisoformat(text))


def study_day(moment: datetime) -> date:
    """The study day `moment` belongs to (local time, shifted by the rollover hour)."""
    return (to_utc(moment).astimezone() - timedelta(hours=DAY_ROLLOVER_HOUR)).date()


def day_start(day: date) -> datetime:
    """The UTC instant at which study day `day` begins."""
    local_start = datetime.combine(day, time(DAY_ROLLOVER_HOUR)).astimezone()
    return local_start.astimezone(UTC)


def next_day_start(moment: datetime) -> datetime:
    """When the study day after `moment`'s begins: the end of "today"."""
    return day_start(study_day(moment) + timedelta(days=1))
