"""Live updates' HTTP side: who is on a ticket (the ticket page's `#presence`), who is on each
of a page of rows (the list's `span.viewers`), and the few sentences `static/desk/live.js`
announces in `#live-status`. The websocket side is `desk.consumers` and `/ws/tickets/`."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from desk.access import DeskRequest, agent_required
from desk.presence import MAX_TICKETS, presence_for, presence_lines
from tickets.selectors import ticket_find_for_user, ticket_list_for_user


def _ids(raw: str) -> list[int]:
    ids: list[int] = []
    for part in raw.split(",")[:MAX_TICKETS]:
        part = part.strip()
        if part.isdigit() and len(part) < 12:
            ids.append(int(part))
    return ids


@require_GET
@agent_required
def ticket_presence(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """The inside of the ticket page's `#presence`: the other agents on it, the asker left
    out. One query (may they see the ticket), whatever the number of visitors."""
    if ticket_find_for_user(user=request.user, ticket_id=ticket_id) is None:
        return HttpResponse(status=404)
    visitors = presence_for([ticket_id], exclude_user=request.user.pk).get(ticket_id, [])
    return render(request, "desk/ticket/_presence.html#lines", {"lines": presence_lines(visitors)})


@require_GET
@agent_required
def viewers(request: DeskRequest) -> HttpResponse:
    """`?ids=1,2,3` (a page of rows): one `<template data-for="id">` per ticket with who else
    is on it, empty when nobody is. One Redis round trip; then one query, only when someone
    is on one of them, to drop the tickets the asker may not see."""
    ids = _ids(request.GET.get("ids", ""))
    found = presence_for(ids, exclude_user=request.user.pk)
    if found:
        visible = set(
            ticket_list_for_user(user=request.user)
            .filter(pk__in=list(found))
            .values_list("pk", flat=True)
        )
        found = {pk: v for pk, v in found.items() if pk in visible}
    tickets = [{"id": pk, "lines": presence_lines(found.get(pk, []), short=True)} for pk in ids]
    return render(request, "desk/ticket/_presence.html#viewers", {"tickets": tickets})


@require_GET
@agent_required
@cache_control(private=True, max_age=3600)
def texts(request: DeskRequest) -> JsonResponse:
    """What live.js says in `#live-status`, in the agent's language (cached by the browser;
    the script asks with the page's language in the URL, so a new language is a new URL)."""
    return JsonResponse(
        {
            "newMessage": _("New message on this ticket."),
            "status": _("This ticket's status changed."),
            "assignee": _("This ticket was reassigned."),
            # %(ticket)s: the row's number and subject, e.g. "#1042 Order has not arrived".
            "newRow": _("New in this list: %(ticket)s"),
            "newRows": _("New tickets in this list."),
            "offline": _("Live updates paused. Reconnecting…"),
            "online": _("Live updates are back."),
        }
    )


urlpatterns: list[URLPattern] = [
    path("tickets/<int:ticket_id>/presence/", ticket_presence, name="ticket_presence"),
    path("live/viewers/", viewers, name="live_viewers"),
    path("live/texts/", texts, name="live_texts"),
]
