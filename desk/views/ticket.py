"""The ticket page: the header with its editable fields, the SLA strip, the timeline of every
channel, the composer and the customer panel."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from desk.access import DeskRequest, agent_required
from desk.navigation import desk_context
from desk.timeline import timeline_page
from tickets.selectors import ticket_get_for_user


@require_GET
@agent_required
def ticket_page(request: DeskRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    context = desk_context(user=request.user, current=None)
    context.update(ticket=ticket, timeline=timeline_page(ticket=ticket), now=timezone.now())
    return render(request, "desk/ticket/page.html", context)
