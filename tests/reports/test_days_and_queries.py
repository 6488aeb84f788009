"""The organisation's day, a DST week, the SQL business-hours function against the Python
one, and the number of queries per group."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict

from customers.models import Customer
from reports.figures.backlog import backlog
from reports.figures.chasing import chasing
from reports.figures.compliance import compliance
from reports.figures.forecast import forecast
from reports.figures.response_times import response_times
from reports.figures.satisfaction import satisfaction
from reports.figures.sla_now import sla_now
from reports.figures.volume import volume
from reports.filters import ReportFilter
from tests.reports.dataset import NOW, RANGE, WEEKDAYS_9_TO_5, build
from tickets.business_hours import Schedule, business_time_between, parse_weekly
from tickets.models import BusinessCalendar, BusinessHoliday, Ticket

pytestmark = pytest.mark.django_db
# 2026's summer time ends on Sunday 25 October (03:00 CEST → 02:00 CET).
DST_WEEK = ReportFilter(start=date(2026, 10, 19), end=date(2026, 10, 25))


def test_dst_bounds_and_a_25_hour_sunday() -> None:
    lower, upper = DST_WEEK.bounds()
    assert lower.astimezone(UTC) == datetime(2026, 10, 18, 22, tzinfo=UTC)  # CEST midnight
    assert upper.astimezone(UTC) == datetime(2026, 10, 25, 23, tzinfo=UTC)  # CET midnight
    # Seven days and the hour the clocks went back, counted in real (UTC) time.
    assert upper.astimezone(UTC) - lower.astimezone(UTC) == timedelta(days=7, hours=1)
    parsed = ReportFilter.from_query(QueryDict(DST_WEEK.to_query()), today=date(2026, 11, 1))
    assert parsed == DST_WEEK


def test_a_day_is_the_organisations_day_across_dst() -> None:
    customer = Customer.objects.create(name="Dee")
    # Sat 24 Oct 22:30 UTC = Sun 00:30 CEST; Sun 25 Oct 22:30 UTC = 23:30 CET, still Sunday;
    # Sun 25 Oct 23:30 UTC = Mon 26 00:30 CET, after the range.
    for moment in (
        datetime(2026, 10, 24, 22, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 22, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 23, 30, tzinfo=UTC),
    ):
        ticket = Ticket.objects.create(customer=customer, channel="email")
        Ticket.objects.filter(pk=ticket.pk).update(created_at=moment)
    result = volume(DST_WEEK)
    assert result.per_channel == {"email": (0, 0, 0, 0, 0, 0, 2)}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # Friday 16:00 local → Monday 10:00 local over the DST weekend: 1 h + 1 h.
        (datetime(2026, 10, 23, 14, tzinfo=UTC), datetime(2026, 10, 26, 9, tzinfo=UTC)),
        # Within one day, before opening to after closing.
        (datetime(2026, 11, 17, 5, tzinfo=UTC), datetime(2026, 11, 17, 20, tzinfo=UTC)),
        # Over the holiday (Wed 18 Nov) and a weekend.
        (datetime(2026, 11, 16, 12, tzinfo=UTC), datetime(2026, 11, 24, 12, 45, tzinfo=UTC)),
        # The spring change (29 March).
        (datetime(2026, 3, 27, 8, tzinfo=UTC), datetime(2026, 3, 30, 8, 30, tzinfo=UTC)),
        # Backwards and empty.
        (datetime(2026, 11, 17, 12, tzinfo=UTC), datetime(2026, 11, 17, 11, tzinfo=UTC)),
    ],
)
def test_the_sql_business_seconds_match_the_python_ones(start: datetime, end: datetime) -> None:
    weekly = {**WEEKDAYS_9_TO_5, "5": [["10:00", "12:00"], ["20:00", "24:00"]]}
    calendar = BusinessCalendar.objects.create(
        name="Check", time_zone="Europe/Amsterdam", weekly_hours=weekly
    )
    BusinessHoliday.objects.create(calendar=calendar, date=date(2026, 11, 18))
    schedule = Schedule(
        time_zone="Europe/Amsterdam",
        weekly=parse_weekly(weekly),
        holidays=frozenset({date(2026, 11, 18)}),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reports_business_seconds(%s, %s, %s)", [start, end, calendar.pk])
        (sql_seconds,) = cursor.fetchone()
        cursor.execute("SELECT reports_business_seconds(%s, %s, NULL)", [start, end])
        (around_the_clock,) = cursor.fetchone()
    assert sql_seconds == business_time_between(schedule, start, end).total_seconds()
    assert around_the_clock == max(0.0, (end - start).total_seconds())


# The queries each group may make, whatever the data (the viewer's visibility rule is a
# subquery inside them, not a query of its own).
QUERIES = [
    (compliance, 1, {}),
    (response_times, 2, {}),
    (backlog, 1, {"now": NOW}),
    (sla_now, 3, {"now": NOW}),
    (volume, 1, {}),
    (chasing, 1, {}),
    (satisfaction, 10, {}),
    (forecast, 1, {"now": NOW}),
]


@pytest.mark.parametrize(("function", "most", "extra"), QUERIES)
def test_query_counts_are_pinned(
    django_user_model: Any,
    django_assert_max_num_queries: Any,
    function: Any,
    most: int,
    extra: dict[str, Any],
) -> None:
    ds = build(django_user_model)
    for viewer in (None, ds.manager, ds.bob):
        with django_assert_max_num_queries(most):
            function(RANGE, viewer=viewer, **extra)


def test_a_drilldown_query_lists_exactly_the_counted_tickets(django_user_model: Any) -> None:
    from reports.drilldown import drilldown_condition

    ds = build(django_user_model)
    figures = sla_now(RANGE, now=NOW)
    today = date(2026, 11, 23)
    breached = drilldown_condition(QueryDict(figures.breached_query), now=NOW, today=today)
    at_risk = drilldown_condition(QueryDict(figures.at_risk_query), now=NOW, today=today)
    assert breached is not None
    assert at_risk is not None
    names = lambda q: sorted(Ticket.objects.filter(q).values_list("subject", flat=True))  # noqa: E731
    assert names(breached) == ["t3", "t7"]
    assert names(at_risk) == ["t6"]
    assert drilldown_condition(QueryDict(RANGE.to_query()), now=NOW, today=today) is None
    assert ds.tickets["t6"].subject == "t6"


def test_the_forecast_reads_the_running_timer_only(django_user_model: Any) -> None:
    from tests.reports.dataset import _timer
    from tickets.models import SlaMetric, SlaPolicy, TimerState

    # A first response already met, whose due time is 2 h away, and a next response
    # running for 6 h: the ticket is in the 24-hour forecast, not the 4-hour one.
    ticket = Ticket.objects.create(customer=Customer.objects.create(), channel="chat")
    policy = SlaPolicy.objects.create(name="Forecast check", channels=["chat"])
    _timer(
        ticket,
        policy,
        SlaMetric.FIRST_RESPONSE,
        started_at=NOW - timedelta(hours=1),
        due_at=NOW + timedelta(hours=2),
        state=TimerState.MET,
        met_at=NOW,
    )
    _timer(ticket, policy, SlaMetric.NEXT_RESPONSE, started_at=NOW, due_at=NOW + timedelta(hours=6))
    Ticket.objects.filter(pk=ticket.pk).update(last_human_reply_at=NOW - timedelta(minutes=1))
    result = forecast(RANGE, now=NOW)
    assert (result.within_4h, result.within_24h) == (0, 1)
