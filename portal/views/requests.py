""" "My requests" and one request: what the customer reads."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache

from portal import selectors
from portal.access import PortalRequest, customer_required
from portal.replies import ReplyForm, reply_form_new
from tickets.models import Status, Ticket
from tickets.response_times import Unit, typical_amount, typical_first_response_cached

# Which form the request page offers: a closed request takes no more messages, so writing
# starts a linked follow-up; a solved one opens again (both done by `message_ingest`).
REPLY_ACTIONS: dict[str, str] = {Status.SOLVED: "reopen", Status.CLOSED: "follow_up"}


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
    try:
        ticket = selectors.customer_ticket(customer=request.customer, ticket_id=ticket_id)
    except Http404:
        # A merged request's old number leads to the one its messages went to.
        moved = selectors.customer_ticket_moved(customer=request.customer, ticket_id=ticket_id)
        if moved is None:
            raise
        return redirect("portal:request", ticket_id=moved)
    return request_page(request, ticket)


def request_page(
    request: PortalRequest, ticket: Ticket, *, form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    """One request: its public messages with their files, the survey answer, and the form
    that fits its state (reply; tell us what is still wrong; start a follow-up)."""
    customer = request.customer
    closed = ticket.status == Status.CLOSED
    context = {
        "row": _row(ticket),
        "thread": list(selectors.public_messages(ticket=ticket)),
        "customer": customer,
        "survey": selectors.customer_survey_answer(customer=customer, ticket=ticket),
        "follow_ups": selectors.customer_follow_ups(customer=customer, ticket=ticket)
        if closed
        else [],
        "form": form or reply_form_new(),
        "action": REPLY_ACTIONS.get(ticket.status, "reply"),
    }
    return render(request, "portal/request.html", context, status=status)


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
        # A missed promise is said as missed: never a past time read as a future one.
        "late": promise is not None and promise <= timezone.now(),
        "started": selectors.CHANNEL_WORDS.get(ticket.channel, ticket.channel),
        "public_messages": getattr(ticket, "public_messages", 0),
    }


urlpatterns = [
    path("", my_requests, name="requests"),
    path("requests/<int:ticket_id>/", request_detail, name="request"),
]
