"""How long customers wait: first human reply, acknowledgement and resolution."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet

from reports.figures.base import Percentile, Viewer, duration, seconds, tickets_created
from reports.filters import ReportFilter
from tickets.models import Ticket


@dataclass(frozen=True)
class ResponseTimes:
    """One channel's figures (channel None: all channels together), durations in whole
    seconds (None when no ticket has one)."""

    channel: str | None
    tickets: int
    answered: int  # got a first human reply
    first_response_median_seconds: int | None
    first_response_p90_seconds: int | None
    first_response_business_median_seconds: int | None
    first_response_business_p90_seconds: int | None
    acknowledged: int  # got any first outbound message
    acknowledged_median_seconds: int | None
    acknowledged_p90_seconds: int | None
    solved: int
    resolution_median_seconds: int | None
    resolution_p90_seconds: int | None


@dataclass(frozen=True)
class ResponseTimesReport:
    overall: ResponseTimes
    per_channel: tuple[ResponseTimes, ...]  # channels with tickets in the range, by name


def _aggregates() -> dict[str, Any]:
    # Recorded on the ticket with its first human reply (tickets.services.sla).
    business = F("first_response_business_seconds")
    first, ack = duration("first_human_reply_at"), duration("first_ack_at")
    resolution = duration("solved_at")
    return {
        "tickets": Count("*"),
        "answered": Count("first_human_reply_at"),
        "fr50": Percentile(first, 0.5),
        "fr90": Percentile(first, 0.9),
        "fb50": Percentile(business, 0.5),
        "fb90": Percentile(business, 0.9),
        "acknowledged": Count("first_ack_at"),
        "ack50": Percentile(ack, 0.5),
        "ack90": Percentile(ack, 0.9),
        "solved": Count("solved_at"),
        "res50": Percentile(resolution, 0.5),
        "res90": Percentile(resolution, 0.9),
    }


def _row(channel: str | None, row: Mapping[str, Any]) -> ResponseTimes:
    return ResponseTimes(
        channel=channel,
        tickets=row["tickets"],
        answered=row["answered"],
        first_response_median_seconds=seconds(row["fr50"]),
        first_response_p90_seconds=seconds(row["fr90"]),
        first_response_business_median_seconds=seconds(row["fb50"]),
        first_response_business_p90_seconds=seconds(row["fb90"]),
        acknowledged=row["acknowledged"],
        acknowledged_median_seconds=seconds(row["ack50"]),
        acknowledged_p90_seconds=seconds(row["ack90"]),
        solved=row["solved"],
        resolution_median_seconds=seconds(row["res50"]),
        resolution_p90_seconds=seconds(row["res90"]),
    )


def response_times(f: ReportFilter, *, viewer: Viewer = None) -> ResponseTimesReport:
    """Over the tickets created in the range, per channel and overall.
    First response: from the ticket's creation to the first reply by a person (an agent's
    public reply or an answered outbound call; automatic messages never count), median and
    90th percentile, in calendar hours and in business hours (the opening hours of the SLA
    policy that timed the ticket's first response; around the clock when it has none).
    Acknowledged: from creation to the first message we sent of any kind (an automatic
    acknowledgement or the reply itself), beside the first response. Resolution: from
    creation to solved, for the tickets solved so far. Percentiles interpolate (PostgreSQL
    percentile_cont). One query, an index-only scan of the range (reports 0004)."""
    tickets: QuerySet[Ticket] = tickets_created(f, viewer=viewer)
    rows = _per_channel_and_overall(tickets.values("channel").annotate(**_aggregates()))
    overall = next(row for row in rows if row["channel"] is None)
    return ResponseTimesReport(
        overall=_row(None, overall),
        per_channel=tuple(_row(row["channel"], row) for row in rows if row["channel"]),
    )


# Django groups by the position of the one selected column, at the end of the statement.
GROUP_BY_CHANNEL = " GROUP BY 1"


def _per_channel_and_overall(grouped: QuerySet[Ticket, Any]) -> list[dict[str, Any]]:
    """Django's per-channel query with its GROUP BY widened to GROUPING SETS: the channels
    and the overall row (channel NULL; a ticket always has a channel) in one pass over the
    range, where two queries read it twice (about a quarter of a million index entries for
    30 days at a million tickets). Percentiles do not add up, so the overall row cannot be
    summed from the channels'. Django has no GROUPING SETS; the compiled SQL is checked to
    end in that GROUP BY, so a Django that wrote it differently fails loudly."""
    sql, params = grouped.order_by().query.sql_with_params()
    if not sql.endswith(GROUP_BY_CHANNEL):
        raise RuntimeError(f"unexpected SQL for the response times: {sql}")
    channel = '"tickets_ticket"."channel"'
    sets = f" GROUP BY GROUPING SETS (({channel}), ()) ORDER BY {channel}"
    sql = sql.removesuffix(GROUP_BY_CHANNEL) + sets
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
