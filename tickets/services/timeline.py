"""Small writes other apps need on a ticket without reaching into its internals: a timeline
event, in-app notifications and an automatic outbound message (a survey) through the outbox."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tickets import realtime
from tickets.models import Message, Notification, Status, Ticket
from tickets.services._common import TicketError, _check_not_merged, _event
from tickets.services.replies import (
    REPLY_CHANNEL,
    _check_messaging_window,
    _outbound_queue,
    _recipient,
)
from tickets.services.sla import _notifications_create


@transaction.atomic
def ticket_event_add(
    *, ticket: Ticket, kind: str, text: str, actor: Any = None, data: dict[str, Any] | None = None
) -> None:
    """Append one event to the ticket's timeline (append-only; nothing else changes)."""
    _event(ticket, kind, text, actor=actor, **(data or {}))
    realtime.publish_ticket_event(ticket_id=ticket.pk, event="ticket.updated", data={"event": kind})


@transaction.atomic
def notifications_add(*, users: list[Any], ticket: Ticket | None, kind: str, text: str) -> int:
    """In-app notifications for `users` (one each, users without duplicates); their emails
    go out after commit like the SLA ones."""
    unique = {user.pk: user for user in users if user is not None}
    _notifications_create(
        [
            Notification(user=user, ticket=ticket, kind=kind, text=text[:500])
            for user in unique.values()
        ]
    )
    return len(unique)


@transaction.atomic
def automatic_message_send(
    *, ticket: Ticket, channel: str, body_text: str, meta: dict[str, Any] | None = None
) -> Message:
    """Queue an automatic outbound message (no author) on `channel` through the outbox.

    Unlike `reply_create` it also goes out on a solved or closed ticket and records no
    acknowledgement or reply time: a survey is not an answer to the customer. Meta's 24-hour
    window still applies (`TicketError` when it is closed). `meta` reaches the channel's
    sender (e.g. `quick_replies` for Meta's buttons).
    """
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    _check_not_merged(ticket)
    channel = REPLY_CHANNEL.get(channel, channel)
    recipient = _recipient(ticket, channel, None)
    if recipient is None:
        raise TicketError(f"the customer has no {channel} identity to write to")
    _check_messaging_window(ticket, channel)
    message = _outbound_queue(
        ticket,
        channel=channel,
        recipient=recipient,
        body_text=body_text,
        is_automatic=True,
        meta=meta,
    )
    if ticket.status not in (Status.SOLVED, Status.CLOSED):
        ticket.save(update_fields=["updated_at"])
    return message
