"""ReportFilter: defaults, the period before, the URL round trip and the DST spring day."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from django.http import QueryDict

from reports.filters import ReportFilter


def test_the_default_is_the_last_30_days_ending_today() -> None:
    f = ReportFilter.from_query(QueryDict(""), today=date(2026, 11, 28))
    assert (f.start, f.end, f.days) == (date(2026, 10, 30), date(2026, 11, 28), 30)
    assert (f.channel, f.team_id, f.agent_id) == (None, None, None)
    before = f.previous()
    assert (before.start, before.end) == (date(2026, 9, 30), date(2026, 10, 29))


def test_the_url_round_trip_keeps_every_value() -> None:
    f = ReportFilter(date(2026, 3, 1), date(2026, 3, 31), channel="whatsapp", team_id=3, agent_id=7)
    assert f.to_query() == "from=2026-03-01&to=2026-03-31&channel=whatsapp&team=3&agent=7"
    assert ReportFilter.from_query(QueryDict(f.to_query()), today=date(2026, 11, 28)) == f


def test_the_spring_sunday_is_23_hours() -> None:
    lower, upper = ReportFilter(date(2026, 3, 29), date(2026, 3, 29)).bounds()
    assert upper.astimezone(UTC) - lower.astimezone(UTC) == timedelta(hours=23)
