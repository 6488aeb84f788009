"""The breach forecast: open promises that will break soon unless someone answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q

from reports.figures.base import Viewer, default_now, ticket_scope
from reports.filters import ReportFilter
from tickets.choices import ACTIVE_STATUSES, SlaMetric, TimerState
from tickets.models import Ticket


@dataclass(frozen=True)
class TeamForecast:
    team_id: int | None  # None: tickets without a team
    team: str
    within_4h: int
    within_24h: int  # includes the 4-hour ones


@dataclass(frozen=True)
class Forecast:
    within_4h: int
    within_24h: int
    per_team: tuple[TeamForecast, ...]  # by team name, no team last
    as_of: datetime


def forecast(f: ReportFilter, *, viewer: Viewer = None, now: datetime | None = None) -> Forecast:
    """Unresolved tickets with a running first- or next-response promise that falls due
    in the next 4 hours (and in the next 24 hours, those included) and no reply by a
    person since the promise started: they break unless someone answers. Counted once per
    ticket, by the ticket's team; the date range does not apply. One query."""
    now = default_now(now)
    running = Q(
        sla_timers__metric__in=[str(SlaMetric.FIRST_RESPONSE), str(SlaMetric.NEXT_RESPONSE)],
        sla_timers__state=TimerState.RUNNING,
        sla_timers__met_at__isnull=True,
        sla_timers__due_at__gt=now,
    )
    unanswered = Q(last_human_reply_at__isnull=True) | Q(
        last_human_reply_at__lt=F("sla_timers__started_at")
    )
    soon = lambda horizon: Q(sla_timers__due_at__lte=now + horizon)  # noqa: E731
    rows = (
        Ticket.objects.filter(
            ticket_scope(f, viewer=viewer),
            running & unanswered & soon(timedelta(hours=24)),
            status__in=[str(status) for status in ACTIVE_STATUSES],
        )
        .values("team_id", "team__name")
        .annotate(
            h4=Count("pk", distinct=True, filter=soon(timedelta(hours=4))),
            h24=Count("pk", distinct=True),
        )
        .order_by()
    )
    teams = sorted(rows, key=lambda row: (row["team_id"] is None, row["team__name"] or ""))
    per_team = tuple(
        TeamForecast(row["team_id"], row["team__name"] or "", row["h4"], row["h24"])
        for row in teams
    )
    return Forecast(
        within_4h=sum(team.within_4h for team in per_team),
        within_24h=sum(team.within_24h for team in per_team),
        per_team=per_team,
        as_of=now,
    )
