"""The ticket's timeline: append-only events (`TicketEvent`), written by the services that
change a ticket, and by other apps (surveys) through `ticket_event_add`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from tickets import realtime
from tickets.models import Message, Ticket, TicketEvent

if TYPE_CHECKING:
    from helpdesk.roles import User


def event_record(
    ticket: Ticket,
    kind: str,
    text: str,
    *,
    actor: User | None = None,
    message: Message | None = None,
    **data: Any,
) -> TicketEvent:
    """Append one event inside the caller's transaction, telling no one: the service that
    made the change publishes its own live update. `text` is cut to the column's 500."""
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, text=text[:500], actor=actor, message=message, data=data
    )


@transaction.atomic
def ticket_event_add(
    *,
    ticket: Ticket,
    kind: str,
    text: str,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event to the ticket's timeline (append-only; nothing else changes) and
    tell the agents watching it. For other apps; services use `event_record`."""
    event_record(ticket, kind, text, actor=actor, **(data or {}))
    realtime.publish_ticket_event(ticket_id=ticket.pk, event="ticket.updated", data={"event": kind})
