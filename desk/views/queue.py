"""The list: a view's tickets in promise order, its rows fragment and the left column."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from desk.access import DeskRequest, agent_required
from desk.navigation import count_label, desk_context, nav_build
from desk.queues import CHANNEL_VIEWS, SORTS, STATUS_LABELS, VIEWS, QueueFilter, queue_page


def queue_title(spec: QueueFilter) -> str:
    parts = [str(dict(VIEWS)[spec.view])]
    if spec.channel:
        parts.append(str(dict(CHANNEL_VIEWS)[spec.channel]))
    if spec.status:
        parts.append(str(STATUS_LABELS[spec.status]))
    if spec.tag:
        parts.append(_("tag %(tag)s") % {"tag": spec.tag})
    return " · ".join(parts)


@require_GET
@agent_required
def queue(request: DeskRequest) -> HttpResponse:
    spec = QueueFilter.from_query(request.GET)
    page = queue_page(user=request.user, spec=spec, after=request.GET.get("after", ""))
    context = desk_context(user=request.user, current=spec)
    current = [item for item in context["nav"].all() if item.current]
    context.update(
        title=queue_title(spec),
        count_label=current[0].count_label if current else count_label(len(page.tickets)),
        page=page,
        sorts=SORTS,
        now=timezone.now(),
    )
    return render(request, "desk/queue.html", context)


@require_GET
@agent_required
def queue_rows(request: DeskRequest) -> HttpResponse:
    """The rows fragment: a live refresh of the first page, or the next page (`after`)."""
    spec = QueueFilter.from_query(request.GET)
    page = queue_page(user=request.user, spec=spec, after=request.GET.get("after", ""))
    context = {"page": page, "spec": spec, "now": timezone.now()}
    return render(request, "desk/queue.html#rows", context)


@require_GET
@agent_required
def views_nav(request: DeskRequest) -> HttpResponse:
    """The left column again, with fresh counts (after a live event)."""
    spec = QueueFilter.from_query(request.GET)
    nav = nav_build(user=request.user, current=spec)
    return render(request, "desk/_views_nav.html#nav", {"nav": nav, "spec": spec})
