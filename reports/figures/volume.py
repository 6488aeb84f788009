"""New tickets per channel per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate

from reports.figures.base import Viewer, tickets_created
from reports.filters import ReportFilter, org_zone


@dataclass(frozen=True)
class Volume:
    days: tuple[date, ...]  # every day of the range, in order
    # Channel → one count per day (aligned with `days`, zeros included); only channels
    # with at least one ticket in the range (the filter's channel always).
    per_channel: dict[str, tuple[int, ...]]
    per_day: tuple[int, ...]  # all channels together
    total: int


def volume(f: ReportFilter, *, viewer: Viewer = None) -> Volume:
    """Tickets created per channel (the channel of origin) per day, a day being the
    organisation's calendar day in its time zone: a message at 23:30 UTC in summer counts
    on the next Amsterdam day. One query."""
    rows = (
        tickets_created(f, viewer=viewer)
        .annotate(day=TruncDate("created_at", tzinfo=org_zone()))
        .values("channel", "day")
        .annotate(count=Count("*"))
        .order_by()
    )
    days = tuple(f.start + timedelta(days=offset) for offset in range(f.days))
    counts = {(row["channel"], row["day"]): row["count"] for row in rows}
    channels = sorted({channel for channel, _ in counts} | ({f.channel} if f.channel else set()))
    per_channel = {
        channel: tuple(counts.get((channel, day), 0) for day in days) for channel in channels
    }
    per_day = tuple(
        sum(series[index] for series in per_channel.values()) for index in range(len(days))
    )
    return Volume(days=days, per_channel=per_channel, per_day=per_day, total=sum(per_day))
