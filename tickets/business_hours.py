"""Business-hours arithmetic for SLA targets: pure functions, no ORM.

A `Schedule` is weekly opening hours in a time zone plus holidays. Durations are counted
only while the schedule is open, so "48 business hours" from Friday 16:00 skips the weekend,
a public holiday and whatever hour a daylight-saving change adds or removes: each opening
interval is built as local wall-clock times on its own date and converted to UTC, which
makes a 09:00-17:00 day eight real hours on both sides of a DST change. An empty schedule
(no weekly hours) is around the clock, the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead a due time is searched: a schedule with hours but every day a holiday
# must fail loudly rather than loop.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Schedule:
    time_zone: str = "UTC"
    # Monday = 0 … Sunday = 6 → opening intervals in local wall-clock time (end may be 24:00,
    # written as time.max).
    weekly: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def around_the_clock(self) -> bool:
        return not self.weekly

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open stretches of one local date, as aware UTC datetimes."""
        if day in self.holidays:
            return []
        zone = ZoneInfo(self.time_zone)
        stretches = []
        for opens, closes in self.weekly.get(day.weekday(), ()):
            start = datetime.combine(day, opens, tzinfo=zone)
            end = (
                datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                if closes == time.max
                else datetime.combine(day, closes, tzinfo=zone)
            )
            start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
            if end_utc > start_utc:
                stretches.append((start_utc, end_utc))
        return sorted(stretches)

    def _days_from(self, moment: datetime) -> list[date]:
        first = moment.astimezone(ZoneInfo(self.time_zone)).date()
        return [first + timedelta(days=offset) for offset in range(MAX_DAYS)]


def add_business_time(schedule: Schedule, start: datetime, duration: timedelta) -> datetime:
    """The moment `duration` of open time has passed after `start` (aware datetimes)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if schedule.around_the_clock:
        # Through UTC: adding to a zoned datetime in Python adds wall-clock time.
        return (start.astimezone(UTC) + duration).astimezone(start.tzinfo)
    remaining = duration
    if remaining <= timedelta(0):
        return start
    for day in schedule._days_from(start):
        for opens, closes in schedule._intervals(day):
            if closes <= start:
                continue
            begin = max(opens, start)
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= available
    raise ValueError(f"the schedule has no open time in the {MAX_DAYS} days after {start}")


def business_time_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Open time between two moments (zero when end is not after start)."""
    if end <= start:
        return timedelta(0)
    if schedule.around_the_clock:
        return end - start
    total = timedelta(0)
    for day in schedule._days_from(start):
        if day > end.astimezone(ZoneInfo(schedule.time_zone)).date():
            break
        for opens, closes in schedule._intervals(day):
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
    return total


def parse_weekly(spec: dict[str, list[list[str]]]) -> dict[int, tuple[tuple[time, time], ...]]:
    """`{"0": [["09:00", "17:00"]], …}` (Monday = "0") as stored in the database → Schedule
    form. "24:00" closes at midnight. Raises ValueError on a malformed or inverted range."""
    weekly: dict[int, tuple[tuple[time, time], ...]] = {}
    for key, ranges in spec.items():
        weekday = int(key)
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday {key} is not 0 (Monday) … 6 (Sunday)")
        parsed = []
        for opens_text, closes_text in ranges:
            opens = time.fromisoformat(opens_text)
            closes = time.max if closes_text == "24:00" else time.fromisoformat(closes_text)
            if closes <= opens:
                raise ValueError(f"{opens_text}-{closes_text} closes before it opens")
            parsed.append((opens, closes))
        if parsed:
            weekly[weekday] = tuple(sorted(parsed))
    return weekly
