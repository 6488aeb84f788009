"""Saved views: "Save this view" on any list, rename and delete — each agent's own. Plain
form posts (they work without JavaScript): success goes to the saved view's list; a refused
name shows the list again with the reason beside the field (400)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from desk.access import DeskRequest, agent_required
from desk.queues import QueueFilter
from desk.saved_views import (
    SavedViewError,
    saved_view_create,
    saved_view_delete,
    saved_view_get,
    saved_view_rename,
)
from desk.views.queue import queue_render, queue_spec


def _list_url(query: str) -> str:
    return f"{reverse('desk:queue')}?{query}"


@require_POST
@agent_required
def saved_create(request: DeskRequest) -> HttpResponse:
    spec = queue_spec(request, QueryDict(request.POST.get("filter", "")))
    try:
        view = saved_view_create(owner=request.user, name=request.POST.get("name", ""), spec=spec)
    except SavedViewError as error:
        return queue_render(request, spec, status=error.status, save_error=str(error))
    messages.success(request, _("Saved as “%(name)s”.") % {"name": view.name})
    return redirect(_list_url(view.query))


@require_POST
@agent_required
def saved_rename(request: DeskRequest, view_id: int) -> HttpResponse:
    view = saved_view_get(owner=request.user, view_id=view_id)
    spec = QueueFilter.from_query(QueryDict(view.query))
    try:
        view = saved_view_rename(
            owner=request.user, view_id=view.pk, name=request.POST.get("name", "")
        )
    except SavedViewError as error:
        return queue_render(request, spec, status=error.status, rename_error=str(error))
    messages.success(request, _("Renamed to “%(name)s”.") % {"name": view.name})
    return redirect(_list_url(view.query))


@require_POST
@agent_required
def saved_delete(request: DeskRequest, view_id: int) -> HttpResponse:
    view = saved_view_delete(owner=request.user, view_id=view_id)
    messages.success(request, _("Deleted the saved view “%(name)s”.") % {"name": view.name})
    return redirect(_list_url(view.query))


urlpatterns = [
    path("views/saved/", saved_create, name="saved_create"),
    path("views/saved/<int:view_id>/rename/", saved_rename, name="saved_rename"),
    path("views/saved/<int:view_id>/delete/", saved_delete, name="saved_delete"),
]
