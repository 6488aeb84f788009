"""The reports' export with one row per ticket created in the range (Chatwoot #15243):
streamed as it is read, in id order a batch at a time (keyset, `id > last`), so a year of
a large account never sits in memory and no batch costs more than the first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Subquery
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.queues import STATUS_LABELS
from desk.reports_tables import channel_label
from desk.reports_tables import in_hours as hours
from reports.csv import Cell, streamed_response
from reports.figures.base import duration
from reports.figures.base import tickets_created as created_in
from reports.filters import org_zone
from surveys.models import SurveyAnswer
from tickets.models import SlaTimer

if TYPE_CHECKING:
    from helpdesk.roles import User
    from reports.filters import ReportFilter

BATCH = 2000


def _headers() -> list[str]:
    return [
        _("Ticket"),
        _("Created"),
        _("Channel"),
        _("Team"),
        _("Assignee"),
        _("Status"),
        _("First human reply (calendar hours)"),
        _("First human reply (business hours)"),
        _("Solved"),
        _("Resolution (calendar hours)"),
        _("Breached"),
        _("CSAT rating (1-5)"),
    ]


def _rows(
    f: ReportFilter, *, viewer: User, teams: Mapping[int, str], agents: Mapping[int, str]
) -> Iterator[list[Cell]]:
    csat = SurveyAnswer.objects.filter(ticket_id=OuterRef("pk")).order_by("-answered_at", "-id")
    tickets = (
        created_in(f, viewer=viewer)
        .annotate(
            first_calendar=duration("first_human_reply_at"),
            first_business=F("first_response_business_seconds"),
            resolution=duration("solved_at"),
            breached=Exists(
                SlaTimer.objects.filter(ticket_id=OuterRef("pk"), breached_at__isnull=False)
            ),
            csat=Subquery(csat.values("rating")[:1]),
        )
        .order_by("pk")
    )
    fields = (
        "pk", "created_at", "channel", "team_id", "assignee_id", "status", "first_calendar",
        "first_business", "solved_at", "resolution", "breached", "csat",
    )  # fmt: skip
    last = 0
    while True:
        batch = list(tickets.filter(pk__gt=last).values_list(*fields)[:BATCH])
        for row in batch:
            yield _row(row, teams=teams, agents=agents)
        if len(batch) < BATCH:
            return
        last = batch[-1][0]


def _row(row: tuple, *, teams: Mapping[int, str], agents: Mapping[int, str]) -> list[Cell]:  # type: ignore[type-arg]
    pk, created, channel, team, assignee, status, first, business, solved, res, breached, csat = row
    return [
        pk,
        timezone.localtime(created, org_zone()),
        channel_label(channel),
        teams.get(team, "") if team is not None else "",
        agents.get(assignee, "") if assignee is not None else "",
        str(STATUS_LABELS.get(status, status)),
        hours(first),
        hours(business),
        timezone.localtime(solved, org_zone()) if solved else None,
        hours(res),
        _("yes") if breached else _("no"),
        csat,
    ]


def tickets_csv(
    f: ReportFilter,
    *,
    viewer: User,
    teams: Mapping[int, str],
    agents: Mapping[int, str],
    name: str,
) -> StreamingHttpResponse:
    return streamed_response(
        _headers(), _rows(f, viewer=viewer, teams=teams, agents=agents), name=name
    )
