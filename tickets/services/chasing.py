"""Chasing: PRODUCT.md's rule in one place, for a message as it arrives (`message_ingest`)
and for a whole timeline (a ticket merge recounts the merged one).

An inbound message (not an automatic one) on a ticket that has had no human public reply
since the customer's previous message is a repeat contact. The second repeat contact raises
the ticket's priority one step, once per ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F
from django.db.models.functions import Coalesce

from tickets.models import Direction, EventKind, Message, Priority, Ticket
from tickets.services.events import event_record

# The repeat contact that raises priority (the second one).
RAISE_AT_REPEAT = 2


@dataclass(frozen=True)
class Chasing:
    """The chasing counters after some messages: contacts since the last human public
    reply, repeat contacts so far, and the latest repeat contact (for the timeline)."""

    unanswered: int = 0
    repeats: int = 0
    last_repeat: Message | None = None


def chasing_after(state: Chasing, message: Message) -> Chasing:
    """The counters once `message` is on the timeline. Pure: no queries, no writes."""
    if message.direction == Direction.INBOUND and not message.is_automatic:
        if state.unanswered >= 1:
            return Chasing(state.unanswered + 1, state.repeats + 1, message)
        return Chasing(state.unanswered + 1, state.repeats, state.last_repeat)
    if message.is_human_public_reply:
        return Chasing(0, state.repeats, state.last_repeat)
    return state


def chasing_count(*, messages: Iterable[Message]) -> Chasing:
    """Count chasing over messages in timeline order (oldest first)."""
    state = Chasing()
    for message in messages:
        state = chasing_after(state, message)
    return state


def chasing_recount(*, ticket: Ticket) -> Chasing:
    """Count chasing over the ticket's whole timeline: a customer's message at the time they
    sent it, everything else at the time we stored it."""
    messages = (
        Message.objects.filter(ticket=ticket)
        .only("direction", "is_automatic", "author_user", "call_direction", "call_answered")
        .order_by(Coalesce(F("sent_by_customer_at"), F("created_at")), "id")
    )
    return chasing_count(messages=messages)


def chasing_priority_raise(ticket: Ticket, *, message: Message | None = None) -> set[str]:
    """Raise a locked ticket's priority one step if its repeat contacts reached the second
    one and chasing never raised it before. Records the event; the caller saves the
    returned fields."""
    if ticket.repeat_contacts < RAISE_AT_REPEAT or ticket.chase_priority_raised:
        return set()
    old = ticket.priority
    ticket.priority = min(old + 1, Priority.URGENT)
    ticket.chase_priority_raised = True
    event_record(
        ticket,
        EventKind.PRIORITY,
        f"priority {Priority(old).label.lower()} → "
        f"{Priority(ticket.priority).label.lower()}: the customer is chasing",
        message=message,
        old=old,
        new=ticket.priority,
    )
    return {"priority", "chase_priority_raised"}
