"""Business-hours arithmetic behind SLA due times: weekends, Dutch and Polish public
holidays, and daylight-saving changes in Europe/Amsterdam and Europe/Warsaw."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tickets.business_hours import (
    Schedule,
    add_business_time,
    business_time_between,
    parse_weekly,
)

AMS = ZoneInfo("Europe/Amsterdam")
WAW = ZoneInfo("Europe/Warsaw")
OFFICE = {str(day): [["09:00", "17:00"]] for day in range(5)}


def office(zone: str, holidays: tuple[date, ...] = ()) -> Schedule:
    return Schedule(time_zone=zone, weekly=parse_weekly(OFFICE), holidays=frozenset(holidays))


def test_around_the_clock_is_plain_time() -> None:
    start = datetime(2026, 3, 28, 12, 0, tzinfo=AMS)
    due = add_business_time(Schedule(), start, timedelta(hours=48))
    assert due.astimezone(UTC) == start.astimezone(UTC) + timedelta(hours=48)
    # 48 real hours across the spring-forward night: the wall clock shows 49.
    due = add_business_time(Schedule(time_zone="Europe/Amsterdam"), start, timedelta(hours=48))
    assert due.astimezone(AMS) == datetime(2026, 3, 30, 13, 0, tzinfo=AMS)


def test_friday_afternoon_skips_the_weekend() -> None:
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=AMS)
    due = add_business_time(office("Europe/Amsterdam"), friday, timedelta(hours=2))
    assert due.astimezone(AMS) == datetime(2026, 11, 23, 10, 0, tzinfo=AMS)


def test_outside_hours_the_clock_starts_at_opening() -> None:
    saturday_night = datetime(2026, 11, 21, 23, 30, tzinfo=AMS)
    due = add_business_time(office("Europe/Amsterdam"), saturday_night, timedelta(hours=1))
    assert due.astimezone(AMS) == datetime(2026, 11, 23, 10, 0, tzinfo=AMS)


def test_dutch_kings_day_is_skipped() -> None:
    schedule = office("Europe/Amsterdam", holidays=(date(2026, 4, 27),))  # Koningsdag, Monday
    friday = datetime(2026, 4, 24, 16, 0, tzinfo=AMS)
    due = add_business_time(schedule, friday, timedelta(hours=2))
    assert due.astimezone(AMS) == datetime(2026, 4, 28, 10, 0, tzinfo=AMS)


def test_polish_independence_day_is_skipped() -> None:
    schedule = office("Europe/Warsaw", holidays=(date(2026, 11, 11),))  # Wednesday
    tuesday = datetime(2026, 11, 10, 16, 0, tzinfo=WAW)
    due = add_business_time(schedule, tuesday, timedelta(hours=2))
    assert due.astimezone(WAW) == datetime(2026, 11, 12, 10, 0, tzinfo=WAW)


def test_48_business_hours_over_a_weekend_and_a_holiday_in_warsaw() -> None:
    schedule = office("Europe/Warsaw", holidays=(date(2026, 11, 11),))
    start = datetime(2026, 11, 6, 12, 0, tzinfo=WAW)  # Friday noon
    # Fri 5 h, Mon 8, Tue 8, (Wed holiday), Thu 8, Fri 8, Mon 8 = 45 … Tue 3 more.
    due = add_business_time(schedule, start, timedelta(hours=48))
    assert due.astimezone(WAW) == datetime(2026, 11, 17, 12, 0, tzinfo=WAW)
    assert business_time_between(schedule, start, due) == timedelta(hours=48)


def test_spring_forward_in_amsterdam_keeps_office_hours_in_wall_clock_time() -> None:
    friday = datetime(2026, 3, 27, 16, 0, tzinfo=AMS)  # CET; Monday is CEST
    due = add_business_time(office("Europe/Amsterdam"), friday, timedelta(hours=2))
    assert due.astimezone(AMS) == datetime(2026, 3, 30, 10, 0, tzinfo=AMS)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_fall_back_in_warsaw_keeps_office_hours_in_wall_clock_time() -> None:
    friday = datetime(2026, 10, 23, 16, 0, tzinfo=WAW)  # CEST; Monday is CET
    due = add_business_time(office("Europe/Warsaw"), friday, timedelta(hours=2))
    assert due.astimezone(WAW) == datetime(2026, 10, 26, 10, 0, tzinfo=WAW)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_all_day_hours_follow_the_short_dst_day() -> None:
    every_day = Schedule(
        time_zone="Europe/Amsterdam",
        weekly=parse_weekly({str(d): [["00:00", "24:00"]] for d in range(7)}),
    )
    start = datetime(2026, 3, 28, 12, 0, tzinfo=AMS)
    due = add_business_time(every_day, start, timedelta(hours=24))
    # Sunday has 23 hours: 24 open hours are 24 real hours, 13:00 on the wall clock.
    assert due.astimezone(UTC) == start.astimezone(UTC) + timedelta(hours=24)
    assert due.astimezone(AMS).hour == 13


def test_time_between_counts_only_open_time() -> None:
    schedule = office("Europe/Amsterdam")
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=AMS)
    monday = datetime(2026, 11, 23, 10, 30, tzinfo=AMS)
    assert business_time_between(schedule, friday, monday) == timedelta(hours=2, minutes=30)
    assert business_time_between(schedule, monday, friday) == timedelta(0)


@pytest.mark.parametrize(
    "spec",
    [{"7": [["09:00", "17:00"]]}, {"0": [["17:00", "09:00"]]}, {"0": [["9am", "5pm"]]}],
)
def test_malformed_weekly_hours_are_refused(spec: dict[str, list[list[str]]]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the mistake
        parse_weekly(spec)


def test_a_schedule_that_never_opens_fails_loudly() -> None:
    closed = Schedule(
        time_zone="UTC",
        weekly=parse_weekly({"0": [["09:00", "10:00"]]}),
        holidays=frozenset(date(2026, 11, 23) + timedelta(weeks=w) for w in range(200)),
    )
    with pytest.raises(ValueError, match="no open time"):
        add_business_time(closed, datetime(2026, 11, 22, tzinfo=UTC), timedelta(hours=2))
