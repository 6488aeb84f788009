"""The unresolved tickets now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q

from reports.figures.base import Viewer, default_now, ticket_scope
from reports.filters import ReportFilter
from tickets.choices import ACTIVE_STATUSES
from tickets.models import Ticket

# (key, lower bound of the age, upper bound or None)
AGE_BANDS: tuple[tuple[str, timedelta, timedelta | None], ...] = (
    ("under_1_day", timedelta(0), timedelta(days=1)),
    ("1_to_3_days", timedelta(days=1), timedelta(days=3)),
    ("3_to_7_days", timedelta(days=3), timedelta(days=7)),
    ("over_7_days", timedelta(days=7), None),
)


@dataclass(frozen=True)
class Backlog:
    total: int
    # Status value → count, every unresolved status present (zeros included).
    by_status: dict[str, int]
    # AGE_BANDS key → count, in that order.
    by_age: dict[str, int]
    as_of: datetime


def backlog(f: ReportFilter, *, viewer: Viewer = None, now: datetime | None = None) -> Backlog:
    """Unresolved tickets now (new, open, pending, on hold; the date range does not apply,
    channel, team and agent do), by status and by age since creation: under 1 day, 1-3
    days, 3-7 days, over 7 days (a band includes its lower bound). One query."""
    now = default_now(now)
    counts: dict[str, Count] = {
        f"status_{status}": Count("pk", filter=Q(status=status)) for status in ACTIVE_STATUSES
    }
    for key, younger, older in AGE_BANDS:
        band = Q(created_at__lte=now - younger)
        if older is not None:
            band &= Q(created_at__gt=now - older)
        counts[f"age_{key}"] = Count("pk", filter=band)
    row = Ticket.objects.filter(
        ticket_scope(f, viewer=viewer), status__in=[str(status) for status in ACTIVE_STATUSES]
    ).aggregate(total=Count("*"), **counts)
    return Backlog(
        total=row["total"],
        by_status={str(status): row[f"status_{status}"] for status in ACTIVE_STATUSES},
        by_age={key: row[f"age_{key}"] for key, _, _ in AGE_BANDS},
        as_of=now,
    )
