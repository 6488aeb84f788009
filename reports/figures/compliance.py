"""First- and next-response SLA compliance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q

from reports.figures.base import Viewer, percent, ticket_scope
from reports.filters import ReportFilter
from tickets.choices import LIVE_TIMER_STATES, SlaMetric
from tickets.models import SlaTimer

METRICS = (SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_RESPONSE)


@dataclass(frozen=True)
class MetricCompliance:
    metric: str  # "first_response" | "next_response"
    due: int
    met_in_time: int
    met_late: int
    still_open: int
    # The rest of `due`: timers stopped without a reply (the ticket was solved, merged or
    # the promise cancelled).
    stopped: int
    percent: float | None  # met_in_time ÷ due, one decimal; None when nothing was due


@dataclass(frozen=True)
class Compliance:
    first_response: MetricCompliance
    next_response: MetricCompliance


def compliance(f: ReportFilter, *, viewer: Viewer = None) -> Compliance:
    """SLA compliance per promise (first response, next response). Due in the range: the
    timers whose due time falls on a day of the range. Met in time: answered by a person
    at or before the due time; met late: answered after it; still open: not answered and
    still running or paused; stopped: not answered and no longer running. Compliance % =
    met in time ÷ due in the range. One query."""
    lower, upper = f.bounds()
    met = Q(met_at__isnull=False)
    rows = (
        SlaTimer.objects.filter(
            ticket_scope(f, viewer=viewer, prefix="ticket__"),
            metric__in=[str(metric) for metric in METRICS],
            due_at__gte=lower,
            due_at__lt=upper,
        )
        .values("metric")
        .annotate(
            due=Count("*"),
            in_time=Count("pk", filter=met & Q(met_at__lte=F("due_at"))),
            late=Count("pk", filter=met & Q(met_at__gt=F("due_at"))),
            still_open=Count(
                "pk", filter=~met & Q(state__in=[str(state) for state in LIVE_TIMER_STATES])
            ),
        )
        .order_by()
    )
    by_metric = {row["metric"]: row for row in rows}
    first, following = (_metric(metric, by_metric.get(metric)) for metric in METRICS)
    return Compliance(first_response=first, next_response=following)


def _metric(metric: str, row: Mapping[str, Any] | None) -> MetricCompliance:
    row = row or {"due": 0, "in_time": 0, "late": 0, "still_open": 0}
    return MetricCompliance(
        metric=str(metric),
        due=row["due"],
        met_in_time=row["in_time"],
        met_late=row["late"],
        still_open=row["still_open"],
        stopped=row["due"] - row["in_time"] - row["late"] - row["still_open"],
        percent=percent(row["in_time"], row["due"]),
    )
