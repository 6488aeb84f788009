"""The typical first-response time per channel (issue 13 item 4, issue 16 item 4): the
median of real first human replies over the last 30 days, checked against medians worked
out by hand on constructed tickets, beside the promise of each channel's policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from tickets.choices import Channel, Priority
from tickets.models import SlaPolicy, Ticket
from tickets.response_times import (
    CACHE_KEY,
    ChannelResponse,
    typical_amount,
    typical_first_response,
    typical_first_response_cached,
)
from tickets.services import sla_policies_default

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def ticket(
    channel: str,
    *,
    age: timedelta,
    reply_after: timedelta | None,
    ack_after: timedelta | None = None,
    merged_into: Ticket | None = None,
) -> Ticket:
    """A ticket created `age` before NOW, first answered by a person `reply_after` later."""
    customer = Customer.objects.create(name=f"{channel} customer")
    made = Ticket.objects.create(customer=customer, channel=channel, subject="Where is it?")
    created = NOW - age
    # created_at is auto_now_add: set the constructed time with an update.
    Ticket.objects.filter(pk=made.pk).update(
        created_at=created,
        first_human_reply_at=created + reply_after if reply_after is not None else None,
        first_ack_at=created + ack_after if ack_after is not None else None,
        merged_into=merged_into,
    )
    return made


@pytest.fixture
def constructed() -> None:
    sla_policies_default()
    # email, odd count: 10 min, 30 min, 2 h → the middle value, 30 min.
    ticket(Channel.EMAIL, age=2 * HOUR + 5 * MINUTE, reply_after=10 * MINUTE)
    ticket(Channel.EMAIL, age=10 * 24 * HOUR, reply_after=30 * MINUTE)
    ticket(Channel.EMAIL, age=29 * 24 * HOUR, reply_after=2 * HOUR)
    # chat, even count: 1, 3, 5, 60 min → between the two middle values, (3 + 5) / 2 = 4 min.
    for minutes in (60, 1, 5, 3):
        ticket(Channel.CHAT, age=3 * 24 * HOUR, reply_after=minutes * MINUTE)
    # whatsapp, even count of two: 1 h and 5 h → 3 h.
    ticket(Channel.WHATSAPP, age=5 * HOUR + MINUTE, reply_after=HOUR)
    ticket(Channel.WHATSAPP, age=6 * HOUR, reply_after=5 * HOUR)
    # web, one ticket answered after 54 h: calendar time, not business hours.
    ticket(Channel.WEB, age=5 * 24 * HOUR, reply_after=54 * HOUR)

    # None of these may count; each would move a median if it did.
    # Created 31 days ago (outside the window), answered within a second.
    ticket(Channel.EMAIL, age=31 * 24 * HOUR, reply_after=timedelta(seconds=1))
    # Only an automatic acknowledgement, no person yet (automatic messages never set
    # first_human_reply_at), and one not answered at all.
    ticket(Channel.EMAIL, age=HOUR, reply_after=None, ack_after=timedelta(seconds=2))
    ticket(Channel.CHAT, age=HOUR, reply_after=None)
    # Merged away into another ticket: its customer's wait goes on in the survivor.
    survivor = Ticket.objects.filter(channel=Channel.EMAIL).first()
    ticket(Channel.EMAIL, age=HOUR, reply_after=timedelta(seconds=1), merged_into=survivor)
    ticket(Channel.CHAT, age=HOUR, reply_after=timedelta(seconds=1), merged_into=survivor)
    # Created after "now" (another clock's future): outside the window too.
    ticket(Channel.WHATSAPP, age=-HOUR, reply_after=timedelta(seconds=1))


@pytest.mark.usefixtures("constructed")
def test_medians_per_channel_match_the_hand_computed_ones() -> None:
    figures = typical_first_response(now=NOW)

    assert figures[Channel.EMAIL].median_seconds == 30 * 60
    assert figures[Channel.EMAIL].answered == 3
    assert figures[Channel.CHAT].median_seconds == 4 * 60
    assert figures[Channel.CHAT].answered == 4
    assert figures[Channel.WHATSAPP].median_seconds == 3 * 3600
    assert figures[Channel.WHATSAPP].answered == 2
    assert figures[Channel.WEB].median_seconds == 54 * 3600
    assert figures[Channel.WEB].answered == 1
    # Channels nobody was answered on say so, and still carry their promise.
    assert figures[Channel.PHONE] == ChannelResponse(
        channel=Channel.PHONE, median_seconds=None, answered=0, promise_minutes=48 * 60
    )
    assert list(figures) == list(Channel.values)


@pytest.mark.usefixtures("constructed")
def test_a_shorter_window_leaves_older_tickets_out() -> None:
    figures = typical_first_response(days=1, now=NOW)

    # Only the 2 h 5 min old email (10 min) and both whatsapp tickets are a day old or less.
    assert figures[Channel.EMAIL].median_seconds == 10 * 60
    assert figures[Channel.EMAIL].answered == 1
    assert figures[Channel.WHATSAPP].median_seconds == 3 * 3600
    assert figures[Channel.CHAT].answered == 0
    assert figures[Channel.CHAT].median_seconds is None


def test_the_promise_is_the_normal_priority_policy_of_each_channel() -> None:
    sla_policies_default()
    # An urgent-only policy ahead of Standard does not change what a normal ticket is told.
    SlaPolicy.objects.create(
        name="Urgent email",
        channels=[Channel.EMAIL],
        priorities=[Priority.URGENT],
        first_response_minutes=60,
        position=1,
    )

    figures = typical_first_response(now=NOW)

    social = {Channel.FACEBOOK, Channel.INSTAGRAM, Channel.WHATSAPP, Channel.X}
    for channel, figure in figures.items():
        assert figure.promise_minutes == (24 * 60 if channel in social else 48 * 60), channel


def test_no_active_policy_means_no_promise() -> None:
    sla_policies_default()
    SlaPolicy.objects.filter(name="Social").update(active=False)

    figures = typical_first_response(now=NOW)

    assert figures[Channel.WHATSAPP].promise_minutes is None
    assert figures[Channel.EMAIL].promise_minutes == 48 * 60


@pytest.mark.usefixtures("constructed")
def test_one_statement_for_every_median_plus_the_policy_lookups() -> None:
    with CaptureQueriesContext(connection) as queries:
        typical_first_response(now=NOW)

    on_tickets = [q["sql"] for q in queries.captured_queries if "tickets_ticket" in q["sql"]]
    assert len(on_tickets) == 1
    assert "percentile_cont(0.5) WITHIN GROUP" in on_tickets[0]
    # The rest are policy_for's lookups, one per channel (no calendar to prefetch here).
    assert len(queries.captured_queries) == 1 + len(Channel.values)


@pytest.mark.usefixtures("constructed")
def test_the_cached_figures_cost_no_query_the_second_time() -> None:
    from django.core.cache import cache

    cache.delete(CACHE_KEY)
    with CaptureQueriesContext(connection) as first:
        computed = typical_first_response_cached()
    with CaptureQueriesContext(connection) as second:
        cached = typical_first_response_cached()

    assert len(first.captured_queries) == 1 + len(Channel.values)
    assert len(second.captured_queries) == 0
    assert cached == computed
    # The cached figures are the real clock's last 30 days, in which the constructed
    # (mid-2026) tickets may or may not fall; what matters is that both calls agree.
    assert set(cached) == set(Channel.values)
    cache.delete(CACHE_KEY)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, (1, "minutes")),
        (200, (4, "minutes")),  # 3 min 20 s: "within 3 minutes" would not be true
        (59 * 60, (59, "minutes")),
        (59 * 60 + 1, (1, "hours")),
        (3 * 3600 - 100, (3, "hours")),
        (30 * 3600, (30, "hours")),
        (48 * 3600, (2, "days")),
        (50 * 3600, (3, "days")),
    ],
)
def test_typical_amount_rounds_up_into_a_unit(seconds: int, expected: tuple[int, str]) -> None:
    assert typical_amount(seconds) == expected
