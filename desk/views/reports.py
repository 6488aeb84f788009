"""`/desk/reports/`: the manager dashboards. Managers see every figure, an agent only their
own (the agent filter is forced to them). Everything the page shows is in the URL (range,
channel, team, agent, business or calendar hours), so a view can be bookmarked and shared;
`?format=csv&table=<name>` answers any table as CSV with the same filter, and
`table=tickets` streams one row per ticket created in the range."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from desk.access import DeskRequest, agent_required
from desk.navigation import desk_context
from desk.queues import filter_teams
from desk.reports_page import HOURS_CHOICES, Scope, build, one_table
from desk.reports_tables import channel_label
from desk.reports_tickets import tickets_csv
from helpdesk.roles import AGENT_GROUPS, is_manager
from reports.csv import filename, table_response
from reports.filters import ReportFilter, ReportFilterError, org_zone
from tickets.choices import Channel


def _agents() -> dict[int, str]:
    """Everyone a ticket may be assigned to, by name (the agent filter's choices)."""
    users = (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name__in=AGENT_GROUPS), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return {user.pk: user.get_full_name() or user.get_username() for user in users}


def _hours(request: DeskRequest) -> str:
    hours = request.GET.get("hours", "")
    return hours if hours in HOURS_CHOICES else HOURS_CHOICES[0]


def _filter(request: DeskRequest, *, manager: bool) -> tuple[ReportFilter | None, str]:
    """The URL's filter, or None and the error to show beside the form."""
    today = timezone.localdate(timezone=org_zone())
    try:
        found = ReportFilter.from_query(request.GET, today=today)
    except ReportFilterError as error:
        return None, str(error)
    if not manager:
        # An agent's reports are their own figures, whatever the URL says.
        found = found.with_agent(request.user.pk)
    return found, ""


@require_GET
@agent_required
def reports_page(request: DeskRequest) -> HttpResponse:
    manager = is_manager(request.user)
    hours = _hours(request)
    found, error = _filter(request, manager=manager)
    teams = {team.pk: team.name for team in filter_teams(user=request.user)}
    agents = _agents() if manager else {request.user.pk: _own_name(request)}
    if found is not None and request.GET.get("format") == "csv":
        return _csv(request, found, hours=hours, teams=teams, agents=agents)
    context = desk_context(user=request.user, current=None)
    context.update(
        error=error,
        manager=manager,
        hours=hours,
        own_name=_own_name(request),
        channels=[(value, channel_label(value)) for value in Channel.values],
        teams=teams,
        agents=agents,
        values=_form_values(request, found),
    )
    if found is None:
        return render(request, "desk/reports/page.html", context, status=400)
    page = build(Scope(found, request.user, hours == "business", teams, agents))
    context.update(
        report=found,
        previous=found.previous(),
        page=page,
        t=page.tables,
        query=found.to_query() + f"&hours={hours}",
        query_business=found.to_query() + "&hours=business#r-first",
        query_calendar=found.to_query() + "&hours=calendar#r-first",
        now=timezone.now(),
    )
    return render(request, "desk/reports/page.html", context)


def _own_name(request: DeskRequest) -> str:
    return request.user.get_full_name() or request.user.get_username()


def _form_values(request: DeskRequest, found: ReportFilter | None) -> dict[str, str]:
    """What the form shows: the filter read, or what was typed when it could not be read."""
    if found is not None:
        return {
            "from": found.start.isoformat(),
            "to": found.end.isoformat(),
            "channel": found.channel or "",
            "team": str(found.team_id or ""),
            "agent": str(found.agent_id or ""),
        }
    return {
        key: request.GET.get(key, "")[:40] for key in ("from", "to", "channel", "team", "agent")
    }


def _csv(
    request: DeskRequest,
    found: ReportFilter,
    *,
    hours: str,
    teams: dict[int, str],
    agents: dict[int, str],
) -> HttpResponse:
    name = request.GET.get("table", "")
    if name == "tickets":
        # A streamed response is an HttpResponseBase; the desk's decorators speak HttpResponse.
        return tickets_csv(  # type: ignore[return-value]
            found,
            viewer=request.user,
            teams=teams,
            agents=agents,
            name=filename(name="tickets", start=found.start, end=found.end),
        )
    table = one_table(name, Scope(found, request.user, hours == "business", teams, agents))
    if table is None:
        raise Http404(_("No such table."))
    return table_response(
        table, name=filename(name=name, start=found.start, end=found.end, hours=hours)
    )


urlpatterns: list[URLPattern] = [
    path("reports/", reports_page, name="reports"),
]
