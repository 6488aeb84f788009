"""What every group shares: the tickets a filter and a viewer cover, percentiles and
business durations as SQL expressions, and rounding."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Aggregate, Expression, F, FloatField, Func, Q, QuerySet

from reports.filters import ReportFilter
from tickets.models import Ticket
from tickets.selectors import ticket_visible_to

if TYPE_CHECKING:
    from helpdesk.roles import User

# The user the figures are for; None: the system (everything).
type Viewer = User | None


class Percentile(Aggregate):
    """PostgreSQL's `percentile_cont(p)`: interpolates between neighbours, so the median of
    an even count is the mean of the two middle values."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class Seconds(Func):
    """A duration as seconds (double precision)."""

    template = "extract(epoch FROM %(expressions)s)::double precision"
    output_field = FloatField()


def ticket_scope(f: ReportFilter, *, viewer: Viewer, prefix: str = "") -> Q:
    """The filter's channel, team and agent (the assignee) as a condition on tickets, plus
    what the viewer may see; merged-away tickets never count (their conversation goes on
    in the ticket they were merged into). `prefix` "ticket__" for rows hanging off one."""
    condition = Q(**{f"{prefix}merged_into__isnull": True})
    if f.channel:
        condition &= Q(**{f"{prefix}channel": f.channel})
    if f.team_id is not None:
        condition &= Q(**{f"{prefix}team_id": f.team_id})
    if f.agent_id is not None:
        condition &= Q(**{f"{prefix}assignee_id": f.agent_id})
    if viewer is not None:
        condition &= ticket_visible_to(user=viewer, prefix=prefix)
    return condition


def tickets_created(f: ReportFilter, *, viewer: Viewer) -> QuerySet[Ticket]:
    lower, upper = f.bounds()
    return Ticket.objects.filter(
        ticket_scope(f, viewer=viewer), created_at__gte=lower, created_at__lt=upper
    )


def duration(end: str, start: str = "created_at") -> Expression:
    return Seconds(F(end) - F(start))


def seconds(value: float | None) -> int | None:
    """A duration in whole seconds; None stays None."""
    return None if value is None else round(value)


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent, one decimal (as `surveys.selectors.survey_stats`)."""
    return round(100.0 * part / whole, 1) if whole else None


def default_now(now: datetime | None) -> datetime:
    from django.utils import timezone

    return now or timezone.now()


HOUR = timedelta(hours=1)
