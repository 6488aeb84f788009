"""What a customer may read: their own tickets and those tickets' public messages. Every
read here is scoped to one customer; nothing agent-only (notes, events, assignee, tags,
priority) leaves this module."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from tickets.models import Direction, Message, Status, Ticket

# Public messages: what the customer sent and what was sent to them; never internal notes.
PUBLIC_DIRECTIONS = (Direction.INBOUND, Direction.OUTBOUND)

# Plain-language status for customers (the desk's statuses are for agents).
STATUS_WORDS: dict[str, Promise] = {
    Status.NEW: _("We are working on it"),
    Status.OPEN: _("We are working on it"),
    Status.ON_HOLD: _("We are working on it"),
    Status.PENDING: _("Waiting for your answer"),
    Status.SOLVED: _("Solved — tell us if it is not"),
    Status.CLOSED: _("Closed"),
}

# Whose turn it is: only while we owe an answer does a promised time make sense.
PROMISE_STATUSES = frozenset({Status.NEW, Status.OPEN, Status.ON_HOLD})


def customer_tickets(*, customer: Customer) -> QuerySet[Ticket]:
    """Every ticket of the customer on every channel, newest first, with the number of
    public messages: one query whatever the number of tickets."""
    public = Q(messages__direction__in=PUBLIC_DIRECTIONS)
    return (
        Ticket.objects.filter(customer=customer, merged_into__isnull=True)
        .only("id", "subject", "status", "channel", "sla_due_at", "created_at")
        .annotate(public_messages=Count("messages", filter=public))
        .order_by("-created_at", "-id")
    )


def customer_ticket(*, customer: Customer, ticket_id: int) -> Ticket:
    """One of the customer's tickets; another customer's, a merged one or none is a 404
    alike, so a guessed id tells nothing."""
    ticket = customer_tickets(customer=customer).filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404
    return ticket


def public_messages(*, ticket: Ticket) -> QuerySet[Message]:
    """The ticket's public messages in the order they happened."""
    return (
        ticket.messages.filter(direction__in=PUBLIC_DIRECTIONS)
        .only(
            "id",
            "direction",
            "channel",
            "subject",
            "body_text",
            "created_at",
            "call_direction",
            "call_answered",
            "call_duration_seconds",
            "ticket_id",
        )
        .order_by("created_at", "id")
    )


# Where a request started, in the customer's words.
# Channel names for "How to reach us": the same words the desk shows, so they share its
# translations.
REACH_CHANNEL_WORDS: dict[str, Promise] = {
    "email": _("Email"),
    "web": _("Web form"),
    "chat": _("Chat"),
    "phone": _("Phone"),
    "facebook": _("Facebook Messenger"),
    "instagram": _("Instagram"),
    "whatsapp": _("WhatsApp"),
    "x": _("X"),
}

CHANNEL_WORDS: dict[str, Promise] = {
    "email": _("Started by email"),
    "web": _("Started on this site"),
    "chat": _("Started in the chat"),
    "phone": _("Started by phone"),
    "facebook": _("Started on Facebook Messenger"),
    "instagram": _("Started on Instagram"),
    "whatsapp": _("Started on WhatsApp"),
    "x": _("Started on X"),
}
