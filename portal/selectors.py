"""What a customer may read: their own tickets and those tickets' public messages. Every
read here is scoped to one customer; nothing agent-only (notes, events, assignee, tags,
priority) leaves this module."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from surveys.models import NpsAnswer, SurveyAnswer
from tickets.models import Attachment, Direction, Message, Status, Ticket

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
        .only("id", "subject", "status", "channel", "sla_due_at", "created_at", "follow_up_of")
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


def customer_ticket_moved(*, customer: Customer, ticket_id: int) -> int | None:
    """Where a merged ticket of the customer went: the number of the ticket its messages
    live on now, when that one is the customer's too; else None (a 404 for the caller).
    Merged tickets stay out of "My requests" (their messages are on the survivor), but an
    old number from an email or a bookmark still leads somewhere."""
    seen: set[int] = set()
    current = ticket_id
    while current not in seen:
        seen.add(current)
        found = list(
            Ticket.objects.filter(pk=current, customer=customer).values_list(
                "merged_into_id", flat=True
            )[:1]
        )
        if not found:
            return None  # not the customer's (or gone): nothing to tell
        if found[0] is None:
            return current if current != ticket_id else None
        current = found[0]
    return None


def customer_follow_ups(*, customer: Customer, ticket: Ticket) -> list[Ticket]:
    """The customer's requests that continue this (closed) one, oldest first."""
    return list(
        customer_tickets(customer=customer).filter(follow_up_of=ticket).order_by("created_at", "id")
    )


# Files a customer sees on the timeline: not the images an email shows inline in its HTML.
_LISTED_FILES = Attachment.objects.filter(is_inline=False).only(
    "id", "message_id", "filename", "size"
)


def public_messages(*, ticket: Ticket) -> QuerySet[Message]:
    """The ticket's public messages in the order they happened, each with its listed files
    (one more query, whatever the number of messages)."""
    return (
        ticket.messages.filter(direction__in=PUBLIC_DIRECTIONS)
        .prefetch_related(Prefetch("attachments", queryset=_LISTED_FILES.order_by("id")))
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


def customer_attachment(*, customer: Customer, attachment_id: int) -> Attachment:
    """A file on a public message of one of the customer's tickets, or a 404 alike for
    another customer's file, an internal note's file and a guessed id."""
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id,
            message__direction__in=PUBLIC_DIRECTIONS,
            message__ticket__customer=customer,
        )
        .only("id", "file", "filename", "content_type", "size")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


@dataclass(frozen=True)
class SurveyGiven:
    """What the customer answered about a request: the 1-5 rating, and the 0-10 NPS score
    asked after it, each with the comment they wrote."""

    rating: int
    comment: str
    nps: NpsAnswer | None


def customer_survey_answer(*, customer: Customer, ticket: Ticket) -> SurveyGiven | None:
    """The customer's survey answer on this ticket, if they gave one (one query)."""
    answer = (
        SurveyAnswer.objects.filter(ticket=ticket, customer=customer)
        .select_related("survey__nps")
        .only("rating", "comment", "survey__id", "survey__nps__score", "survey__nps__comment")
        .first()
    )
    if answer is None:
        return None
    nps = getattr(answer.survey, "nps", None)
    return SurveyGiven(rating=answer.rating, comment=answer.comment, nps=nps)


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
