"""How fast people really answer: the typical (median) first human reply per channel over
recent days, beside the first-response promise of the policy a normal ticket gets there.

A selector (reads only). The portal's "How to reach us" and the chat widget's "we usually
answer within …" show the same figure, so it is computed once in PostgreSQL and cached."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.core.cache import cache
from django.db.models import Aggregate, Count, DurationField, F
from django.utils import timezone

from tickets.choices import Channel, Priority
from tickets.models import Ticket
from tickets.services.sla import policy_for

CACHE_KEY = "tickets:typical_first_response:v1"
CACHE_SECONDS = 10 * 60
WINDOW_DAYS = 30


class Median(Aggregate):
    """PostgreSQL's `percentile_cont(0.5)`: Django has no percentile aggregate. With an even
    count it interpolates the two middle values, as a median should."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    # The ordered-set form takes no DISTINCT and no FILTER clause Django could add.
    allow_distinct = False


@dataclass(frozen=True)
class ChannelResponse:
    channel: str
    # None when nobody on the channel got a human first reply in the window.
    median_seconds: int | None
    # How many tickets the median is over.
    answered: int
    # The first-response target of the policy a normal-priority ticket on the channel gets
    # today; None when no active policy covers the channel.
    promise_minutes: int | None


def typical_first_response(
    *, days: int = WINDOW_DAYS, now: datetime | None = None
) -> dict[str, ChannelResponse]:
    """Every channel, in `Channel` order: the median calendar time from a ticket's creation
    to its first human reply, over the tickets created in the last `days` days that got one.
    Automatic messages never set `first_human_reply_at`, so acknowledgements do not count;
    merged-away tickets are left out (their customer's wait continues on the survivor)."""
    now = now or timezone.now()
    rows = (
        Ticket.objects.filter(
            created_at__gte=now - timedelta(days=days),
            created_at__lt=now,
            first_human_reply_at__isnull=False,
            merged_into__isnull=True,
        )
        .values("channel")
        .annotate(
            median=Median(
                F("first_human_reply_at") - F("created_at"), output_field=DurationField()
            ),
            # COUNT(*), not COUNT(id): the id is not in the index, so an index-only scan.
            answered=Count("*"),
        )
        # No model ordering may leak into the GROUP BY.
        .order_by()
    )
    measured = {row["channel"]: row for row in rows}
    result: dict[str, ChannelResponse] = {}
    for channel in Channel.values:
        row = measured.get(channel)
        median: timedelta | None = row["median"] if row else None
        policy = policy_for(channel=channel, priority=Priority.NORMAL)
        result[channel] = ChannelResponse(
            channel=channel,
            median_seconds=round(median.total_seconds()) if median is not None else None,
            answered=row["answered"] if row else 0,
            promise_minutes=policy.first_response_minutes if policy else None,
        )
    return result


def typical_first_response_cached() -> dict[str, ChannelResponse]:
    """The last 30 days' figures from the cache, computed and stored for ten minutes when
    missing: a median that moves over a month needs no fresher value than that, and every
    portal page view and chat widget load would otherwise pay for the aggregate."""
    cached: dict[str, ChannelResponse] | None = cache.get(CACHE_KEY)
    if cached is not None:
        return cached
    figures = typical_first_response()
    cache.set(CACHE_KEY, figures, CACHE_SECONDS)
    return figures


Unit = Literal["minutes", "hours", "days"]


def typical_amount(seconds: int) -> tuple[int, Unit]:
    """A median as (number, unit) for "usually within …", rounded up because "within" must
    stay true. The wording (and its translation) belongs to the page that shows it, so this
    module has no gettext strings. Under an hour in minutes (at least 1), under two days in
    hours (a 24 h or 48 h promise reads best beside hours), beyond that in days."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 60:
        return minutes, "minutes"
    hours = math.ceil(seconds / 3600)
    if hours < 48:
        return hours, "hours"
    return math.ceil(seconds / 86400), "days"
