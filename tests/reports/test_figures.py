"""Every figure on the constructed data set (tests/reports/dataset.py), worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from reports.figures.backlog import backlog
from reports.figures.chasing import chasing
from reports.figures.compliance import compliance
from reports.figures.forecast import forecast
from reports.figures.response_times import response_times
from reports.figures.satisfaction import satisfaction
from reports.figures.sla_now import sla_now
from reports.figures.volume import volume
from reports.filters import ReportFilter
from tests.reports.dataset import NOW, RANGE, Dataset, build

pytestmark = pytest.mark.django_db
H = 3600


@pytest.fixture
def ds(django_user_model: Any) -> Dataset:
    return build(django_user_model)


def p(values: list[float], fraction: float) -> float:
    """percentile_cont by hand: position fraction x (n - 1), interpolated."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def test_compliance_by_hand(ds: Dataset) -> None:
    result = compliance(RANGE)
    # First response due 16-22 Nov: t1 (met in time), t3 (late), t4 (in time), t8 (paused,
    # still open); t2, t5, t6 fall due on the 23rd. 2 in time ÷ 4 due = 50 %.
    first = result.first_response
    assert (first.due, first.met_in_time, first.met_late, first.still_open, first.stopped) == (
        4,
        2,
        1,
        1,
        0,
    )
    assert first.percent == 50.0
    # Next response: t3 (in time), t4 (cancelled by the solve: stopped), t7 (running):
    # 1 ÷ 3 = 33.3 %.
    following = result.next_response
    assert (following.due, following.met_in_time, following.met_late) == (3, 1, 0)
    assert (following.still_open, following.stopped, following.percent) == (1, 1, 33.3)


def test_response_times_by_hand(ds: Dataset) -> None:
    result = response_times(RANGE)
    overall = result.overall
    # Created in the range: t1, t2, t3, t4, t5, t8.
    assert (overall.tickets, overall.answered, overall.solved, overall.acknowledged) == (6, 4, 3, 5)
    # First human reply, calendar: t1 2 h, t2 65.5 h, t3 24 h, t4 1 h → median (2+24)/2 = 13 h;
    # p90 at position 0.9 x 3 = 2.7: 24 + 0.7 x (65.5 - 24) = 53.05 h.
    assert overall.first_response_median_seconds == 13 * H == round(p([2, 65.5, 24, 1], 0.5) * H)
    assert overall.first_response_p90_seconds == round(53.05 * H) == 190980
    # Business hours (Mon-Fri 09-17 Amsterdam; chat around the clock): t1 2 h, t2 1 h Friday
    # + 0.5 h Monday = 1.5 h, t3 24 h, t4 1 h → median 1.75 h; p90 2 + 0.7 x 22 = 17.4 h.
    assert overall.first_response_business_median_seconds == 1.75 * H == 6300
    assert overall.first_response_business_p90_seconds == round(17.4 * H) == 62640
    # Acknowledged: t1 60 s, t2 120 s, t4 60 s, t5 60 s, t3 24 h (its first message was the
    # reply) → median 60 s; p90 at 0.9 x 4 = 3.6: 120 + 0.6 x (86400 - 120) = 51888 s.
    assert overall.acknowledged_median_seconds == 60
    assert overall.acknowledged_p90_seconds == 51888
    # Resolution: t4 2 h, t1 6 h, t3 25 h → median 6 h; p90 at 1.8: 6 + 0.8 x 19 = 21.2 h.
    assert overall.resolution_median_seconds == 6 * H
    assert overall.resolution_p90_seconds == round(21.2 * H) == 76320
    channels = {row.channel: row for row in result.per_channel}
    assert list(channels) == ["chat", "email", "phone", "whatsapp"]
    email = channels["email"]
    # Email: t1 2 h and t2 65.5 h → median 33.75 h, p90 2 + 0.9 x 63.5 = 59.15 h; business
    # 2 h and 1.5 h → 1.75 h, p90 1.5 + 0.9 x 0.5 = 1.95 h.
    assert (email.tickets, email.answered) == (3, 2)
    assert email.first_response_median_seconds == round(33.75 * H)
    assert email.first_response_p90_seconds == round(59.15 * H)
    assert email.first_response_business_median_seconds == round(1.75 * H)
    assert email.first_response_business_p90_seconds == round(1.95 * H)
    assert channels["chat"].first_response_business_median_seconds == 24 * H
    assert channels["phone"].answered == 0
    assert channels["phone"].first_response_median_seconds is None


def test_backlog_by_hand(ds: Dataset) -> None:
    result = backlog(RANGE, now=NOW)
    # Unresolved now: t2 pending (2 d 19 h), t5 open (1 d 10.5 h), t6 new (4 h), t7 open
    # (15 d), t8 on hold (5 d 1 h).
    assert result.total == 5
    assert result.by_status == {"new": 1, "open": 2, "pending": 1, "on_hold": 1}
    assert result.by_age == {"under_1_day": 1, "1_to_3_days": 2, "3_to_7_days": 1, "over_7_days": 1}


def test_sla_now_by_hand(ds: Dataset) -> None:
    result = sla_now(RANGE, now=NOW)
    # At risk now (10:00): t6 (at risk 09:00, due 12:00). Breached in the range: t3's first
    # response (Tue 17) and t7's next response (Thu 19).
    assert result.at_risk_now == 1
    assert (result.breached_timers, result.breached_tickets) == (2, 2)
    assert result.breached_query == "from=2026-11-16&to=2026-11-22&list=breached"
    assert result.at_risk_query.endswith("&list=at_risk")


def test_volume_by_hand(ds: Dataset) -> None:
    result = volume(RANGE)
    assert result.days[0] == date(2026, 11, 16)
    assert len(result.days) == 7
    # t5 was created Sat 21 23:30 UTC = Sun 22 00:30 in Amsterdam: Sunday's.
    assert result.per_channel == {
        "chat": (0, 1, 0, 0, 0, 0, 0),
        "email": (1, 0, 0, 0, 1, 0, 1),
        "phone": (0, 0, 1, 0, 0, 0, 0),
        "whatsapp": (0, 0, 1, 0, 0, 0, 0),
    }
    assert result.per_day == (1, 1, 2, 0, 1, 0, 1)
    assert result.total == 6


def test_chasing_by_hand(ds: Dataset) -> None:
    result = chasing(RANGE)
    # t2 and t5 of the six: 2 ÷ 6 = 33.3 %.
    assert (result.tickets, result.chased, result.repeat_contacts) == (6, 2, 2)
    assert result.percent == 33.3


def test_satisfaction_by_hand(ds: Dataset) -> None:
    result = satisfaction(RANGE)
    # CSAT 5, 2, 4 → 2 of 3 satisfied = 66.7 %; NPS 10, 3, 8 → (1 - 1) ÷ 3 = 0.
    assert (result.overall.csat_answers, result.overall.satisfied) == (3, 2)
    assert result.overall.csat_percent == 66.7
    assert (result.overall.promoters, result.overall.detractors, result.overall.nps) == (1, 1, 0.0)
    per_channel = {row.key: (row.csat_percent, row.nps) for row in result.per_channel}
    assert per_channel == {"chat": (0.0, -100.0), "email": (100.0, 100.0), "whatsapp": (100.0, 0.0)}
    per_agent = {
        row.label: (row.csat_answers, row.csat_percent, row.nps) for row in result.per_agent
    }
    # Credited to the agent who solved: ann 5 and 2 → 50 %, NPS 10 and 3 → 0; bob 4 → 100 %.
    assert per_agent == {"ann": (2, 50.0, 0.0), "bob": (1, 100.0, 0.0)}
    per_team = {row.label: row.csat_percent for row in result.per_team}
    assert per_team == {"Legal": 100.0, "Support": 50.0}
    assert [c.comment for c in result.latest_comments] == [
        "Meh",
        "Too slow",
        "Love it",
        "Quick and kind",
    ]


def test_forecast_by_hand(ds: Dataset) -> None:
    result = forecast(RANGE, now=NOW)
    # t6 due 12:00 (in 2 h, Legal); t5 due 16:00 (in 6 h, Support); t7 is past due, t8 paused.
    assert (result.within_4h, result.within_24h) == (1, 2)
    assert [(t.team, t.within_4h, t.within_24h) for t in result.per_team] == [
        ("Legal", 1, 1),
        ("Support", 0, 1),
    ]


def test_the_same_figures_through_the_survey_stats_formulas(ds: Dataset) -> None:
    from surveys.selectors import csat_percent, nps_score

    result = satisfaction(RANGE).overall
    assert result.csat_percent == round(csat_percent([5, 2, 4]) or 0, 1)
    assert result.nps == round(nps_score([10, 3, 8]) or 0, 1)


def test_a_filter_narrows_every_group(ds: Dataset) -> None:
    email_support = ReportFilter(RANGE.start, RANGE.end, channel="email", team_id=ds.support.pk)
    assert response_times(email_support).overall.tickets == 3
    assert compliance(email_support).first_response.due == 1
    assert chasing(email_support).chased == 2
    assert volume(email_support).total == 3
    assert satisfaction(email_support).overall.csat_answers == 1
    assert backlog(email_support, now=NOW).total == 3  # t2, t5, t7


def test_the_period_before_is_empty(ds: Dataset) -> None:
    before = RANGE.previous()
    assert (before.start, before.end) == (date(2026, 11, 9), date(2026, 11, 15))
    assert response_times(before).overall.tickets == 0
    assert response_times(before).overall.first_response_median_seconds is None
    assert compliance(before).first_response.percent is None
    assert datetime(2026, 11, 8, 10, tzinfo=UTC) < before.bounds()[0]
