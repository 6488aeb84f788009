""" "My requests" and one request: what the customer reads."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache

from portal import selectors
from portal.access import PortalRequest, customer_required
from tickets.models import Ticket
from tickets.response_times import Unit, typical_amount, typical_first_response_cached


@never_cache
@customer_required
def my_requests(request: PortalRequest) -> HttpResponse:
    tickets = list(selectors.customer_tickets(customer=request.customer))
    rows = [_row(ticket) for ticket in tickets]
    context = {"rows": rows, "customer": request.customer, "channels": _reach_us()}
    return render(request, "portal/requests.html", context)


@never_cache
@customer_required
def request_detail(request: PortalRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.customer_ticket(customer=request.customer, ticket_id=ticket_id)
    context = {
        "row": _row(ticket),
        "messages": list(selectors.public_messages(ticket=ticket)),
        "customer": request.customer,
    }
    return render(request, "portal/request.html", context)


def _reach_us() -> list[dict[str, object]]:
    """ "How to reach us": the channels a customer can expect an answer on, each with its
    typical first reply and the promise. A channel without an active policy is one the
    organisation does not offer, so it is left out; one nobody was answered on in the window
    has no honest "usually", so it shows only its promise. The figures are cached, so this
    adds no query to most page views."""
    channels: list[dict[str, object]] = []
    for figure in typical_first_response_cached().values():
        if figure.promise_minutes is None:
            continue
        typical: dict[str, object] | None = None
        if figure.answered and figure.median_seconds is not None:
            amount, measure = typical_amount(figure.median_seconds)
            typical = {"n": amount, "unit": measure}
        number, unit = _promise_amount(figure.promise_minutes)
        channels.append(
            {
                "name": selectors.REACH_CHANNEL_WORDS.get(figure.channel, figure.channel),
                "typical": typical,
                "promise": {"n": number, "unit": unit},
            }
        )
    return channels


def _promise_amount(minutes: int) -> tuple[int, Unit]:
    """A promise as (number, unit). Not `typical_amount`: that turns 48 hours into "2 days",
    while the policy says 48 hours and the customer should read the same figure. Whole days
    only from a week up, where hours stop being easy to read."""
    if minutes < 60:
        return minutes, "minutes"
    if minutes >= 7 * 24 * 60:
        return -(-minutes // (24 * 60)), "days"
    return -(-minutes // 60), "hours"


def _row(ticket: Ticket) -> dict[str, object]:
    """What the customer reads about a ticket: plain words, no agent-only fields."""
    promise = ticket.sla_due_at if ticket.status in selectors.PROMISE_STATUSES else None
    return {
        "ticket": ticket,
        "status": selectors.STATUS_WORDS.get(ticket.status, ticket.status),
        "due": timezone.localtime(promise) if promise else None,
        "started": selectors.CHANNEL_WORDS.get(ticket.channel, ticket.channel),
        "public_messages": getattr(ticket, "public_messages", 0),
    }


urlpatterns = [
    path("", my_requests, name="requests"),
    path("requests/<int:ticket_id>/", request_detail, name="request"),
]
