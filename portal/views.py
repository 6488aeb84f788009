"""The portal's pages: sign-in by emailed link, sign-out, "My requests", one request."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from sesame.backends import ModelBackend as SesameBackend

from customers.normalise import InvalidIdentity, normalise_email
from helpdesk.roles import is_agent
from portal import selectors
from portal.access import PortalRequest, customer_required, signed_in_customer
from portal.signin import client_ip, customer_for_email, link_request_allowed, link_send
from tickets.models import Ticket
from tickets.response_times import Unit, typical_amount, typical_first_response_cached

if TYPE_CHECKING:
    from helpdesk.roles import User

# The backend the session names; the link is checked by sesame before `login`.
SESSION_BACKEND = "helpdesk.auth_api.PasswordCheckBackend"


@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if signed_in_customer(request) is not None:
        return redirect("portal:requests")
    context: dict[str, object] = {"email": request.POST.get("email", "")[:320]}
    if request.method == "GET":
        return render(request, "portal/signin.html", context)
    try:
        email = normalise_email(str(context["email"]))
    except InvalidIdentity:
        context["error"] = "invalid"
        return render(request, "portal/signin.html", context, status=400)
    if not link_request_allowed(email=email, ip=client_ip(request)):
        context["error"] = "limited"
        return render(request, "portal/signin.html", context, status=429)
    found = customer_for_email(email)
    if found is not None:
        link_send(request=request, customer=found[0], identity=found[1])
    # The same page whether or not the address is known: no account probing.
    return render(request, "portal/signin_sent.html", {"email": email})


@never_cache
@require_http_methods(["GET", "POST"])
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET only checks the link and asks for a press: mail scanners that open links must not
    use up a single-use link. POST uses it and signs in."""
    if request.method == "GET":
        valid = _link_user(request, token) is not None
        template = "portal/signin_confirm.html" if valid else "portal/link_invalid.html"
        return render(request, template, {"token": token}, status=200 if valid else 410)
    user = _link_user(request, token)
    if user is None:
        return render(request, "portal/link_invalid.html", status=410)
    # `login` sets last_login, which is in the token's signature: the link is now used up.
    login(request, user, backend=SESSION_BACKEND)
    request.session.set_expiry(settings.PORTAL_SESSION_IDLE_SECONDS)
    return redirect("portal:requests")


def _link_user(request: HttpRequest, token: str) -> User | None:
    """The customer's user a valid, unused, unexpired link names, else None. Sesame's
    backend is called directly, not through `authenticate`: the sign-in throttle (axes)
    counts passwords, and a link is not one. Staff users never sign in by link."""
    user = SesameBackend().authenticate(request, sesame=token)
    if user is None or is_agent(user) or not hasattr(user, "customer_account"):
        return None
    return cast("User", user)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return render(request, "portal/signed_out.html")


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
