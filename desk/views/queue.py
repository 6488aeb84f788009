"""The list: a view's tickets in promise order (or the agent's own order), its filter bar,
its rows fragment and the left column."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from desk.access import DeskRequest, agent_required
from desk.bulk import bulk_agents
from desk.navigation import count_label, desk_context, nav_build
from desk.queues import (
    CHANNEL_VIEWS,
    SORTS,
    STATUS_LABELS,
    VIEWS,
    QueueFilter,
    filter_teams,
    queue_counts,
    queue_page,
    report_title,
)

# Where an agent's chosen order is kept between visits (UI.md item 1: each agent may pick
# another order for themselves; the default stays the nearest promise).
SORT_SESSION_KEY = "desk_sort"


def queue_title(spec: QueueFilter, *, teams: dict[int, str] | None = None) -> str:
    parts = [report_title(spec.report) if spec.report else str(dict(VIEWS)[spec.view])]
    if spec.channel:
        parts.append(str(dict(CHANNEL_VIEWS)[spec.channel]))
    if spec.status:
        parts.append(str(STATUS_LABELS[spec.status]))
    if spec.team is not None:
        parts.append((teams or {}).get(spec.team, _("team %(id)s") % {"id": spec.team}))
    if spec.tag:
        parts.append(_("tag %(tag)s") % {"tag": spec.tag})
    return " · ".join(parts)


def queue_spec(request: DeskRequest, params: Any = None, *, remember: bool = False) -> QueueFilter:
    """The list the URL (or `params`) asks for. Without an order in it, the agent's own;
    `remember` keeps an order the agent just chose for their next visits."""
    params = request.GET if params is None else params
    remembered = request.session.get(SORT_SESSION_KEY, "due")
    if remembered not in dict(SORTS):
        remembered = "due"
    spec = QueueFilter.from_query(params, default_sort=remembered)
    if remember and params.get("sort") in dict(SORTS) and spec.sort != remembered:
        request.session[SORT_SESSION_KEY] = spec.sort
    return spec


def queue_render(
    request: DeskRequest, spec: QueueFilter, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The full list page for `spec`; `extra` adds to the context (a form's error)."""
    page = queue_page(user=request.user, spec=spec, after=request.GET.get("after", ""))
    context = desk_context(user=request.user, current=spec)
    nav = context["nav"]
    current, saved = nav.current_item(), nav.current_saved()
    teams = filter_teams(user=request.user)
    if current is not None and current.count is not None:
        count = current.count
    else:
        count = queue_counts(user=request.user, keys=[("list", spec)])["list"]
    team_names = {team.pk: team.name for team in teams}
    context.update(
        title=saved.label if saved else queue_title(spec, teams=team_names),
        count=count,
        count_label=count_label(count),
        saved=saved,
        page=page,
        sorts=SORTS,
        statuses=list(STATUS_LABELS.items()),
        channels=CHANNEL_VIEWS,
        teams=teams,
        agents=bulk_agents(),
        now=timezone.now(),
        **extra,
    )
    return render(request, "desk/queue.html", context, status=status)


@require_GET
@agent_required
def queue(request: DeskRequest) -> HttpResponse:
    return queue_render(request, queue_spec(request, remember=True))


@require_GET
@agent_required
def queue_rows(request: DeskRequest) -> HttpResponse:
    """The rows fragment: a live refresh of the first page (with the list's count, swapped
    into the heading), or the next page (`after`)."""
    spec = queue_spec(request)
    after = request.GET.get("after", "")
    page = queue_page(user=request.user, spec=spec, after=after)
    context: dict[str, Any] = {"page": page, "spec": spec, "now": timezone.now()}
    if not after:
        counts = queue_counts(user=request.user, keys=[("list", spec)])
        context["fresh_count_label"] = count_label(counts["list"])
    return render(request, "desk/queue.html#rows", context)


@require_GET
@agent_required
def views_nav(request: DeskRequest) -> HttpResponse:
    """The left column again, with fresh counts (after a live event)."""
    spec = queue_spec(request)
    nav = nav_build(user=request.user, current=spec)
    return render(request, "desk/_views_nav.html#nav", {"nav": nav, "spec": spec})
