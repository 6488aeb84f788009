"""Promises at risk now and broken in the range, each with the desk list behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import Count, Q

from reports.figures.base import Viewer, default_now, ticket_scope
from reports.filters import ReportFilter
from tickets.choices import ACTIVE_STATUSES
from tickets.models import SlaTimer, Ticket

# The `list` values of a drill-down query (reports.drilldown reads them back).
AT_RISK = "at_risk"
BREACHED = "breached"


@dataclass(frozen=True)
class SlaNow:
    at_risk_now: int
    # The query string (no "?") that lists exactly these tickets: the filter's own
    # parameters plus `list=at_risk`; `reports.drilldown.drilldown_condition` reads it.
    at_risk_query: str
    breached_timers: int  # promises broken in the range (a ticket may break two)
    breached_tickets: int
    breached_query: str  # … plus `list=breached`
    as_of: datetime


def at_risk_condition(now: datetime) -> Q:
    """Unresolved tickets whose nearest promise is past its at-risk time but not yet due."""
    return Q(
        status__in=[str(status) for status in ACTIVE_STATUSES],
        sla_at_risk_at__lte=now,
        sla_due_at__gt=now,
    )


def breached_condition(f: ReportFilter) -> Q:
    """Tickets with a promise (any metric) recorded as breached on a day of the range."""
    lower, upper = f.bounds()
    timers = SlaTimer.objects.filter(breached_at__gte=lower, breached_at__lt=upper)
    return Q(pk__in=timers.values("ticket_id"))


def drill_query(f: ReportFilter, kind: str) -> str:
    return f"{f.to_query()}&{urlencode({'list': kind})}"


def sla_now(f: ReportFilter, *, viewer: Viewer = None, now: datetime | None = None) -> SlaNow:
    """At risk now: unresolved tickets whose nearest running promise has passed its
    at-risk time (the policy's share of the target, 75 % by default) and is not yet due;
    the date range does not apply. Breached in the range: first-response, next-response
    and resolution promises the SLA sweep recorded as broken on a day of the range, and
    the tickets they are on. Channel, team and agent apply to both. Three queries."""
    now = default_now(now)
    scope = ticket_scope(f, viewer=viewer)
    lower, upper = f.bounds()
    at_risk = Ticket.objects.filter(scope, at_risk_condition(now)).count()
    breached = SlaTimer.objects.filter(
        ticket_scope(f, viewer=viewer, prefix="ticket__"),
        breached_at__gte=lower,
        breached_at__lt=upper,
    )
    broken = breached.aggregate(timers=Count("*"), tickets=Count("ticket_id", distinct=True))
    return SlaNow(
        at_risk_now=at_risk,
        at_risk_query=drill_query(f, AT_RISK),
        breached_timers=broken["timers"],
        breached_tickets=broken["tickets"],
        breached_query=drill_query(f, BREACHED),
        as_of=now,
    )
